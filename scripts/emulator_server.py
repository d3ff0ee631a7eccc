#!/usr/bin/env python3
"""The local AWS emulator: moto's server application, also speaking Smithy RPC v2 CBOR.

The AWS SDK for Go v2 (and so the Terraform AWS provider) calls some services, CloudWatch
among them, with the Smithy RPC v2 CBOR protocol: ``POST /service/<Service>/operation/<Op>``,
``smithy-protocol: rpc-v2-cbor``, a CBOR body. moto serves those services over their JSON
protocol only, so a WSGI middleware translates: the CBOR request is re-issued to moto as the
same operation in awsJson 1.0 (``X-Amz-Target: <Service>.<Op>``), and moto's JSON answer goes
back as CBOR. Every other request reaches moto untouched (``/moto-api/reset``, health checks).

Where JSON and CBOR differ the service's botocore model decides: timestamps are epoch-second
numbers in JSON and tag 1 in CBOR; blobs are base64 text in JSON and byte strings in CBOR;
errors name the model's error shape in ``__type`` (moto sends the query-compatible code).

    .venv/bin/python scripts/emulator_server.py -H 127.0.0.1 -p 5000
"""

from __future__ import annotations

import argparse
import base64
import binascii
import gzip
import io
import json
import math
import os
import signal
import sys
import threading
import traceback
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import cbor2

RPC_V2_CBOR = "rpc-v2-cbor"
CBOR_CONTENT_TYPE = "application/cbor"
JSON_CONTENT_TYPE = "application/x-amz-json-1.0"
EPOCH_TAG = 1

# Smithy service shape name -> botocore service name, where the two do not match by the
# request's signing name (CloudWatch signs as "monitoring").
KNOWN_SERVICES: Mapping[str, str] = {"GraniteServiceVersion20100801": "cloudwatch"}

# moto's settings this server chooses unless the caller chose otherwise: the provider
# attaches AWS-managed policies (AmazonECSTaskExecutionRolePolicy), unknown to moto without
# them. moto's thousands of public EC2 images are left out: every stack here runs on
# Fargate and none looks an image up, and loading them costs a quarter of a second for each
# region's EC2 backend, after every reset.
DEFAULT_MOTO_ENV: Mapping[str, str] = {
    "MOTO_IAM_LOAD_MANAGED_POLICIES": "true",
    "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
}

# Response headers from moto kept on a translated answer (the rest describe the JSON body).
_KEPT_RESPONSE_HEADERS = frozenset(
    {"x-amzn-requestid", "x-amzn-query-error", "access-control-allow-origin"}
)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class MalformedRequestError(ValueError):
    """An RPC v2 CBOR request this server cannot route or decode (answered with HTTP 400)."""


@dataclass(frozen=True)
class CborRoute:
    """Where an RPC v2 CBOR request goes: the service shape's name and the operation."""

    service: str
    operation: str


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: status code, headers, body."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


# --- Pure: recognising and routing RPC v2 CBOR requests ----------------------------------


def is_rpc_v2_cbor(environ: Mapping[str, Any]) -> bool:
    """True for requests in the Smithy RPC v2 CBOR protocol (its mandatory header)."""
    return str(environ.get("HTTP_SMITHY_PROTOCOL", "")).strip().lower() == RPC_V2_CBOR


def parse_rpc_path(path: str) -> CborRoute:
    """The route of ``{prefix?}/service/{service}/operation/{operation}``.

    Only the last four segments count (a prefix such as ``/v1`` is allowed); the service
    may be an absolute shape ID with ``#`` written as ``.`` (``com.example.TheService``).
    """
    segments = path.rstrip("/").split("/")
    if len(segments) < 5 or segments[-4] != "service" or segments[-2] != "operation":
        raise MalformedRequestError(
            f"path: expected /service/<Service>/operation/<Operation>, got {path!r}"
        )
    service = segments[-3].rsplit(".", 1)[-1]
    operation = segments[-1]
    if not service or not operation or any(c in operation for c in ".#"):
        raise MalformedRequestError(f"path: expected a service and an operation name, got {path!r}")
    return CborRoute(service, operation)


