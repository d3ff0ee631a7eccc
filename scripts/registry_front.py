"""A front for Debian's docker-registry that refuses what Amazon ECR refuses, and tells the
emulator's ECR API about every image pushed, as ECR's registry and API are one store.

    python scripts/registry_front.py --port P --upstream 127.0.0.1:U --emulator URL \
        [--account 123456789012] [--region us-east-1]

It stands for the ECR registry of one account and region (``<account>.dkr.ecr.<region>…``):
every request is passed to the upstream registry unchanged (the Host header too, so the
upload locations it returns point back here), except these, which follow ECR:

- a manifest ``PUT`` to a repository the emulator's ECR does not have, or a blob upload to
  one, is refused with ``NAME_UNKNOWN`` (404), as ECR refuses pushes to a repository nobody
  created ("Pushing a Docker image", Amazon ECR User Guide);
- a manifest ``PUT`` under a tag that already names another image is refused with
  ``TAG_INVALID`` (400) and ECR's message when the repository's ``imageTagMutability``
  protects the tag: ``IMMUTABLE``; ``IMMUTABLE_WITH_EXCLUSION`` unless one of its
  ``WILDCARD`` exclusion filters matches the whole tag (``*``: any run of characters);
  ``MUTABLE_WITH_EXCLUSION`` when one does ("Preventing image tags from being overwritten",
  Amazon ECR User Guide; the filter grammar: botocore's ``ImageTagMutabilityExclusionFilter``).
  Pushing the same image again under its own tag is accepted, as ECR does.

After a manifest is stored, it is recorded in the emulator with ``PutImage`` (the tag moved
first with ``BatchDeleteImage`` where the rules above allowed the move), and image manifests
of a repository with scan on push get ``StartImageScan``, as ECR's basic scanning does for
each image of a multi-platform push. So ``DescribeImages``, ``BatchGetImage`` and
``DescribeImageScanFindings`` answer for what was pushed.

Not modelled: authentication (no ``docker login`` needed or checked), repository policies and
IAM on pushes, pull-through cache, replication, lifecycle expiry, layer and manifest size
limits, enhanced scanning, ECR's refusal of some artifact media types, and the registry
answering for another account or region than the one it was started for. The emulator keeps
images in memory: after a reset it no longer knows the repositories, while the registry keeps
their blobs and tags (the registry's pulls still work; pushes need the repository again).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.client
import json
import re
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MANIFEST_TYPES = ", ".join(
    (
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    )
)
IMAGE_MANIFESTS = (
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)
_MANIFEST = re.compile(r"^/v2/(?P<name>.+)/manifests/(?P<reference>[^/?]+)$")
_UPLOAD = re.compile(r"^/v2/(?P<name>.+)/blobs/uploads/?$")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
CHUNK = 1 << 20


# --- ECR's rule, written from its documentation (not shared with the code under test) ---------


def wildcard(pattern: str, tag: str) -> bool:
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, tag) is not None


def tag_protected(setting: str, filters: list[str], tag: str) -> bool:
    """Whether ECR keeps ``tag`` on the image it names now."""
    matched = any(wildcard(pattern, tag) for pattern in filters)
    if setting == "IMMUTABLE":
        return True
    if setting == "IMMUTABLE_WITH_EXCLUSION":
        return not matched
    if setting == "MUTABLE_WITH_EXCLUSION":
        return matched
    return False


def tag_invalid(tag: str, repository: str) -> dict[str, Any]:
    """The error body ECR's registry answers (``docker push`` prints ``tag invalid: …``)."""
    message = (
        f"The image tag '{tag}' already exists in the '{repository}' repository and cannot be "
        "overwritten because the repository is immutable."
    )
    return {"errors": [{"code": "TAG_INVALID", "message": message}]}


def name_unknown(repository: str, account: str) -> dict[str, Any]:
    message = (
        f"The repository with name '{repository}' does not exist in the registry with id "
        f"'{account}'"
    )
    return {"errors": [{"code": "NAME_UNKNOWN", "message": message}]}


# --- The emulator's ECR API ---------------------------------------------------------------


