"""Alarm history: parsing recorded DescribeAlarmHistory answers, and the reader's requests
(botocore Stubber: the requests and answers are checked against botocore's model)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from slipway.alarms.history import HistoryEntry, new_entries, parse_history_item
from slipway.alarms.history_reader import HISTORY_ALARM_TYPES, HistoryReader, is_denied

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "cloudwatch"
BAKE_START = datetime(2026, 5, 4, 13, 30, tzinfo=UTC)


def recorded(name: str) -> dict[str, Any]:
    """One answer of the fixture, with timestamps as botocore returns them (datetimes)."""
    answer = json.loads((FIXTURE / "describe_alarm_history.json").read_text())[name]
    for item in answer["AlarmHistoryItems"]:
        item["Timestamp"] = datetime.fromisoformat(item["Timestamp"].replace("Z", "+00:00"))
    return dict(answer)


def cloudwatch() -> Any:
    return boto3.client(
        "cloudwatch", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


def test_documented_example_parses_into_old_and_new_states() -> None:
    items = recorded("documented_example")["AlarmHistoryItems"]
    entries = [parse_history_item(item) for item in items]
    assert [(e.alarm, e.old, e.new) for e in entries if e] == [
        ("myalarm", "ALARM", "OK"),
        ("myalarm", "OK", "ALARM"),
    ]
    assert entries[1] is not None
    assert entries[1].reason == "testing purposes"
    assert entries[1].at == datetime(2014, 4, 9, 18, 59, 5, 805000, tzinfo=UTC)


def test_summary_is_the_fallback_and_other_item_types_are_skipped() -> None:
    at = datetime(2026, 5, 4, 13, 30, 5, tzinfo=UTC)
    summary_only = {
        "AlarmName": "a",
        "Timestamp": at,
        "HistoryItemType": "StateUpdate",
        "HistorySummary": "Alarm updated from OK to INSUFFICIENT_DATA",
        "HistoryData": "not json",
    }
    assert parse_history_item(summary_only) == HistoryEntry("a", at, "OK", "INSUFFICIENT_DATA")
    configuration = {**summary_only, "HistoryItemType": "ConfigurationUpdate"}
    assert parse_history_item(configuration) is None
    assert parse_history_item({**summary_only, "HistorySummary": "Alarm created"}) is None
    naive = {**summary_only, "Timestamp": at.replace(tzinfo=None)}
    entry = parse_history_item(naive)
    assert entry is not None and entry.at == at


def test_new_entries_keep_watched_alarms_since_the_start_each_once_oldest_first() -> None:
    items = recorded("transient")["AlarmHistoryItems"]
    seen: set[Any] = set()
    first = new_entries(reversed(items), ["web-prod-5xx"], BAKE_START, seen)
    assert [(e.alarm, e.old, e.new, e.at.second) for e in first] == [
        ("web-prod-5xx", "OK", "ALARM", 5),
        ("web-prod-5xx", "ALARM", "OK", 8),
    ]
    assert first[0].reason.startswith("Threshold Crossed: 1 datapoint [14.0")
    assert new_entries(items, ["web-prod-5xx"], BAKE_START, seen) == []  # read again: nothing
    later = new_entries(items, ["web-prod-5xx"], BAKE_START + timedelta(seconds=6), set())
    assert [e.new for e in later] == ["OK"]


def test_reader_asks_for_state_updates_of_both_alarm_types_since_the_start_and_pages() -> None:
    client = cloudwatch()
    page = recorded("transient")
    expected = {
        "HistoryItemType": "StateUpdate",
        "AlarmTypes": HISTORY_ALARM_TYPES,
        "StartDate": BAKE_START,
        "ScanBy": "TimestampAscending",
    }
    reader = HistoryReader(client, ["web-prod-5xx", "web-prod-latency"], BAKE_START)
    with Stubber(client) as stub:
        stub.add_response(
            "describe_alarm_history",
            {"AlarmHistoryItems": page["AlarmHistoryItems"][:2], "NextToken": "p2"},
            expected,
        )
        stub.add_response(
            "describe_alarm_history",
            {"AlarmHistoryItems": page["AlarmHistoryItems"][2:]},
            {**expected, "NextToken": "p2"},
        )
        # The next poll asks for the whole bake again; what it saw before is not repeated.
        stub.add_response("describe_alarm_history", page, expected)
        first = reader.read()
        second = reader.read()
        stub.assert_no_pending_responses()
    assert [(e.alarm, e.new) for e in first] == [("web-prod-5xx", "ALARM"), ("web-prod-5xx", "OK")]
    assert second == []
    assert reader.calls == 3


def test_reader_names_a_single_alarm() -> None:
    client = cloudwatch()
    reader = HistoryReader(client, ["web-prod-5xx"], BAKE_START)
    with Stubber(client) as stub:
        stub.add_response(
            "describe_alarm_history",
            {"AlarmHistoryItems": []},
            {
                "AlarmName": "web-prod-5xx",
                "HistoryItemType": "StateUpdate",
                "AlarmTypes": HISTORY_ALARM_TYPES,
                "StartDate": BAKE_START,
                "ScanBy": "TimestampAscending",
            },
        )
        assert reader.read() == []
        stub.assert_no_pending_responses()


def test_denied_history_is_recognised_and_other_errors_are_not() -> None:
    client = cloudwatch()
    with Stubber(client) as stub:
        stub.add_client_error("describe_alarm_history", "AccessDenied", http_status_code=403)
        stub.add_client_error("describe_alarm_history", "Throttling", http_status_code=400)
        errors: list[ClientError] = []
        for _ in range(2):
            try:
                client.describe_alarm_history()
            except ClientError as error:
                errors.append(error)
    assert [is_denied(e) for e in errors] == [True, False]
    assert not is_denied(ValueError("no response"))