def checked_route(environ: Mapping[str, Any]) -> CborRoute:
    """The route of an RPC v2 CBOR request, after the checks the protocol requires."""
    method = environ.get("REQUEST_METHOD")
    if method != "POST":
        raise MalformedRequestError(f"method: expected POST, got {method}")
    if "HTTP_X_AMZ_TARGET" in environ or "HTTP_X_AMZN_TARGET" in environ:
        raise MalformedRequestError("X-Amz-Target: must not be sent with rpc-v2-cbor")
    return parse_rpc_path(str(environ.get("PATH_INFO", "")))


def signing_name(authorization: str) -> str | None:
    """The service of a SigV4 ``Authorization`` header's credential scope, if any."""
    try:
        credential = authorization.split("Credential=", 1)[1].split(",", 1)[0]
        return credential.strip().split("/")[3]
    except IndexError:
        return None


# --- Pure: CBOR request -> awsJson request --------------------------------------------


def decode_cbor_request(body: bytes, content_encoding: str = "") -> dict[str, Any]:
    """The operation input of an RPC v2 CBOR body (empty body: empty input). Operations with
    the requestCompression trait (PutMetricData) may arrive gzip-compressed."""
    encoding = content_encoding.strip().lower()
    if encoding == "gzip":
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError, zlib.error) as error:
            raise MalformedRequestError(f"body: not valid gzip ({error})") from None
    elif encoding not in ("", "identity"):
        raise MalformedRequestError(f"Content-Encoding: expected gzip, got {content_encoding!r}")
    if not body:
        return {}
    try:
        # Tag 1 stays the epoch number it carries: the JSON protocol uses the same numbers.
        decoded = cbor2.loads(body, semantic_decoders={EPOCH_TAG: lambda value, _: value})
    except (cbor2.CBORDecodeError, ValueError) as error:
        raise MalformedRequestError(f"body: not valid CBOR ({error})") from None
    if not isinstance(decoded, Mapping):
        raise MalformedRequestError(f"body: expected a CBOR map, got {type(decoded).__name__}")
    document = cbor_to_json_value(decoded)
    assert isinstance(document, dict)
    return document


def cbor_to_json_value(value: Any) -> Any:
    """A decoded CBOR value as the awsJson protocol writes it: byte strings become base64
    text, nulls and CBOR ``undefined`` are dropped from maps (absent members)."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, Mapping):
        return {
            str(key): cbor_to_json_value(item)
            for key, item in value.items()
            if item is not None and item is not cbor2.undefined
        }
    if isinstance(value, list | tuple):
        return [None if item is cbor2.undefined else cbor_to_json_value(item) for item in value]
    if isinstance(value, datetime):  # a tag 0 date string, should a client send one
        return value.timestamp()
    return value


def json_request(route: CborRoute, document: Mapping[str, Any]) -> tuple[str, bytes]:
    """The ``X-Amz-Target`` and body of the same call in the awsJson 1.0 protocol."""
    # NaN and infinities are valid CBOR doubles; Python's json (moto's parser) reads them.
    return f"{route.service}.{route.operation}", json.dumps(document).encode()


# --- Pure: awsJson response -> CBOR response ------------------------------------------


def json_to_cbor_value(value: Any, shape: Any | None) -> Any:
    """A JSON response value as RPC v2 CBOR encodes the model shape it belongs to.

    ``shape`` is a botocore shape (None: unknown, the value passes as it is). Timestamps
    become tag 1 with float seconds, blobs byte strings, floats stay floats and integers
    integers (the Go SDK refuses a float where it expects an integer).
    """
    if value is None or shape is None:
        return value
    kind = shape.type_name
    if kind == "structure" and isinstance(value, Mapping):
        return {
            key: json_to_cbor_value(item, shape.members.get(key))
            for key, item in value.items()
            if item is not None
        }
    if kind == "list" and isinstance(value, list):
        return [json_to_cbor_value(item, shape.member) for item in value]
    if kind == "map" and isinstance(value, Mapping):
        return {key: json_to_cbor_value(item, shape.value) for key, item in value.items()}
    if kind == "timestamp":
        return cbor2.CBORTag(EPOCH_TAG, _epoch_seconds(value))
    if kind == "blob" and isinstance(value, str):
        return _base64_bytes(value)
    if kind in ("float", "double") and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind in ("integer", "long", "short", "byte") and _integral_float(value):
        return int(value)
    return value


def _epoch_seconds(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):  # an ISO 8601 text, as some moto serialisers write
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return float(value)
    raise ValueError(f"timestamp: expected epoch seconds or ISO 8601 text, got {value!r}")


def _base64_bytes(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        return value.encode()  # not base64: the text itself is the content


def _integral_float(value: Any) -> bool:
    return isinstance(value, float) and math.isfinite(value) and value.is_integer()


def error_code(json_type: str) -> str:
    """The error's name in an awsJson ``__type`` (``ns#Name``, ``Name:detail`` or ``Name``)."""
    return json_type.rsplit("#", 1)[-1].split(":", 1)[0]