class Ecr:
    """The emulator's ECR API as the account this registry stands for."""

    def __init__(self, endpoint: str, account: str, region: str) -> None:
        import boto3

        session = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region
        )
        if account != "123456789012":  # moto's default account needs no role
            sts = session.client("sts", endpoint_url=endpoint)
            keys = sts.assume_role(
                RoleArn=f"arn:aws:iam::{account}:role/registry", RoleSessionName="registry"
            )["Credentials"]
            session = boto3.Session(
                aws_access_key_id=keys["AccessKeyId"],
                aws_secret_access_key=keys["SecretAccessKey"],
                aws_session_token=keys["SessionToken"],
                region_name=region,
            )
        self.client = session.client("ecr", endpoint_url=endpoint)
        self.account = account

    def repository(self, name: str) -> dict[str, Any] | None:
        try:
            found = self.client.describe_repositories(repositoryNames=[name])
        except self.client.exceptions.RepositoryNotFoundException:
            return None
        return dict(found["repositories"][0])

    def record(
        self, repository: dict[str, Any], reference: str, body: bytes, media_type: str, moved: bool
    ) -> None:
        """PutImage (and StartImageScan) for a manifest the registry stored."""
        name = repository["repositoryName"]
        digest = "sha256:" + hashlib.sha256(body).hexdigest()
        request: dict[str, Any] = {
            "repositoryName": name,
            "imageManifest": body.decode(),
            "imageManifestMediaType": media_type,
            "imageDigest": digest,
        }
        if not _DIGEST.fullmatch(reference):
            request["imageTag"] = reference
            if moved:
                self.client.batch_delete_image(
                    repositoryName=name, imageIds=[{"imageTag": reference}]
                )
        # The same manifest under the same tag (or by digest) again changes nothing.
        with contextlib.suppress(self.client.exceptions.ImageAlreadyExistsException):
            if "imageTag" in request or not repository.get("imageTagMutabilityExclusionFilters"):
                self.client.put_image(**request)
            else:
                self._put_untagged(repository, request)
        scan = repository.get("imageScanningConfiguration", {}).get("scanOnPush", False)
        if scan and media_type in IMAGE_MANIFESTS and not _is_attestation(body):
            self.client.start_image_scan(repositoryName=name, imageId={"imageDigest": digest})

    def _put_untagged(self, repository: dict[str, Any], request: dict[str, Any]) -> None:
        """moto fails (500) to record an image without a tag in a repository with exclusion
        filters (it matches the filters against the missing tag): the setting is lifted for
        that one call, under the front's lock, and put back."""
        name = repository["repositoryName"]
        self.client.put_image_tag_mutability(repositoryName=name, imageTagMutability="MUTABLE")
        try:
            self.client.put_image(**request)
        finally:
            self.client.put_image_tag_mutability(
                repositoryName=name,
                imageTagMutability=repository["imageTagMutability"],
                imageTagMutabilityExclusionFilters=repository["imageTagMutabilityExclusionFilters"],
            )


def _is_attestation(body: bytes) -> bool:
    """BuildKit's provenance and SBOM manifests: their layers are in-toto statements."""
    try:
        manifest = json.loads(body)
    except ValueError:
        return False
    layers = manifest.get("layers", [])
    return bool(layers) and all(
        str(layer.get("mediaType", "")).startswith("application/vnd.in-toto") for layer in layers
    )


# --- The proxy ----------------------------------------------------------------------------


