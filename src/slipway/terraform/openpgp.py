"""Verify an OpenPGP detached signature against one pinned public key (RFC 4880, v4 RSA).

Engine releases are signed this way: HashiCorp signs ``terraform_<v>_SHA256SUMS`` (``.sig``)
and OpenTofu ``tofu_<v>_SHA256SUMS`` (``.gpgsig``), both with RSA keys. Only what that needs
is implemented, strictly:

- keys and signatures in version 4 packets, RSA (algorithms 1 and 3), SHA-2 hashes (SHA-1
  is refused, as current OpenPGP implementations do for data signatures);
- the signing key is the pinned primary key or one of its subkeys; a subkey counts only
  with a valid binding signature from the primary that allows signing and a valid
  back-signature from the subkey (what gpg requires since 2.0);
- revocations by the primary key of itself or of the subkey are honoured; the signature
  must be made while the key was valid (creation and expiry from the newest self-signature);
- an unknown subpacket marked critical in a hashed area invalidates its signature.

Every failure raises :class:`SignatureError` with a sentence a user can act on. No third-party
library: the runner has none, and the arithmetic is ``pow``.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field

# Packet tags.
_SIGNATURE, _PUBLIC_KEY, _USER_ID, _PUBLIC_SUBKEY, _USER_ATTRIBUTE = 2, 6, 13, 14, 17
# Signature types.
_BINARY, _TEXT = 0x00, 0x01
_CERTIFICATIONS = (0x10, 0x11, 0x12, 0x13)
_SUBKEY_BINDING, _PRIMARY_BINDING, _DIRECT_KEY = 0x18, 0x19, 0x1F
_KEY_REVOCATION, _SUBKEY_REVOCATION = 0x20, 0x28
# Subpacket types.
_CREATED, _SIG_EXPIRES, _KEY_EXPIRES, _ISSUER = 2, 3, 9, 16
_KEY_FLAGS, _EMBEDDED, _ISSUER_FPR = 27, 32, 33
_KNOWN_SUBPACKETS = {
    _CREATED,
    _SIG_EXPIRES,
    4,  # exportable
    5,  # trust
    7,  # revocable
    _KEY_EXPIRES,
    11,  # preferred symmetric
    12,  # revocation key
    _ISSUER,
    20,  # notation (critical notations are refused below anyway)
    21,  # preferred hashes
    22,  # preferred compression
    23,  # key server preferences
    24,  # preferred key server
    25,  # primary user id
    26,  # policy URI
    _KEY_FLAGS,
    28,  # signer's user id
    29,  # reason for revocation
    30,  # features
    _EMBEDDED,
    _ISSUER_FPR,
    34,  # preferred AEAD
}
_CAN_SIGN = 0x02
_RSA = (1, 3)  # RSA encrypt-or-sign, RSA sign-only

# DER DigestInfo prefixes for EMSA-PKCS1-v1_5 (RFC 4880 section 5.2.2).
_HASHES: dict[int, tuple[str, bytes]] = {
    8: ("sha256", bytes.fromhex("3031300d060960864801650304020105000420")),
    9: ("sha384", bytes.fromhex("3041300d060960864801650304020205000430")),
    10: ("sha512", bytes.fromhex("3051300d060960864801650304020305000440")),
    11: ("sha224", bytes.fromhex("302d300d06096086480165030402040500041c")),
}


class SignatureError(ValueError):
    """The signature is not a valid signature of the data by the pinned key."""


# --- armor and packets ---------------------------------------------------------------------


def _crc24(data: bytes) -> int:
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def dearmor(data: bytes) -> bytes:
    """The binary packets of ``data``: ASCII armor is decoded (its CRC checked when present),
    anything else is returned as it is."""
    text = data.lstrip()
    if not text.startswith(b"-----BEGIN PGP "):
        return data
    lines = text.decode("ascii", errors="replace").splitlines()
    try:
        end = next(i for i, line in enumerate(lines) if line.startswith("-----END PGP "))
    except StopIteration:
        raise SignatureError("ASCII armor without its END line") from None
    body = lines[1:end]
    # Armor headers (Version:, Comment:) end at the first blank line, when there are any.
    if any(":" in line for line in body[:1]) and "" in body:
        body = body[body.index("") + 1 :]
    checksum = None
    if body and body[-1].startswith("="):
        checksum = body.pop()[1:]
    try:
        packets = base64.b64decode("".join(line.strip() for line in body), validate=True)
    except ValueError:
        raise SignatureError("ASCII armor with invalid base64") from None
    if checksum is not None:
        try:
            expected = int.from_bytes(base64.b64decode(checksum, validate=True), "big")
        except ValueError:
            raise SignatureError("ASCII armor with an invalid checksum line") from None
        if _crc24(packets) != expected:
            raise SignatureError("ASCII armor checksum mismatch: the text was altered")
    return packets


def packets(data: bytes) -> Iterator[tuple[int, bytes]]:
    """``(tag, body)`` for each packet of ``data`` (old and new header formats)."""
    index = 0
    while index < len(data):
        head = data[index]
        if not head & 0x80:
            raise SignatureError(f"not an OpenPGP packet at byte {index}")
        if head & 0x40:  # new format
            tag = head & 0x3F
            index += 1
            if index >= len(data):
                raise SignatureError("truncated packet header")
            first = data[index]
            if first < 192:
                length, index = first, index + 1
            elif first < 224:
                if index + 1 >= len(data):
                    raise SignatureError("truncated packet header")
                length, index = ((first - 192) << 8) + data[index + 1] + 192, index + 2
            elif first == 255:
                length, index = int.from_bytes(data[index + 1 : index + 5], "big"), index + 5
            else:
                raise SignatureError("partial-length packets are not used by keys or signatures")
        else:  # old format
            tag = (head >> 2) & 0x0F
            kind = head & 0x03
            index += 1
            if kind == 3:
                length = len(data) - index
            else:
                size = (1, 2, 4)[kind]
                length = int.from_bytes(data[index : index + size], "big")
                index += size
        if index + length > len(data):
            raise SignatureError("truncated packet")
        yield tag, data[index : index + length]
        index += length


def _mpi(data: bytes, index: int) -> tuple[int, int]:
    if index + 2 > len(data):
        raise SignatureError("truncated number")
    bits = int.from_bytes(data[index : index + 2], "big")
    size = (bits + 7) // 8
    end = index + 2 + size
    if end > len(data):
        raise SignatureError("truncated number")
    return int.from_bytes(data[index + 2 : end], "big"), end


# --- keys ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subpacket:
    kind: int
    critical: bool
    data: bytes


@dataclass(frozen=True)
class Signature:
    version: int
    sig_type: int
    pubkey_algo: int
    hash_algo: int
    hashed: tuple[Subpacket, ...]
    unhashed: tuple[Subpacket, ...]
    # The bytes the signature's hash covers after the signed data (RFC 4880 5.2.4).
    trailer: bytes
    left16: bytes
    value: int

    def _first(self, kind: int, hashed_only: bool = True) -> bytes | None:
        areas = self.hashed if hashed_only else self.hashed + self.unhashed
        return next((s.data for s in areas if s.kind == kind), None)

    @property
    def created(self) -> int:
        data = self._first(_CREATED)
        if data is None or len(data) != 4:
            raise SignatureError("signature without a creation time")
        return int.from_bytes(data, "big")

    @property
    def key_expires_after(self) -> int | None:
        """Seconds after the key's creation it expires (0 or absent: never)."""
        data = self._first(_KEY_EXPIRES)
        seconds = int.from_bytes(data, "big") if data else 0
        return seconds or None

    @property
    def expires_after(self) -> int | None:
        data = self._first(_SIG_EXPIRES)
        seconds = int.from_bytes(data, "big") if data else 0
        return seconds or None

    @property
    def key_flags(self) -> int | None:
        data = self._first(_KEY_FLAGS)
        return data[0] if data else None

    @property
    def issuers(self) -> tuple[bytes, ...]:
        """Key ids (8 bytes) and v4 fingerprints (20 bytes) naming the signing key."""
        found = []
        for sub in self.hashed + self.unhashed:
            if sub.kind == _ISSUER and len(sub.data) == 8:
                found.append(sub.data)
            elif sub.kind == _ISSUER_FPR and len(sub.data) == 21 and sub.data[0] == 4:
                found.append(sub.data[1:])
        return tuple(found)

    @property
    def embedded(self) -> tuple[Signature, ...]:
        return tuple(
            parse_signature(s.data) for s in self.hashed + self.unhashed if s.kind == _EMBEDDED
        )


