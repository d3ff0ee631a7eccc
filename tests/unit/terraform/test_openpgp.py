"""The OpenPGP verifier against the vendors' real keys and against signatures made by gpg."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.fakes.release_site import stop_gpg_agent

from slipway.terraform import openpgp
from slipway.terraform.release_keys import (
    HASHICORP_FINGERPRINT,
    HASHICORP_KEY,
    OPENTOFU_FINGERPRINT,
    OPENTOFU_KEY,
)

SUMS = b"0123abcd  terraform_1.11.4_linux_amd64.zip\n"
# HashiCorp's release signing subkey, and one that expired in 2022.
HASHICORP_RELEASE_SUBKEY = "374EC75B485913604A831CC7C820C6D5CD27AB87"
HASHICORP_EXPIRED_SUBKEY = "B36CBA91A2C0730C435FC280B0B441097685B676"


# --- the vendors' keys ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "fingerprint"),
    [(HASHICORP_KEY, HASHICORP_FINGERPRINT), (OPENTOFU_KEY, OPENTOFU_FINGERPRINT)],
)
def test_the_pinned_keys_hash_to_their_fingerprints(key: str, fingerprint: str) -> None:
    cert = openpgp.parse_certificate(key.encode())
    assert cert.primary.fingerprint_hex == fingerprint
    assert cert.primary.n.bit_length() == 4096


def test_hashicorp_release_subkey_is_bound_and_valid_until_2030() -> None:
    """Its binding, back-signature and expiry come from HashiCorp's own self-signatures."""
    keys = {
        k.key.fingerprint_hex: k
        for k in openpgp.signing_keys(openpgp.parse_certificate(HASHICORP_KEY.encode()))
    }
    release = keys[HASHICORP_RELEASE_SUBKEY]
    assert not release.revoked
    assert release.expires == 1898637264  # 2030-03-03
    assert keys[HASHICORP_EXPIRED_SUBKEY].expires == 1650413312  # 2022-04-20
    # The encryption-only subkey never signs.
    assert "E091216D7CC258B2EB97DC3654422F612379BA9A" not in keys


def test_opentofu_signs_with_its_primary_key() -> None:
    keys = openpgp.signing_keys(openpgp.parse_certificate(OPENTOFU_KEY.encode()))
    assert [k.key.fingerprint_hex for k in keys] == [OPENTOFU_FINGERPRINT]
    assert keys[0].expires is None


def test_an_altered_armored_key_fails_its_checksum() -> None:
    lines = HASHICORP_KEY.splitlines()
    lines[5] = lines[5][:10] + ("A" if lines[5][10] != "A" else "B") + lines[5][11:]
    with pytest.raises(openpgp.SignatureError, match="checksum mismatch"):
        openpgp.parse_certificate("\n".join(lines).encode())


def test_a_key_that_is_not_the_pinned_one_is_refused_before_any_signature() -> None:
    with pytest.raises(openpgp.SignatureError, match=f"not the pinned {HASHICORP_FINGERPRINT}"):
        openpgp.verify_detached(SUMS, b"", OPENTOFU_KEY.encode(), HASHICORP_FINGERPRINT)


# --- signatures made by gpg ----------------------------------------------------------------


class Gpg:
    def __init__(self, home: Path) -> None:
        self.home = home
        home.mkdir(mode=0o700)

    def __call__(self, *args: str, input: bytes | None = None) -> bytes:
        done = subprocess.run(
            ["gpg", "--batch", "--quiet", "--no-tty", "--passphrase", "", *args],
            env={**os.environ, "GNUPGHOME": str(self.home)},
            input=input,
            capture_output=True,
            check=True,
        )
        return done.stdout

    def new_key(self, name: str, *extra: str) -> str:
        self(*extra, "--quick-gen-key", f"{name} <{name}@example.invalid>", "rsa3072", "sign",
             "never")  # fmt: skip
        return self.fingerprints(name)[0]

    def fingerprints(self, name: str) -> list[str]:
        listing = self("--with-colons", "--list-keys", f"{name}@example.invalid").decode()
        return [line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr")]

    def export(self, fingerprint: str) -> bytes:
        return self("--armor", "--export", fingerprint)

    def sign(self, key: str, data: bytes, *extra: str) -> bytes:
        return self("--local-user", f"{key}!", *extra, "--detach-sign", "--output", "-", input=data)


@pytest.fixture(scope="module")
def gpg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gpg]:
    gpg = Gpg(tmp_path_factory.mktemp("gpg") / "home")
    yield gpg
    stop_gpg_agent(gpg.home)


