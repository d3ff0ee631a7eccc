"""A local provider network mirror, standing in for the Terraform registry: it serves the
locally built hashicorp/aws the way a machine that reaches the registry gets the official one.

It follows Terraform's provider network mirror protocol
(https://developer.hashicorp.com/terraform/internals/provider-network-mirror-protocol):

- ``GET /registry.terraform.io/hashicorp/aws/index.json``: ``{"versions": {"<v>": {}}}``;
- ``GET /registry.terraform.io/hashicorp/aws/<v>.json``: ``{"archives": {"<os>_<arch>":
  {"url": "<zip>", "hashes": ["zh:<sha256 of the zip>"]}}}``;
- the zip itself, the provider binary at its top level, as the registry's packages hold it.

Terraform reaches a network mirror over HTTPS only, so the mirror serves TLS with a
certificate from a certificate authority made at start-up; the clients trust it through
``SSL_CERT_FILE`` (read by Go's and OpenSSL's default trust store).

Not modelled: the registry's own protocol (service discovery, ``/v1/providers``) and
HashiCorp's package signatures, which no local server can produce; a network mirror is
trusted by the hashes it gives, which Terraform records in the lock file and checks.
"""

from __future__ import annotations

import datetime
import hashlib
import http.server
import ipaddress
import json
import os
import ssl
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from tests.support import serving

PROVIDER = "registry.terraform.io/hashicorp/aws"


@dataclass
class MirrorLog:
    paths: list[str] = field(default_factory=list)


def publish(root: Path, binary: Path, version: str, platform: str) -> str:
    """The mirror's files under ``root`` for one provider build; returns the zip's zh: hash."""
    directory = root / PROVIDER
    directory.mkdir(parents=True, exist_ok=True)
    archive = directory / f"terraform-provider-aws_{version}_{platform}.zip"
    partial_zip = archive.with_name(f".{archive.name}.{os.getpid()}")
    # Stored, not deflated: the binary is large, and the hash is what matters here.
    with zipfile.ZipFile(partial_zip, "w", compression=zipfile.ZIP_STORED) as bundle:
        info = zipfile.ZipInfo(
            f"terraform-provider-aws_v{version}", date_time=(2024, 1, 1, 0, 0, 0)
        )
        info.external_attr = 0o100755 << 16
        with binary.open("rb") as source, bundle.open(info, "w") as sink:
            while chunk := source.read(1 << 20):
                sink.write(chunk)
    partial_zip.replace(archive)
    digest = hashlib.sha256()
    with archive.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    zh = f"zh:{digest.hexdigest()}"
    (directory / "index.json").write_text(json.dumps({"versions": {version: {}}}))
    (directory / f"{version}.json").write_text(
        json.dumps({"archives": {platform: {"url": archive.name, "hashes": [zh]}}})
    )
    return zh


class _Handler(http.server.SimpleHTTPRequestHandler):
    log: MirrorLog

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.log.paths.append(self.path)
        super().do_GET()

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        self.send_error(404)


def make_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A certificate authority and a server certificate for 127.0.0.1 it signed: returns
    (CA bundle to trust, server certificate, server key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "slipway test mirror CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    bundle, cert, key_file = directory / "ca.pem", directory / "server.pem", directory / "key.pem"
    bundle.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return bundle, cert, key_file


@contextmanager
def serve(root: Path, certificates: Path) -> Iterator[tuple[str, MirrorLog, Path]]:
    """Serve ``root`` over HTTPS on 127.0.0.1; yields (base URL, the request log, the CA
    bundle its clients must trust)."""
    log = MirrorLog()
    handler = type("Handler", (_Handler,), {"log": log})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(handler, directory=str(root))
    )
    bundle, cert, key = make_certificates(certificates)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    with serving(server):
        yield f"https://127.0.0.1:{server.server_address[1]}", log, bundle