def _subpackets(data: bytes) -> tuple[Subpacket, ...]:
    result = []
    index = 0
    while index < len(data):
        first = data[index]
        if first < 192:
            length, index = first, index + 1
        elif first < 255:
            if index + 1 >= len(data):
                raise SignatureError("truncated signature subpacket")
            length, index = ((first - 192) << 8) + data[index + 1] + 192, index + 2
        else:
            length, index = int.from_bytes(data[index + 1 : index + 5], "big"), index + 5
        if length < 1 or index + length > len(data):
            raise SignatureError("malformed signature subpacket")
        kind = data[index]
        result.append(Subpacket(kind & 0x7F, bool(kind & 0x80), data[index + 1 : index + length]))
        index += length
    return tuple(result)


def parse_signature(body: bytes) -> Signature:
    """A version 4 signature packet's body."""
    if len(body) < 6 or body[0] != 4:
        version = body[0] if body else None
        raise SignatureError(f"unsupported signature version {version} (only version 4)")
    sig_type, pubkey_algo, hash_algo = body[1], body[2], body[3]
    hashed_len = int.from_bytes(body[4:6], "big")
    hashed_end = 6 + hashed_len
    if hashed_end + 2 > len(body):
        raise SignatureError("truncated signature")
    unhashed_len = int.from_bytes(body[hashed_end : hashed_end + 2], "big")
    unhashed_end = hashed_end + 2 + unhashed_len
    if unhashed_end + 2 > len(body):
        raise SignatureError("truncated signature")
    head = body[:hashed_end]
    trailer = head + b"\x04\xff" + len(head).to_bytes(4, "big")
    value = 0
    if pubkey_algo in _RSA:
        value, _ = _mpi(body, unhashed_end + 2)
    return Signature(
        version=4,
        sig_type=sig_type,
        pubkey_algo=pubkey_algo,
        hash_algo=hash_algo,
        hashed=_subpackets(body[6:hashed_end]),
        unhashed=_subpackets(body[hashed_end + 2 : unhashed_end]),
        trailer=trailer,
        left16=body[unhashed_end : unhashed_end + 2],
        value=value,
    )