def find_error_shape(code: str, service_model: Any | None, operation_model: Any | None) -> Any:
    """The model's error shape for an error code: by shape name or by its query-compatible
    code (``ResourceNotFound`` -> ``DashboardNotFoundError``), the operation's own first."""
    if service_model is None:
        return None
    declared = list(operation_model.error_shapes) if operation_model is not None else []
    others = (service_model.shape_for(name) for name in service_model.shape_names)
    for candidate in (*declared, *others):
        if not candidate.metadata.get("exception"):
            continue
        if candidate.name == code or candidate.metadata.get("error", {}).get("code") == code:
            return candidate
    return None


def error_namespace(service_model: Any | None) -> str:
    """The namespace of the service's shape IDs (clients match errors by name after ``#``)."""
    return f"com.amazonaws.{service_model.service_name}" if service_model else "com.amazonaws"


def cbor_error_document(
    document: Mapping[str, Any],
    status: int,
    service_model: Any | None,
    operation_model: Any | None,
) -> dict[str, Any]:
    """An awsJson error body as an RPC v2 CBOR one: ``__type`` holds the error shape's
    absolute ID, the human text is in ``message``, members follow the error shape."""
    code = error_code(str(document.get("__type") or document.get("code") or ""))
    if not code:
        code = "InternalFailure" if status >= 500 else "ValidationException"
    shape = find_error_shape(code, service_model, operation_model)
    namespace = error_namespace(service_model)
    members = {
        key: value
        for key, value in document.items()
        if key not in ("__type", "code", "Message", "message")
    }
    message = document.get("message", document.get("Message"))
    converted = json_to_cbor_value(members, shape) if shape is not None else members
    return {
        "__type": f"{namespace}#{shape.name if shape is not None else code}",
        **({"message": message} if message is not None else {}),
        **converted,
    }


def cbor_reply(
    status: int,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    service_model: Any | None,
    operation_model: Any | None,
) -> Reply:
    """moto's JSON answer to a translated request, as the RPC v2 CBOR answer."""
    kept = [(name, value) for name, value in headers if name.lower() in _KEPT_RESPONSE_HEADERS]
    try:
        document = json.loads(body) if body.strip() else {}
    except ValueError:
        document = None
    if not isinstance(document, dict):
        # Not an awsJson answer (moto's 404 page, a traceback): still a protocol error.
        status = status if status >= 400 else 500
        text = body.decode("utf-8", "replace").strip().splitlines()
        document = {
            "__type": "InternalFailure" if status >= 500 else "UnknownOperationException",
            "message": text[0][:500] if text else f"HTTP {status} from the emulator",
        }
    if status >= 300:
        payload = cbor_error_document(document, status, service_model, operation_model)
        return _cbor(status, kept, payload)
    output = operation_model.output_shape if operation_model is not None else None
    if operation_model is not None and output is None:
        return Reply(200, [*kept, ("smithy-protocol", RPC_V2_CBOR)])  # Unit output: no body
    return _cbor(200, kept, json_to_cbor_value(document, output))


def error_reply(status: int, error_type: str, message: str) -> Reply:
    """An RPC v2 CBOR error answered by this server itself (not by moto)."""
    return _cbor(status, [], {"__type": error_type, "message": message})


def _cbor(status: int, headers: list[tuple[str, str]], payload: Any) -> Reply:
    encoded = cbor2.dumps(payload)
    return Reply(
        status,
        [*headers, ("smithy-protocol", RPC_V2_CBOR), ("Content-Type", CBOR_CONTENT_TYPE)],
        encoded,
    )


def json_environ(environ: Mapping[str, Any], target: str, body: bytes) -> dict[str, Any]:
    """The WSGI environ of the awsJson request moto receives instead of the CBOR one.

    Host and Authorization stay: moto takes the account from the access key and the
    service from the credential scope.
    """
    translated = {
        key: value
        for key, value in environ.items()
        if key
        not in (
            "HTTP_SMITHY_PROTOCOL",
            "HTTP_ACCEPT",
            "HTTP_TRANSFER_ENCODING",
            "HTTP_CONTENT_ENCODING",
            "wsgi.input_terminated",
        )
    }
    translated |= {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "REQUEST_URI": "/",
        "RAW_URI": "/",
        "CONTENT_TYPE": JSON_CONTENT_TYPE,
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_X_AMZ_TARGET": target,
        "wsgi.input": io.BytesIO(body),
    }
    return translated