class Front(BaseHTTPRequestHandler):
    server: FrontServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"front: {self.command} {self.path} {format % args}\n")

    def _body_chunks(self) -> Iterator[bytes]:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return
                yield self.rfile.read(size)
                self.rfile.readline()
        else:
            remaining = int(self.headers.get("Content-Length") or 0)
            while remaining > 0:
                chunk = self.rfile.read(min(CHUNK, remaining))
                if not chunk:
                    return
                remaining -= len(chunk)
                yield chunk

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Docker-Distribution-API-Version", "registry/2.0")
        self.end_headers()
        self.wfile.write(data)

    def _upstream(self, body: bytes | Iterator[bytes] | None) -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection(self.server.upstream, timeout=300)
        headers = {
            key: value
            for key, value in self.headers.items()
            if key.lower() not in ("transfer-encoding", "content-length", "connection")
        }
        if isinstance(body, bytes):
            headers["Content-Length"] = str(len(body))
            connection.request(self.command, self.path, body=body, headers=headers)
        elif body is not None:
            connection.request(
                self.command, self.path, body=body, headers=headers, encode_chunked=True
            )
        else:
            connection.request(self.command, self.path, headers=headers)
        return connection.getresponse()

    def _relay(self, response: http.client.HTTPResponse) -> bytes:
        data = response.read()
        self.send_response(response.status, response.reason)
        for key, value in response.getheaders():
            if key.lower() not in ("transfer-encoding", "content-length", "connection"):
                self.send_header(key, value)
        # A HEAD answer has no body but the size of the one a GET would give.
        length = response.getheader("Content-Length") if self.command == "HEAD" else None
        self.send_header("Content-Length", length or str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        return data

    def _current_digest(self, name: str, tag: str) -> str | None:
        connection = http.client.HTTPConnection(self.server.upstream, timeout=30)
        connection.request(
            "HEAD", f"/v2/{name}/manifests/{tag}", headers={"Accept": MANIFEST_TYPES}
        )
        response = connection.getresponse()
        response.read()
        return response.getheader("Docker-Content-Digest") if response.status == 200 else None

    def _forward(self) -> None:
        has_body = self.command in ("POST", "PUT", "PATCH")
        self._relay(self._upstream(self._body_chunks() if has_body else None))

    def do_GET(self) -> None:
        self._forward()

    def do_HEAD(self) -> None:
        self._forward()

    def do_DELETE(self) -> None:
        self._forward()

    def do_PATCH(self) -> None:
        self._forward()

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0]
        upload = _UPLOAD.match(path)
        if upload and self.server.ecr.repository(upload["name"]) is None:
            list(self._body_chunks())
            self._answer(404, name_unknown(upload["name"], self.server.ecr.account))
            return
        self._forward()

    def do_PUT(self) -> None:
        path = self.path.split("?", 1)[0]
        manifest = _MANIFEST.match(path)
        if not manifest:
            self._forward()
            return
        name, reference = manifest["name"], manifest["reference"]
        body = b"".join(self._body_chunks())
        media_type = self.headers.get("Content-Type", "").split(";")[0].strip()
        # One manifest write at a time: the check and the write must not interleave with
        # another push of the same tag (ECR refuses the second of two racing pushes).
        with self.server.lock:
            repository = self.server.ecr.repository(name)
            if repository is None:
                self._answer(404, name_unknown(name, self.server.ecr.account))
                return
            moved = False
            if not _DIGEST.fullmatch(reference):
                current = self._current_digest(name, reference)
                new = "sha256:" + hashlib.sha256(body).hexdigest()
                moved = current is not None and current != new
                filters = [
                    item["filter"]
                    for item in repository.get("imageTagMutabilityExclusionFilters") or []
                ]
                setting = repository.get("imageTagMutability", "MUTABLE")
                if moved and tag_protected(setting, filters, reference):
                    self._answer(400, tag_invalid(reference, name))
                    return
            response = self._upstream(body)
            self._relay(response)
            if 200 <= response.status < 300:
                try:
                    self.server.ecr.record(repository, reference, body, media_type, moved)
                except Exception as error:  # the registry is the truth; say what was missed
                    sys.stderr.write(f"front: not recorded in ECR: {name}:{reference}: {error}\n")


class FrontServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, upstream: str, ecr: Ecr) -> None:
        super().__init__(("127.0.0.1", port), Front)
        self.upstream = upstream
        self.ecr = ecr
        self.lock = threading.Lock()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True, help="host:port of the registry")
    parser.add_argument("--emulator", required=True, help="URL of the AWS emulator")
    parser.add_argument("--account", default="123456789012")
    parser.add_argument("--region", default="us-east-1")
    args = parser.parse_args(argv)
    server = FrontServer(args.port, args.upstream, Ecr(args.emulator, args.account, args.region))
    sys.stderr.write(f"front: 127.0.0.1:{args.port} -> {args.upstream} ({args.account})\n")
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