@dataclass(frozen=True)
class PublicKey:
    body: bytes
    created: int
    algo: int
    n: int
    e: int

    @property
    def material(self) -> bytes:
        """How a key enters a hash (RFC 4880 5.2.4): 0x99, two length octets, the body."""
        return b"\x99" + len(self.body).to_bytes(2, "big") + self.body

    @property
    def fingerprint(self) -> bytes:
        return hashlib.sha1(self.material, usedforsecurity=False).digest()

    @property
    def fingerprint_hex(self) -> str:
        return self.fingerprint.hex().upper()

    @property
    def key_id(self) -> bytes:
        return self.fingerprint[-8:]


def parse_public_key(body: bytes) -> PublicKey:
    if len(body) < 6 or body[0] != 4:
        version = body[0] if body else None
        raise SignatureError(f"unsupported public key version {version} (only version 4)")
    created = int.from_bytes(body[1:5], "big")
    algo = body[5]
    n = e = 0
    if algo in _RSA:
        n, index = _mpi(body, 6)
        e, _ = _mpi(body, index)
    return PublicKey(body=body, created=created, algo=algo, n=n, e=e)


@dataclass
class _Subkey:
    key: PublicKey
    signatures: list[Signature] = field(default_factory=list)


@dataclass
class Certificate:
    """A transferable public key: the primary key, its user ids and subkeys, with the
    signatures that follow each (not yet verified)."""

    primary: PublicKey
    direct: list[Signature] = field(default_factory=list)
    user_ids: list[tuple[bytes, list[Signature]]] = field(default_factory=list)
    subkeys: list[_Subkey] = field(default_factory=list)


