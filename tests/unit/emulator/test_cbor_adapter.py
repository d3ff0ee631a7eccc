"""The RPC v2 CBOR <-> awsJson translation of scripts/emulator_server.py, on botocore's real
CloudWatch model (no server: the pure functions and the middleware around a recording app)."""

from __future__ import annotations

import base64
import gzip
import importlib.util
import io
import json
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import botocore.session
import cbor2
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

REPO = Path(__file__).resolve().parents[3]


def _load_emulator_server() -> ModuleType:
    path = REPO / "scripts" / "emulator_server.py"
    spec = importlib.util.spec_from_file_location("emulator_server", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["emulator_server"] = module
    spec.loader.exec_module(module)
    return module


es = _load_emulator_server()
CLOUDWATCH = botocore.session.get_session().get_service_model("cloudwatch")
PATH = "/service/GraniteServiceVersion20100801/operation/"


def _environ(path: str, body: bytes, **headers: str) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "CONTENT_TYPE": "application/cbor",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": "127.0.0.1:5000",
        "wsgi.input": io.BytesIO(body),
    }
    environ |= {"HTTP_" + name.upper(): value for name, value in headers.items()}
    return environ


# --- Routing -------------------------------------------------------------------------


def test_path_names_service_and_operation() -> None:
    assert es.parse_rpc_path(PATH + "PutMetricAlarm") == es.CborRoute(
        "GraniteServiceVersion20100801", "PutMetricAlarm"
    )


def test_path_prefix_and_absolute_service_id_route_the_same() -> None:
    route = es.parse_rpc_path("/v1/service/com.amazonaws.cloudwatch.Granite/operation/ListMetrics")
    assert route == es.CborRoute("Granite", "ListMetrics")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/service/X",
        "/service/X/operations/Y",
        "/svc/X/operation/Y",
        "/service/X/operation/a.B",
    ],
)
def test_bad_path_is_one_line_error_naming_the_path(path: str) -> None:
    with pytest.raises(es.MalformedRequestError) as raised:
        es.parse_rpc_path(path)
    assert str(raised.value).startswith("path: ")
    assert "\n" not in str(raised.value)


def test_only_post_without_target_header_is_routed() -> None:
    good = _environ(PATH + "ListDashboards", b"")
    assert es.checked_route(good).operation == "ListDashboards"
    with pytest.raises(es.MalformedRequestError, match=r"^method: expected POST, got GET$"):
        es.checked_route(good | {"REQUEST_METHOD": "GET"})
    with pytest.raises(es.MalformedRequestError, match=r"^X-Amz-Target: "):
        es.checked_route(good | {"HTTP_X_AMZ_TARGET": "GraniteServiceVersion20100801.ListMetrics"})


def test_protocol_header_decides_what_is_translated() -> None:
    assert es.is_rpc_v2_cbor({"HTTP_SMITHY_PROTOCOL": "rpc-v2-cbor"})
    assert es.is_rpc_v2_cbor({"HTTP_SMITHY_PROTOCOL": " RPC-V2-CBOR "})
    assert not es.is_rpc_v2_cbor({"HTTP_X_AMZ_TARGET": "GraniteServiceVersion20100801.X"})
    assert not es.is_rpc_v2_cbor({"HTTP_SMITHY_PROTOCOL": "rpc-v2-json"})


def test_signing_name_comes_from_a_real_sigv4_header() -> None:
    request = AWSRequest("POST", "http://127.0.0.1:5000" + PATH + "ListMetrics", data=b"")
    SigV4Auth(Credentials("testing", "testing"), "monitoring", "eu-west-1").add_auth(request)
    assert es.signing_name(request.headers["Authorization"]) == "monitoring"
    assert es.signing_name("") is None
    assert es.signing_name("AWS4-HMAC-SHA256 Credential=testing/20260101") is None


# --- CBOR request -> JSON request ----------------------------------------------------


def test_request_timestamps_stay_epoch_seconds_and_blobs_become_base64() -> None:
    body = cbor2.dumps(
        {
            "StartTime": cbor2.CBORTag(1, 1767225600.5),
            "EndTime": cbor2.CBORTag(1, 1767229200),
            "Blob": b"\x00\xffpng",
            "Nested": [{"Value": 1.25, "Gone": None, "Undefined": cbor2.undefined}],
            "Flag": True,
        }
    )
    assert es.decode_cbor_request(body) == {
        "StartTime": 1767225600.5,
        "EndTime": 1767229200,
        "Blob": base64.b64encode(b"\x00\xffpng").decode(),
        "Nested": [{"Value": 1.25}],
        "Flag": True,
    }