@pytest.fixture(scope="module")
def releases(gpg: Gpg) -> str:
    """A signing key with a signing subkey, as release keys are usually made."""
    primary = gpg.new_key("releases")
    gpg("--quick-add-key", primary, "rsa3072", "sign", "never")
    return primary


Verify = Callable[..., str]


@pytest.fixture
def verify(gpg: Gpg, releases: str) -> Verify:
    def check(signature: bytes, data: bytes = SUMS, key: str | None = None) -> str:
        return openpgp.verify_detached(
            data, signature, gpg.export(key or releases), key or releases
        )

    return check


def test_a_binary_signature_by_the_primary_key_verifies(
    gpg: Gpg, releases: str, verify: Verify
) -> None:
    assert verify(gpg.sign(releases, SUMS)) == releases


def test_a_signature_by_a_bound_subkey_verifies(gpg: Gpg, releases: str, verify: Verify) -> None:
    subkey = gpg.fingerprints("releases")[1]
    assert verify(gpg.sign(subkey, SUMS)) == subkey


def test_armored_and_text_mode_signatures_verify(gpg: Gpg, releases: str, verify: Verify) -> None:
    assert verify(gpg.sign(releases, SUMS, "--armor")) == releases
    text = b"line one\nline two\n"
    assert verify(gpg.sign(releases, text, "--textmode"), data=text) == releases


@pytest.mark.parametrize(
    "altered",
    [SUMS.replace(b"0123", b"0124"), SUMS + b"\n", SUMS[:-1], b""],
    ids=["one-digit", "extra-newline", "truncated", "empty"],
)
def test_any_change_to_the_signed_file_is_refused(
    gpg: Gpg, releases: str, verify: Verify, altered: bytes
) -> None:
    with pytest.raises(openpgp.SignatureError, match="the signature does not match the data"):
        verify(gpg.sign(releases, SUMS), data=altered)


def test_a_signature_by_another_key_names_both_keys(
    gpg: Gpg, releases: str, verify: Verify
) -> None:
    other = gpg.new_key("mallory")
    with pytest.raises(openpgp.SignatureError) as error:
        verify(gpg.sign(other, SUMS))
    assert str(error.value) == f"signed by key {other}, not by the pinned key {releases}"


def test_a_sha1_signature_is_refused(gpg: Gpg, releases: str, verify: Verify) -> None:
    with pytest.raises(openpgp.SignatureError):
        verify(gpg.sign(releases, SUMS, "--digest-algo", "SHA1"))


def test_a_signature_made_after_the_key_expired_is_refused(gpg: Gpg) -> None:
    key = gpg.new_key("expiring", "--faked-system-time", "20200101T000000")
    early = gpg.sign(key, SUMS, "--faked-system-time", "20200101T060000")
    late = gpg.sign(key, SUMS, "--faked-system-time", "20200105T000000")
    # The newest self-signature (made later) gives the key an end: 2020-01-02.
    gpg("--faked-system-time", "20200101T120000", "--quick-set-expire", key, "2020-01-02")
    with pytest.raises(openpgp.SignatureError, match=f"signing key {key} had expired"):
        openpgp.verify_detached(SUMS, late, gpg.export(key), key)
    # Made while the key was valid, it still verifies after the key expired (as gpg says).
    assert openpgp.verify_detached(SUMS, early, gpg.export(key), key) == key


def test_a_revoked_key_signs_nothing(gpg: Gpg) -> None:
    revoked = gpg.new_key("revoked")
    signature = gpg.sign(revoked, SUMS)
    certificate = (gpg.home / "openpgp-revocs.d" / f"{revoked}.rev").read_bytes()
    # gpg guards the stored certificate with a leading ':' against accidental import.
    gpg("--import", input=certificate.replace(b":-----BEGIN", b"-----BEGIN"))
    with pytest.raises(openpgp.SignatureError, match=f"signing key {revoked} is revoked"):
        openpgp.verify_detached(SUMS, signature, gpg.export(revoked), revoked)


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        (b"", "no signature packet"),
        (b"not a signature at all", "not an OpenPGP packet"),
        (b"-----BEGIN PGP SIGNATURE-----\n\n!!!!\n-----END PGP SIGNATURE-----\n", "invalid base64"),
        (b"-----BEGIN PGP SIGNATURE-----\n\nAAAA\n", "without its END line"),
    ],
)
def test_malformed_signature_files_are_refused(
    verify: Verify, signature: bytes, message: str
) -> None:
    with pytest.raises(openpgp.SignatureError, match=message):
        verify(signature)


def test_a_truncated_signature_is_refused(gpg: Gpg, releases: str, verify: Verify) -> None:
    signature = gpg.sign(releases, SUMS)
    with pytest.raises(openpgp.SignatureError, match="truncated"):
        verify(signature[: len(signature) // 2])