def parse_certificate(data: bytes) -> Certificate:
    """The first transferable public key in ``data`` (armored or binary)."""
    cert: Certificate | None = None
    current: list[Signature] | None = None
    for tag, body in packets(dearmor(data)):
        if tag == _PUBLIC_KEY:
            if cert is not None:
                break
            cert = Certificate(parse_public_key(body))
            current = cert.direct
        elif cert is None:
            raise SignatureError("no public key at the start of the key data")
        elif tag == _USER_ID:
            cert.user_ids.append((body, []))
            current = cert.user_ids[-1][1]
        elif tag == _USER_ATTRIBUTE:
            current = None  # photo ids carry no validity we rely on
        elif tag == _PUBLIC_SUBKEY:
            cert.subkeys.append(_Subkey(parse_public_key(body)))
            current = cert.subkeys[-1].signatures
        elif tag == _SIGNATURE and current is not None:
            try:
                current.append(parse_signature(body))
            except SignatureError:
                continue  # a self-signature we cannot read simply does not count
    if cert is None:
        raise SignatureError("no public key in the key data")
    return cert


# --- verification --------------------------------------------------------------------------


def _digest(signature: Signature, signed: bytes) -> bytes:
    algo = _HASHES.get(signature.hash_algo)
    if algo is None:
        raise SignatureError(
            f"signature uses hash algorithm {signature.hash_algo}, which is not accepted "
            "(SHA-224/256/384/512 only)"
        )
    return hashlib.new(algo[0], signed + signature.trailer).digest()


def _rsa_ok(key: PublicKey, signature: Signature, digest: bytes) -> bool:
    if key.algo not in _RSA or signature.pubkey_algo not in _RSA:
        return False
    if key.n.bit_length() < 2048 or not 0 < signature.value < key.n:
        return False
    size = (key.n.bit_length() + 7) // 8
    encoded = pow(signature.value, key.e, key.n).to_bytes(size, "big")
    info = _HASHES[signature.hash_algo][1] + digest
    padding = size - len(info) - 3
    expected = b"\x00\x01" + b"\xff" * padding + b"\x00" + info
    return padding >= 8 and encoded == expected


def _critical_unknown(signature: Signature) -> bool:
    return any(
        s.critical and (s.kind not in _KNOWN_SUBPACKETS or s.kind == 20) for s in signature.hashed
    )


def _valid(key: PublicKey, signature: Signature, signed: bytes) -> bool:
    """Whether ``signature`` over ``signed`` verifies with ``key`` (cryptography only)."""
    if _critical_unknown(signature) or signature.hash_algo not in _HASHES:
        return False
    try:
        return _rsa_ok(key, signature, _digest(signature, signed))
    except SignatureError:
        return False


@dataclass(frozen=True)
class SigningKey:
    key: PublicKey
    # Seconds since the epoch after which it signs nothing valid (None: no expiry).
    expires: int | None
    revoked: bool


def _newest(signatures: list[Signature]) -> Signature | None:
    return max(signatures, key=lambda s: s.created, default=None)


def _expiry(key: PublicKey, binding: Signature | None) -> int | None:
    after = binding.key_expires_after if binding else None
    return key.created + after if after else None