def test_gzip_request_body_is_decompressed() -> None:
    body = gzip.compress(cbor2.dumps({"Namespace": "shop", "MetricData": [{"Value": 1.5}]}))
    assert es.decode_cbor_request(body, "gzip") == {
        "Namespace": "shop",
        "MetricData": [{"Value": 1.5}],
    }
    with pytest.raises(es.MalformedRequestError, match=r"^Content-Encoding: expected gzip"):
        es.decode_cbor_request(body, "br")
    with pytest.raises(es.MalformedRequestError, match=r"^body: not valid gzip"):
        es.decode_cbor_request(b"not gzip", "gzip")


def test_empty_request_body_is_empty_input() -> None:
    assert es.decode_cbor_request(b"") == {}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"\xff\x00", r"^body: not valid CBOR"),
        (cbor2.dumps([1, 2]), r"^body: expected a CBOR map, got list$"),
    ],
)
def test_bad_request_body_is_one_line_error(body: bytes, expected: str) -> None:
    with pytest.raises(es.MalformedRequestError, match=expected):
        es.decode_cbor_request(body)


def test_json_request_targets_the_operation_on_the_service_shape() -> None:
    route = es.CborRoute("GraniteServiceVersion20100801", "PutMetricAlarm")
    target, body = es.json_request(route, {"AlarmName": "cpu", "Threshold": 70.0})
    assert target == "GraniteServiceVersion20100801.PutMetricAlarm"
    assert json.loads(body) == {"AlarmName": "cpu", "Threshold": 70.0}


def test_json_environ_keeps_host_and_authorization_and_replaces_the_rest() -> None:
    environ = _environ(
        PATH + "ListMetrics",
        b"\xa0",
        smithy_protocol="rpc-v2-cbor",
        accept="application/cbor",
        authorization="AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/monitoring/x",
    )
    translated = es.json_environ(environ, "GraniteServiceVersion20100801.ListMetrics", b"{}")
    assert translated["PATH_INFO"] == "/"
    assert translated["CONTENT_TYPE"] == "application/x-amz-json-1.0"
    assert translated["CONTENT_LENGTH"] == "2"
    assert translated["HTTP_X_AMZ_TARGET"] == "GraniteServiceVersion20100801.ListMetrics"
    assert translated["HTTP_HOST"] == "127.0.0.1:5000"
    assert translated["HTTP_AUTHORIZATION"] == environ["HTTP_AUTHORIZATION"]
    assert "HTTP_SMITHY_PROTOCOL" not in translated
    assert "HTTP_ACCEPT" not in translated
    assert translated["wsgi.input"].read() == b"{}"
    assert environ["PATH_INFO"].endswith("/ListMetrics")  # the original is not modified


# --- JSON response -> CBOR response --------------------------------------------------

DESCRIBE_ALARMS_JSON = {
    "CompositeAlarms": [],
    "MetricAlarms": [
        {
            "AlarmName": "web-cpu",
            "AlarmConfigurationUpdatedTimestamp": 1767225600.123,
            "StateUpdatedTimestamp": 1767225601,
            "Dimensions": [{"Name": "ServiceName", "Value": "web"}],
            "Period": 60.0,
            "EvaluationPeriods": 2,
            "Threshold": 70,
            "ActionsEnabled": True,
            "Unit": None,
        }
    ],
}


def test_output_timestamps_become_tag_1_and_numbers_follow_the_model() -> None:
    output = CLOUDWATCH.operation_model("DescribeAlarms").output_shape
    alarm = es.json_to_cbor_value(DESCRIBE_ALARMS_JSON, output)["MetricAlarms"][0]
    assert alarm["AlarmConfigurationUpdatedTimestamp"] == cbor2.CBORTag(1, 1767225600.123)
    assert alarm["StateUpdatedTimestamp"] == cbor2.CBORTag(1, 1767225601.0)
    assert isinstance(alarm["StateUpdatedTimestamp"].value, float)
    assert alarm["Threshold"] == 70.0 and isinstance(alarm["Threshold"], float)
    assert alarm["Period"] == 60 and isinstance(alarm["Period"], int)
    assert alarm["Dimensions"] == [{"Name": "ServiceName", "Value": "web"}]
    assert "Unit" not in alarm
    decoded = cbor2.loads(cbor2.dumps(alarm))
    assert decoded["AlarmConfigurationUpdatedTimestamp"] == datetime(
        2026, 1, 1, 0, 0, 0, 123000, tzinfo=UTC
    )


