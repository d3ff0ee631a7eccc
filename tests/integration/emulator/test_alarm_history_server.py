"""The emulator's DescribeAlarmHistory (scripts/emulator_alarm_history.py) on the running
server: state changes made through the API are recorded and read back in each protocol a
CloudWatch client may speak (boto3's awsJson 1.0, the AWS SDK for Go v2's RPC v2 CBOR, and
the query protocol), each answer read by botocore's own parser for that protocol."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from botocore.parsers import create_parser
from tests.conftest import localenv
from tests.integration.emulator.test_cbor_protocol import cbor_call
from tests.support import put_metric_alarm

pytestmark = pytest.mark.integration

REGION = "us-east-1"
OPERATION = (
    botocore.session.get_session()
    .get_service_model("cloudwatch")
    .operation_model("DescribeAlarmHistory")
)


def query_call(endpoint: str, params: dict[str, str]) -> dict[str, Any]:
    """DescribeAlarmHistory in the query protocol (form-encoded, XML answer), parsed by
    botocore's query parser."""
    body = urllib.parse.urlencode(
        {"Action": "DescribeAlarmHistory", "Version": "2010-08-01", **params}
    ).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    request = AWSRequest("POST", endpoint + "/", data=body, headers=headers)
    SigV4Auth(Credentials("testing", "testing"), "monitoring", REGION).add_auth(request)
    prepared = urllib.request.Request(
        endpoint + "/", data=body, headers=dict(request.headers), method="POST"
    )
    with urllib.request.urlopen(prepared, timeout=30) as response:
        raw = {"status_code": response.status, "headers": {}, "body": response.read()}
    parsed: dict[str, Any] = create_parser("query").parse(raw, OPERATION.output_shape)
    return parsed


def flip(cloudwatch: Any, name: str, *states: str) -> None:
    for state in states:
        cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason=f"now {state}")


def test_state_changes_are_recorded_and_served_in_every_protocol(aws: str) -> None:
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    assert cloudwatch.meta.service_model.resolved_protocol == "json"  # what slipway speaks
    put_metric_alarm(cloudwatch, "web-5xx")
    put_metric_alarm(cloudwatch, "web-latency")
    start = datetime.now(UTC) - timedelta(seconds=1)
    flip(cloudwatch, "web-5xx", "ALARM", "ALARM", "OK")  # the repeated ALARM changes nothing
    flip(cloudwatch, "web-latency", "INSUFFICIENT_DATA")

    by_json = cloudwatch.describe_alarm_history(
        HistoryItemType="StateUpdate", StartDate=start, ScanBy="TimestampAscending"
    )["AlarmHistoryItems"]
    assert [(i["AlarmName"], i["HistorySummary"]) for i in by_json] == [
        ("web-5xx", "Alarm updated from OK to ALARM"),
        ("web-5xx", "Alarm updated from ALARM to OK"),
        ("web-latency", "Alarm updated from OK to INSUFFICIENT_DATA"),
    ]
    data = json.loads(by_json[1]["HistoryData"])
    assert data["oldState"] == {"stateValue": "ALARM", "stateReason": "now ALARM"}
    assert data["newState"] == {"stateValue": "OK", "stateReason": "now OK"}
    # The item's time is the alarm's StateUpdatedTimestamp: the two APIs agree.
    alarm = cloudwatch.describe_alarms(AlarmNames=["web-latency"])["MetricAlarms"][0]
    assert by_json[2]["Timestamp"] == alarm["StateUpdatedTimestamp"]

    by_cbor = cbor_call(
        aws,
        "DescribeAlarmHistory",
        {"AlarmName": "web-5xx", "StartDate": start, "ScanBy": "TimestampAscending"},
    )
    assert by_cbor.status == 200, by_cbor.body
    cbor_items = by_cbor.parsed("DescribeAlarmHistory")["AlarmHistoryItems"]
    assert cbor_items == by_json[:2]

    by_query = query_call(aws, {"AlarmName": "web-5xx", "ScanBy": "TimestampAscending"})
    assert [i["HistoryData"] for i in by_query["AlarmHistoryItems"]] == [
        i["HistoryData"] for i in by_json[:2]
    ]


def test_paging_dates_deleted_alarms_and_a_bad_token(aws: str) -> None:
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    put_metric_alarm(cloudwatch, "web-5xx")
    flip(cloudwatch, "web-5xx", "ALARM", "OK", "ALARM", "OK", "ALARM")
    cloudwatch.delete_alarms(AlarmNames=["web-5xx"])  # history outlives the alarm

    pages = cloudwatch.get_paginator("describe_alarm_history").paginate(
        AlarmName="web-5xx", PaginationConfig={"PageSize": 2}
    )
    sizes, items = [], []
    for page in pages:
        sizes.append(len(page["AlarmHistoryItems"]))
        items += page["AlarmHistoryItems"]
    assert sizes == [2, 2, 1]
    times = [i["Timestamp"] for i in items]
    assert times == sorted(times, reverse=True)  # newest first by default
    assert items[0]["HistorySummary"] == "Alarm updated from OK to ALARM"

    later = cloudwatch.describe_alarm_history(StartDate=times[1])["AlarmHistoryItems"]
    assert len(later) == 2
    earlier = cloudwatch.describe_alarm_history(EndDate=times[3])["AlarmHistoryItems"]
    assert len(earlier) == 2
    composite_only = cloudwatch.describe_alarm_history(AlarmTypes=["CompositeAlarm"])
    assert composite_only["AlarmHistoryItems"] == []

    with pytest.raises(ClientError) as refused:
        cloudwatch.describe_alarm_history(NextToken="not-a-token")
    assert refused.value.response["Error"]["Code"] == "InvalidNextToken"
    with pytest.raises(urllib.error.HTTPError) as bad_query:
        query_call(aws, {"ScanBy": "Sideways"})
    assert bad_query.value.code == 400


def test_moto_resetting_an_overwritten_alarm_is_a_recorded_change(aws: str) -> None:
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    put_metric_alarm(cloudwatch, "web-5xx")
    flip(cloudwatch, "web-5xx", "ALARM")
    put_metric_alarm(cloudwatch, "web-5xx")  # moto replaces the alarm, in OK
    assert (
        cloudwatch.describe_alarms(AlarmNames=["web-5xx"])["MetricAlarms"][0]["StateValue"] == "OK"
    )
    items = cloudwatch.describe_alarm_history(AlarmName="web-5xx")["AlarmHistoryItems"]
    assert [i["HistorySummary"] for i in items] == [
        "Alarm updated from ALARM to OK",
        "Alarm updated from OK to ALARM",
    ]


def test_history_is_per_account_and_cleared_by_a_reset(aws: str) -> None:
    role = "arn:aws:iam::222222222222:role/history"
    creds = boto3.client("sts").assume_role(RoleArn=role, RoleSessionName="history")["Credentials"]
    other = boto3.client(
        "cloudwatch",
        region_name=REGION,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    put_metric_alarm(other, "prod-5xx")
    flip(other, "prod-5xx", "ALARM")
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    assert cloudwatch.describe_alarm_history()["AlarmHistoryItems"] == []
    assert len(other.describe_alarm_history()["AlarmHistoryItems"]) == 1

    localenv.reset_emulator(aws)
    assert other.describe_alarm_history()["AlarmHistoryItems"] == []