def signing_keys(cert: Certificate) -> list[SigningKey]:
    """The keys of ``cert`` that may sign data: the primary when its newest self-signature
    allows it, and every subkey properly bound for signing."""
    primary = cert.primary
    material = primary.material
    self_sigs = [
        sig for sig in cert.direct if sig.sig_type == _DIRECT_KEY and _valid(primary, sig, material)
    ]
    for uid, sigs in cert.user_ids:
        signed = material + b"\xb4" + len(uid).to_bytes(4, "big") + uid
        self_sigs += [
            s for s in sigs if s.sig_type in _CERTIFICATIONS and _valid(primary, s, signed)
        ]
    if not self_sigs:
        raise SignatureError(f"key {primary.fingerprint_hex} carries no valid self-signature")
    primary_revoked = any(
        s.sig_type == _KEY_REVOCATION and _valid(primary, s, material) for s in cert.direct
    )
    newest = _newest(self_sigs)
    primary_expires = _expiry(primary, newest)
    keys = []
    flags = newest.key_flags if newest else None
    if flags is None or flags & _CAN_SIGN:
        keys.append(SigningKey(primary, primary_expires, primary_revoked))
    for sub in cert.subkeys:
        signed = material + sub.key.material
        bindings = []
        for sig in sub.signatures:
            if sig.sig_type != _SUBKEY_BINDING or not _valid(primary, sig, signed):
                continue
            flags = sig.key_flags
            if flags is None or not flags & _CAN_SIGN:
                continue
            backsigs = [b for b in sig.embedded if b.sig_type == _PRIMARY_BINDING]
            if any(_valid(sub.key, b, signed) for b in backsigs):
                bindings.append(sig)
        binding = _newest(bindings)
        if binding is None:
            continue
        revoked = primary_revoked or any(
            s.sig_type == _SUBKEY_REVOCATION and _valid(primary, s, signed) for s in sub.signatures
        )
        expires = _expiry(sub.key, binding)
        if primary_expires is not None:
            expires = min(expires or primary_expires, primary_expires)
        keys.append(SigningKey(sub.key, expires, revoked))
    return keys


def _canonical_text(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def verify_detached(data: bytes, signature_data: bytes, key_data: bytes, fingerprint: str) -> str:
    """Check that ``signature_data`` (binary or armored) is a valid signature of ``data``
    by the key ``key_data`` whose primary fingerprint is ``fingerprint`` (hex, spaces
    allowed). Returns the fingerprint of the key that signed; raises SignatureError."""
    pinned = fingerprint.replace(" ", "").upper()
    cert = parse_certificate(key_data)
    if cert.primary.fingerprint_hex != pinned:
        raise SignatureError(
            f"the release key's fingerprint is {cert.primary.fingerprint_hex}, "
            f"not the pinned {pinned}"
        )
    found = [body for tag, body in packets(dearmor(signature_data)) if tag == _SIGNATURE]
    if not found:
        raise SignatureError("no signature packet in the signature file")
    keys = signing_keys(cert)
    problems = []
    for body in found:
        signature = parse_signature(body)
        if signature.sig_type not in (_BINARY, _TEXT):
            problems.append(f"signature of type 0x{signature.sig_type:02x} is not a data signature")
            continue
        signed = _canonical_text(data) if signature.sig_type == _TEXT else data
        issuers = signature.issuers
        for candidate in keys:
            named = not issuers or any(
                i in (candidate.key.key_id, candidate.key.fingerprint) for i in issuers
            )
            if not named:
                continue
            if not _valid(candidate.key, signature, signed):
                problems.append("the signature does not match the data")
                continue
            created = signature.created
            if candidate.revoked:
                problems.append(f"signing key {candidate.key.fingerprint_hex} is revoked")
            elif created < candidate.key.created:
                problems.append("the signature predates its key")
            elif candidate.expires is not None and created >= candidate.expires:
                problems.append(f"signing key {candidate.key.fingerprint_hex} had expired")
            else:
                return candidate.key.fingerprint_hex
        if (
            not any(i in (k.key.key_id, k.key.fingerprint) for k in keys for i in issuers)
            and issuers
        ):
            problems.append(
                f"signed by key {issuers[0].hex().upper()}, not by the pinned key {pinned}"
            )
    raise SignatureError(problems[0] if problems else "no valid signature by the pinned key")