def test_output_iso_timestamp_text_is_accepted() -> None:
    output = CLOUDWATCH.operation_model("ListDashboards").output_shape
    document = {"DashboardEntries": [{"DashboardName": "d", "LastModified": "2026-01-01T00:00Z"}]}
    entry = es.json_to_cbor_value(document, output)["DashboardEntries"][0]
    assert entry["LastModified"] == cbor2.CBORTag(1, 1767225600.0)


def test_output_blob_becomes_a_byte_string() -> None:
    output = CLOUDWATCH.operation_model("GetMetricWidgetImage").output_shape
    image = b"\x89PNG\r\n\x1a\n"
    document = {"MetricWidgetImage": base64.b64encode(image).decode()}
    assert es.json_to_cbor_value(document, output) == {"MetricWidgetImage": image}


def test_without_a_model_values_pass_unchanged() -> None:
    assert es.json_to_cbor_value(DESCRIBE_ALARMS_JSON, None) == DESCRIBE_ALARMS_JSON


# --- Errors --------------------------------------------------------------------------


def test_query_compatible_code_maps_to_the_error_shape() -> None:
    document = {
        "__type": "GraniteServiceVersion20100801#ResourceNotFound",
        "message": "Dashboard does not exist",
        "Message": "Dashboard does not exist",
    }
    operation = CLOUDWATCH.operation_model("GetDashboard")
    assert es.cbor_error_document(document, 404, CLOUDWATCH, operation) == {
        "__type": "com.amazonaws.cloudwatch#DashboardNotFoundError",
        "message": "Dashboard does not exist",
    }


def test_error_of_another_operation_is_found_in_the_whole_model() -> None:
    document = {"__type": "InvalidParameterValue:detail", "Message": "bad period"}
    assert es.cbor_error_document(document, 400, CLOUDWATCH, None) == {
        "__type": "com.amazonaws.cloudwatch#InvalidParameterValueException",
        "message": "bad period",
    }


def test_unknown_error_code_is_kept() -> None:
    document = {"__type": "ThrottlingException", "message": "slow down"}
    assert es.cbor_error_document(document, 400, CLOUDWATCH, None)["__type"] == (
        "com.amazonaws.cloudwatch#ThrottlingException"
    )
    assert es.cbor_error_document({}, 503, None, None) == {
        "__type": "com.amazonaws#InternalFailure"
    }


def _headers(reply: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in reply.headers}


def test_error_reply_keeps_query_error_header_and_status() -> None:
    moto_headers = [
        ("Content-Type", "text"),
        ("X-Amzn-Errortype", "GraniteServiceVersion20100801#ResourceNotFound"),
        ("x-amzn-query-error", "ResourceNotFound;Sender"),
        ("x-amzn-requestid", "r-1"),
    ]
    body = b'{"__type": "GraniteServiceVersion20100801#ResourceNotFound", "message": "gone"}'
    operation = CLOUDWATCH.operation_model("GetDashboard")
    reply = es.cbor_reply(404, moto_headers, body, CLOUDWATCH, operation)
    assert reply.status == 404
    assert _headers(reply) == {
        "x-amzn-query-error": "ResourceNotFound;Sender",
        "x-amzn-requestid": "r-1",
        "smithy-protocol": "rpc-v2-cbor",
        "content-type": "application/cbor",
    }
    assert cbor2.loads(reply.body) == {
        "__type": "com.amazonaws.cloudwatch#DashboardNotFoundError",
        "message": "gone",
    }


def test_unit_output_has_no_body_and_no_content_type() -> None:
    operation = CLOUDWATCH.operation_model("PutMetricAlarm")
    reply = es.cbor_reply(200, [("Content-Type", "text")], b"{}", CLOUDWATCH, operation)
    assert (reply.status, reply.body) == (200, b"")
    assert _headers(reply) == {"smithy-protocol": "rpc-v2-cbor"}


def test_non_json_answer_becomes_a_protocol_error() -> None:
    reply = es.cbor_reply(200, [], b"<html>Traceback</html>\n", CLOUDWATCH, None)
    assert reply.status == 500
    assert cbor2.loads(reply.body) == {
        "__type": "com.amazonaws.cloudwatch#InternalFailure",
        "message": "<html>Traceback</html>",
    }


# --- The middleware ------------------------------------------------------------------


class RecordingApp:
    """A WSGI app that records what it receives and answers with a fixed JSON document."""

    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = json.dumps(answer).encode()
        self.environs: list[dict[str, Any]] = []
        self.bodies: list[bytes] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.environs.append(environ)
        self.bodies.append(environ["wsgi.input"].read())
        start_response("200 OK", [("Content-Type", "text"), ("x-amzn-requestid", "r-2")])
        return [self.answer]