# --- I/O: service models, the middleware, the server ----------------------------------


class ServiceModels:
    """botocore service models by Smithy service shape name, loaded once, thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._models: dict[tuple[str, str | None], Any] = {}
        self._session: Any = None

    def lookup(self, service: str, signed_as: str | None) -> Any | None:
        """The model of ``service`` (a known name, else the signing name's service when
        its JSON target prefix matches), or None: then values pass through unconverted."""
        key = (service, signed_as)
        with self._lock:
            if key not in self._models:
                self._models[key] = self._load(service, signed_as)
            return self._models[key]

    def _load(self, service: str, signed_as: str | None) -> Any | None:
        import botocore.exceptions
        import botocore.session

        if self._session is None:
            self._session = botocore.session.get_session()
        for name in (KNOWN_SERVICES.get(service), signed_as):
            if not name:
                continue
            try:
                model = self._session.get_service_model(name)
            except botocore.exceptions.UnknownServiceError:
                continue
            if model.metadata.get("targetPrefix") == service:
                return model
        return None


def operation_of(service_model: Any | None, operation: str) -> Any | None:
    if service_model is None or operation not in service_model.operation_names:
        return None
    return service_model.operation_model(operation)


class RpcV2CborAdapter:
    """WSGI middleware: RPC v2 CBOR requests are translated to awsJson for ``app``."""

    def __init__(self, app: WsgiApp, models: ServiceModels | None = None) -> None:
        self.app = app
        self.models = models or ServiceModels()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if not is_rpc_v2_cbor(environ):
            return self.app(environ, start_response)
        reply = self.translate(environ)
        from werkzeug.http import HTTP_STATUS_CODES

        reason = HTTP_STATUS_CODES.get(reply.status, "Unknown")
        headers = [*reply.headers, ("Content-Length", str(len(reply.body)))]
        start_response(f"{reply.status} {reason}", headers)
        return [reply.body]

    def translate(self, environ: dict[str, Any]) -> Reply:
        from werkzeug.wsgi import get_input_stream

        body = get_input_stream(environ).read()
        try:
            route = checked_route(environ)
            document = decode_cbor_request(body, str(environ.get("HTTP_CONTENT_ENCODING", "")))
        except MalformedRequestError as error:
            return error_reply(400, "smithy.framework#ValidationException", str(error))
        model = self.models.lookup(
            route.service, signing_name(str(environ.get("HTTP_AUTHORIZATION", "")))
        )
        operation = operation_of(model, route.operation)
        if model is not None and operation is None:
            return error_reply(
                400,
                f"{error_namespace(model)}#UnknownOperationException",
                f"operation: {route.service} has no operation {route.operation!r}",
            )
        target, json_body = json_request(route, document)
        try:
            status, headers, answer = self._call_app(json_environ(environ, target, json_body))
        except Exception as error:  # moto raised: still answer in the client's protocol
            traceback.print_exc()
            message = f"{type(error).__name__}: {error}"
            return error_reply(500, f"{error_namespace(model)}#InternalFailure", message)
        return cbor_reply(status, headers, answer, model, operation)

    def _call_app(self, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
        from werkzeug.test import run_wsgi_app

        app_iter, status, headers = run_wsgi_app(self.app, environ, buffered=True)
        try:
            answer = b"".join(app_iter)
        finally:
            close = getattr(app_iter, "close", None)
            if close is not None:
                close()
        return int(status.split(" ", 1)[0]), headers.to_wsgi_list(), answer


# moto keeps no tags on Application Auto Scaling resources and does not implement its
# TagResource, UntagResource and ListTagsForResource; the Terraform provider reads the tags
# right after registering a scalable target and retries the 500 for minutes. They are kept
# here, per backend (so /moto-api/reset clears them), with RegisterScalableTarget's Tags.


def add_application_autoscaling_tags() -> None:
    from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
    from moto.utilities.tagging_service import TaggingService

    def tags_of(response: Any) -> TaggingService:
        backend = response.applicationautoscaling_backend
        if not hasattr(backend, "emulator_tags"):
            backend.emulator_tags = TaggingService()
        return backend.emulator_tags  # type: ignore[no-any-return]

    def tag_list(tags: Mapping[str, str] | None) -> list[dict[str, str]]:
        return [{"Key": key, "Value": value} for key, value in (tags or {}).items()]

    register = ApplicationAutoScalingResponse.register_scalable_target

    def register_scalable_target(self: Any) -> str:
        body = register(self)
        tags = tag_list(self._get_param("Tags"))
        if tags:
            tags_of(self).tag_resource(json.loads(body)["ScalableTargetARN"], tags)
        return body

    def tag_resource(self: Any) -> str:
        tags_of(self).tag_resource(
            self._get_param("ResourceARN"), tag_list(self._get_param("Tags"))
        )
        return "{}"

    def untag_resource(self: Any) -> str:
        tags_of(self).untag_resource_using_names(
            self._get_param("ResourceARN"), self._get_param("TagKeys") or []
        )
        return "{}"

    def list_tags_for_resource(self: Any) -> str:
        tags = tags_of(self).get_tag_dict_for_resource(self._get_param("ResourceARN"))
        return json.dumps({"Tags": tags})

    response_class: Any = ApplicationAutoScalingResponse
    response_class.register_scalable_target = register_scalable_target
    response_class.tag_resource = tag_resource
    response_class.untag_resource = untag_resource
    response_class.list_tags_for_resource = list_tags_for_resource


# A Fargate task definition may set memory only at the task level; moto adds up its
# containers' memory to place a task and crashes (HTTP 500) on RunTask when a container has
# none. Such containers count as 0 here: the task-level memory is the limit, as on Fargate.

_MEMORY_KEYS = ("memory", "Memory", "memoryReservation", "MemoryReservation")


def containers_with_memory(containers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        c if any(k in c for k in _MEMORY_KEYS) else {**c, "memoryReservation": 0}
        for c in containers
    ]


def place_tasks_without_container_memory() -> None:
    import copy

    from moto.ecs.models import EC2ContainerServiceBackend

    backend_class: Any = EC2ContainerServiceBackend
    calculate = backend_class._calculate_task_resource_requirements

    def requirements(task_definition: Any) -> Any:
        counted = copy.copy(task_definition)
        counted.container_definitions = containers_with_memory(
            task_definition.container_definitions
        )
        return calculate(counted)

    backend_class._calculate_task_resource_requirements = staticmethod(requirements)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-H", "--host", default="127.0.0.1", help="address to bind")
    parser.add_argument(
        "-p",
        "--port",
        type=int,
        default=int(os.environ.get("MOTO_PORT", "5000")),
        help="port to listen on",
    )
    args = parser.parse_args(argv)
    if not 0 < args.port < 65536:
        parser.error(f"--port: expected 1-65535, got {args.port}")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    for key, value in DEFAULT_MOTO_ENV.items():
        os.environ.setdefault(key, value)
    # moto calls itself back on this port for some operations, as moto_server arranges.
    os.environ.setdefault("MOTO_PORT", str(args.port))
    # Imported after the environment is set: moto reads some settings at import time.
    import emulator_alarm_history  # beside this file: sys.path[0] when run as a script
    import emulator_backends
    import emulator_bucket_policy
    import emulator_dispatch
    import emulator_ecs
    import emulator_s3_lifecycle
    import emulator_web_identity
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import run_simple

    # Bucket policies evaluated for the caller, with the condition keys S3 supplies
    # (moto ignores principals and conditions): see emulator_bucket_policy.
    emulator_bucket_policy.install()
    # AssumeRoleWithWebIdentity needs the token's OIDC provider and the role's trust policy
    # (moto assumes any role with any token): see emulator_web_identity.
    emulator_web_identity.install()
    emulator_s3_lifecycle.install()
    add_application_autoscaling_tags()
    emulator_alarm_history.install()
    emulator_ecs.install()
    place_tasks_without_container_memory()
    # Builds only the backends a request needs, and a reset drops them without rebuilding
    # them first: see emulator_backends.
    emulator_backends.install()
    # Each host's backend found once, one botocore loader for every service model, and each
    # response class's action names listed once: see emulator_dispatch.
    emulator_dispatch.install()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    app = RpcV2CborAdapter(DomainDispatcherApplication(create_backend_app))
    run_simple(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
