"""The emulator (scripts/emulator_server.py) speaks Smithy RPC v2 CBOR as the AWS SDK for Go v2
does: CloudWatch requests built by hand (cbor2 + SigV4) and by the real Terraform AWS provider,
read back with boto3 (which uses the JSON protocol: both land in the same moto state)."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import cbor2
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from botocore.parsers import create_parser

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]
REGION = "us-east-1"
SERVICE_SHAPE = "GraniteServiceVersion20100801"
CLOUDWATCH_MODEL = botocore.session.get_session().get_service_model("cloudwatch")
TERRAFORM_TIMEOUT_S = 600


@dataclass(frozen=True)
class CborAnswer:
    status: int
    headers: dict[str, str]
    body: bytes

    def document(self) -> Any:
        return cbor2.loads(self.body) if self.body else None

    def parsed(self, operation: str) -> dict[str, Any]:
        """The answer as botocore's own RPC v2 CBOR parser reads it (a second client)."""
        model = CLOUDWATCH_MODEL.operation_model(operation)
        response = {"status_code": self.status, "headers": self.headers, "body": self.body}
        parsed: dict[str, Any] = create_parser("smithy-rpc-v2-cbor").parse(
            response, model.output_shape
        )
        return parsed


def cbor_call(endpoint: str, operation: str, params: dict[str, Any] | None) -> CborAnswer:
    """One CloudWatch call the way aws-sdk-go-v2 sends it: CBOR body, rpc-v2-cbor headers,
    signed with SigV4 for the ``monitoring`` signing name."""
    body = cbor2.dumps(params) if params is not None else b""
    url = f"{endpoint}/service/{SERVICE_SHAPE}/operation/{operation}"
    headers = {
        "smithy-protocol": "rpc-v2-cbor",
        "Accept": "application/cbor",
        "X-Amzn-Query-Mode": "true",
        **({"Content-Type": "application/cbor"} if params is not None else {}),
    }
    request = AWSRequest("POST", url, data=body, headers=headers)
    SigV4Auth(Credentials("testing", "testing"), "monitoring", REGION).add_auth(request)
    prepared = urllib.request.Request(url, data=body, headers=dict(request.headers), method="POST")
    try:
        with urllib.request.urlopen(prepared, timeout=30) as response:
            return CborAnswer(response.status, _lower(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        return CborAnswer(error.code, _lower(error.headers.items()), error.read())


def _lower(items: Any) -> dict[str, str]:
    return {str(name).lower(): str(value) for name, value in items}


def test_cbor_alarm_written_by_hand_is_read_by_boto3(aws: str) -> None:
    created = cbor_call(
        aws,
        "PutMetricAlarm",
        {
            "AlarmName": "web-cpu-high",
            "Namespace": "AWS/ECS",
            "MetricName": "CPUUtilization",
            "Statistic": "Average",
            "Period": 60,
            "EvaluationPeriods": 3,
            "Threshold": 72.5,
            "ComparisonOperator": "GreaterThanThreshold",
            "Dimensions": [
                {"Name": "ClusterName", "Value": "shop"},
                {"Name": "ServiceName", "Value": "web"},
            ],
            "Tags": [{"Key": "Team", "Value": "platform"}],
        },
    )
    assert (created.status, created.body) == (200, b"")
    assert created.headers["smithy-protocol"] == "rpc-v2-cbor"

    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    alarm = cloudwatch.describe_alarms(AlarmNames=["web-cpu-high"])["MetricAlarms"][0]
    assert alarm["Threshold"] == 72.5
    assert alarm["EvaluationPeriods"] == 3
    assert alarm["Dimensions"] == [
        {"Name": "ClusterName", "Value": "shop"},
        {"Name": "ServiceName", "Value": "web"},
    ]
    tags = cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]
    assert tags == [{"Key": "Team", "Value": "platform"}]

    described = cbor_call(aws, "DescribeAlarms", {"AlarmNames": ["web-cpu-high"]})
    assert described.status == 200
    assert described.headers["content-type"] == "application/cbor"
    raw = described.document()["MetricAlarms"][0]
    assert raw["Threshold"] == 72.5 and isinstance(raw["Threshold"], float)
    assert raw["Period"] == 60 and isinstance(raw["Period"], int)
    updated = raw["AlarmConfigurationUpdatedTimestamp"]  # CBOR tag 1, decoded by cbor2
    assert isinstance(updated, datetime)
    assert abs(datetime.now(UTC) - updated) < timedelta(minutes=5)
    parsed = described.parsed("DescribeAlarms")["MetricAlarms"][0]
    assert parsed["AlarmArn"] == alarm["AlarmArn"]
    assert parsed["StateValue"] == alarm["StateValue"] == "OK"


def test_cbor_dashboard_and_its_not_found_error(aws: str) -> None:
    body = json.dumps({"widgets": [{"type": "text", "properties": {"markdown": "hi"}}]})
    put = cbor_call(aws, "PutDashboard", {"DashboardName": "shop", "DashboardBody": body})
    assert put.status == 200
    assert put.document() == {"DashboardValidationMessages": []}

    got = cbor_call(aws, "GetDashboard", {"DashboardName": "shop"})
    assert got.document()["DashboardBody"] == body
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    assert cloudwatch.get_dashboard(DashboardName="shop")["DashboardBody"] == body

    missing = cbor_call(aws, "GetDashboard", {"DashboardName": "nope"})
    assert missing.status == 404
    assert missing.headers["smithy-protocol"] == "rpc-v2-cbor"
    assert missing.headers["x-amzn-query-error"] == "ResourceNotFound;Sender"
    assert missing.document() == {
        "__type": "com.amazonaws.cloudwatch#DashboardNotFoundError",
        "message": "Dashboard does not exist",
    }
    error = missing.parsed("GetDashboard")["Error"]
    assert error["Code"] == "ResourceNotFound"  # what the provider's not-found check reads


def test_json_and_moto_api_still_served(aws: str) -> None:
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    cloudwatch.put_dashboard(DashboardName="json", DashboardBody='{"widgets": []}')
    listed = cbor_call(aws, "ListDashboards", {})
    assert [entry["DashboardName"] for entry in listed.document()["DashboardEntries"]] == ["json"]
    with urllib.request.urlopen(aws + "/moto-api/data.json", timeout=10) as response:
        assert response.status == 200
        assert "cloudwatch" in json.loads(response.read())


# --- The real Terraform AWS provider ---------------------------------------------------

DASHBOARD_BODY = {
    "widgets": [
        {
            "type": "metric",
            "x": 0,
            "y": 0,
            "width": 12,
            "height": 6,
            "properties": {
                "metrics": [["AWS/ECS", "CPUUtilization", "ServiceName", "web"]],
                "region": REGION,
                "title": "web CPU",
            },
        }
    ]
}

CONFIGURATION = textwrap.dedent(
    """
    terraform {
      required_providers {
        aws = { source = "hashicorp/aws", version = ">= 6.0" }
      }
    }

    provider "aws" {
      region      = "%(region)s"
      max_retries = 2
    }

    resource "aws_cloudwatch_metric_alarm" "this" {
      alarm_name          = "shop-web-cpu"
      namespace           = "AWS/ECS"
      metric_name         = "CPUUtilization"
      statistic           = "Average"
      period              = 60
      evaluation_periods  = 2
      threshold           = 70.5
      comparison_operator = "GreaterThanThreshold"
      dimensions          = { ClusterName = "shop", ServiceName = "web" }
      tags                = { Team = "platform", Environment = "dev" }
    }

    resource "aws_cloudwatch_dashboard" "this" {
      dashboard_name = "shop-web"
      dashboard_body = jsonencode(%(body)s)
    }
    """
)


def _provider_cli_config() -> str:
    built = subprocess.run(
        [str(REPO / "scripts" / "build-aws-provider")],
        capture_output=True,
        text=True,
        check=False,
    )
    if built.returncode != 0:
        pytest.fail(f"scripts/build-aws-provider failed:\n{built.stderr[-3000:]}")
    return built.stdout.strip()


def _terraform(workdir: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    terraform = REPO / ".venv" / "bin" / "terraform"
    if not terraform.exists():
        pytest.fail(f"{terraform} is missing: run scripts/dev-env")
    return subprocess.run(
        [str(terraform), *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=TERRAFORM_TIMEOUT_S,
        check=False,
    )


def _checked(result: subprocess.CompletedProcess[str], what: str) -> str:
    assert result.returncode == 0, (
        f"terraform {what} exited {result.returncode}:\n"
        f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    )
    return result.stdout


def test_terraform_provider_applies_alarm_and_dashboard(aws: str, tmp_path: Path) -> None:
    workdir = tmp_path / "stack"
    workdir.mkdir()
    (workdir / "main.tf").write_text(
        CONFIGURATION % {"region": REGION, "body": json.dumps(DASHBOARD_BODY)}
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "TF_")) or key.startswith("AWS_ENDPOINT_URL")
    }
    env |= {
        "AWS_ENDPOINT_URL": aws,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
        "TF_CLI_CONFIG_FILE": _provider_cli_config(),
        "TF_IN_AUTOMATION": "1",
        "CHECKPOINT_DISABLE": "1",
    }
    env = {k: v for k, v in env.items() if not k.startswith("AWS_ENDPOINT_URL_")}
    _checked(_terraform(workdir, env, "init", "-input=false", "-no-color"), "init")
    applied = _terraform(workdir, env, "apply", "-input=false", "-auto-approve", "-no-color")
    _checked(applied, "apply")
    assert "Apply complete! Resources: 2 added, 0 changed, 0 destroyed." in applied.stdout

    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    alarm = cloudwatch.describe_alarms(AlarmNames=["shop-web-cpu"])["MetricAlarms"][0]
    assert alarm["Threshold"] == 70.5
    assert alarm["EvaluationPeriods"] == 2
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert sorted((d["Name"], d["Value"]) for d in alarm["Dimensions"]) == [
        ("ClusterName", "shop"),
        ("ServiceName", "web"),
    ]
    tags = cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]
    assert {tag["Key"]: tag["Value"] for tag in tags} == {"Team": "platform", "Environment": "dev"}
    dashboard = cloudwatch.get_dashboard(DashboardName="shop-web")
    assert json.loads(dashboard["DashboardBody"]) == DASHBOARD_BODY

    replanned = _terraform(workdir, env, "plan", "-input=false", "-detailed-exitcode", "-no-color")
    assert replanned.returncode == 0, (
        f"second plan is not empty (exit {replanned.returncode}):\n"
        f"{replanned.stdout[-4000:]}\n{replanned.stderr[-4000:]}"
    )
    assert "No changes." in replanned.stdout

    destroyed = _terraform(workdir, env, "destroy", "-input=false", "-auto-approve", "-no-color")
    _checked(destroyed, "destroy")
    assert "Destroy complete! Resources: 2 destroyed." in destroyed.stdout
    assert cloudwatch.describe_alarms(AlarmNames=["shop-web-cpu"])["MetricAlarms"] == []
    with pytest.raises(ClientError) as raised:
        cloudwatch.get_dashboard(DashboardName="shop-web")
    assert raised.value.response["Error"]["Code"] == "ResourceNotFound"