def _call(app: Any, environ: dict[str, Any]) -> tuple[str, dict[str, str], bytes]:
    started: list[Any] = []
    body = b"".join(app(environ, lambda status, headers: started.append((status, headers))))
    status, headers = started[0]
    return status, {name.lower(): value for name, value in headers}, body


def test_non_cbor_request_reaches_the_app_untouched() -> None:
    inner = RecordingApp({"Tags": []})
    environ = _environ("/", b"{}", x_amz_target="GraniteServiceVersion20100801.ListMetrics")
    environ["CONTENT_TYPE"] = "application/x-amz-json-1.0"
    status, headers, body = _call(es.RpcV2CborAdapter(inner), environ)
    assert inner.environs == [environ]
    assert inner.environs[0] is environ
    assert (status, headers["content-type"], body) == ("200 OK", "text", b'{"Tags": []}')


def test_cbor_request_is_reissued_as_json_and_answered_in_cbor() -> None:
    inner = RecordingApp({"DashboardEntries": [{"DashboardName": "d", "LastModified": 5}]})
    request = cbor2.dumps({"DashboardNamePrefix": "d"})
    environ = _environ(
        PATH + "ListDashboards",
        request,
        smithy_protocol="rpc-v2-cbor",
        authorization="AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/monitoring/x",
    )
    status, headers, body = _call(es.RpcV2CborAdapter(inner), environ)
    assert inner.environs[0]["HTTP_X_AMZ_TARGET"] == "GraniteServiceVersion20100801.ListDashboards"
    assert json.loads(inner.bodies[0]) == {"DashboardNamePrefix": "d"}
    assert status == "200 OK"
    assert headers["smithy-protocol"] == "rpc-v2-cbor"
    assert headers["content-type"] == "application/cbor"
    assert headers["content-length"] == str(len(body))
    assert cbor2.loads(body) == {
        "DashboardEntries": [
            {"DashboardName": "d", "LastModified": datetime(1970, 1, 1, 0, 0, 5, tzinfo=UTC)}
        ]
    }


def test_unknown_operation_is_refused_before_the_app() -> None:
    inner = RecordingApp({})
    environ = _environ(
        PATH + "Bogus",
        b"",
        smithy_protocol="rpc-v2-cbor",
        authorization="AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/monitoring/x",
    )
    status, headers, body = _call(es.RpcV2CborAdapter(inner), environ)
    assert inner.environs == []
    assert (status, headers["smithy-protocol"]) == ("400 Bad Request", "rpc-v2-cbor")
    assert cbor2.loads(body) == {
        "__type": "com.amazonaws.cloudwatch#UnknownOperationException",
        "message": "operation: GraniteServiceVersion20100801 has no operation 'Bogus'",
    }


def test_malformed_cbor_request_is_refused_before_the_app() -> None:
    inner = RecordingApp({})
    environ = _environ(PATH + "ListMetrics", b"\xff\x00", smithy_protocol="rpc-v2-cbor")
    status, _, body = _call(es.RpcV2CborAdapter(inner), environ)
    assert inner.environs == []
    assert status == "400 Bad Request"
    assert cbor2.loads(body)["__type"] == "smithy.framework#ValidationException"
    assert cbor2.loads(body)["message"].startswith("body: not valid CBOR")


def test_server_arguments_are_moto_servers() -> None:
    args = es.parse_args(["-H", "127.0.0.1", "-p", "5123"])
    assert (args.host, args.port) == ("127.0.0.1", 5123)
    with pytest.raises(SystemExit):
        es.parse_args(["-p", "70000"])


def test_exception_in_the_app_is_a_cbor_internal_failure(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def raising_app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        raise KeyError("Bogus")

    environ = _environ(
        PATH + "ListMetrics",
        cbor2.dumps({}),
        smithy_protocol="rpc-v2-cbor",
        authorization="AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/monitoring/x",
    )
    status, headers, body = _call(es.RpcV2CborAdapter(raising_app), environ)
    assert (status, headers["smithy-protocol"]) == ("500 Internal Server Error", "rpc-v2-cbor")
    assert cbor2.loads(body) == {
        "__type": "com.amazonaws.cloudwatch#InternalFailure",
        "message": "KeyError: 'Bogus'",
    }
    assert "KeyError: 'Bogus'" in capsys.readouterr().err  # the traceback goes to the log
