"""The emulator's alarm history (scripts/emulator_alarm_history.py), pure part: queries,
filters and pages, with every answer checked against botocore's model of
DescribeAlarmHistory (a Stubber refuses a response that does not fit the output shape)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))
import emulator_alarm_history as history

T0 = datetime(2026, 5, 4, 13, 30, tzinfo=UTC)


def state(value: str, reason: str = "", data: str | None = None) -> dict[str, Any]:
    return history.state_of(value, reason or f"now {value}", data)


def log_with(*changes: tuple[str, float, str, str]) -> history.HistoryLog:
    log = history.HistoryLog()
    for alarm, seconds, old, new in changes:
        log.add(alarm, "MetricAlarm", T0 + timedelta(seconds=seconds), state(old), state(new))
    return log


def query(**params: Any) -> history.HistoryQuery:
    return history.parse_query(params.get)


def answer(log: history.HistoryLog, **params: Any) -> dict[str, Any]:
    """The emulator's output, validated against botocore's output shape."""
    output = history.describe(log, query(**params))
    client = boto3.client(
        "cloudwatch", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stub:
        stub.add_response("describe_alarm_history", output)
        client.describe_alarm_history()
    return output


def test_items_follow_the_documented_shape() -> None:
    log = history.HistoryLog()
    log.add(
        "web-5xx",
        "MetricAlarm",
        T0,
        state("OK", "calm", '{"version":"1.0","threshold":1.0}'),
        state("ALARM", "5xx above 1%", "{}"),
    )
    [item] = answer(log)["AlarmHistoryItems"]
    assert item["AlarmName"] == "web-5xx"
    assert item["AlarmType"] == "MetricAlarm"
    assert item["Timestamp"] == T0
    assert item["HistoryItemType"] == "StateUpdate"
    assert item["HistorySummary"] == "Alarm updated from OK to ALARM"
    assert json.loads(item["HistoryData"]) == {
        "version": "1.0",
        "oldState": {
            "stateValue": "OK",
            "stateReason": "calm",
            "stateReasonData": {"version": "1.0", "threshold": 1.0},
        },
        "newState": {"stateValue": "ALARM", "stateReason": "5xx above 1%"},
    }


def test_a_change_to_the_same_state_is_not_recorded() -> None:
    log = log_with(("a", 1, "OK", "OK"), ("a", 2, "OK", "ALARM"))
    assert [r.seq for r in log.snapshot()] == [1]


def test_filters_by_alarm_dates_type_and_item_type() -> None:
    log = log_with(("a", 1, "OK", "ALARM"), ("b", 2, "OK", "ALARM"), ("a", 3, "ALARM", "OK"))

    def summaries(**params: Any) -> list[tuple[str, str]]:
        items = answer(log, **params)["AlarmHistoryItems"]
        return [(i["AlarmName"], i["HistorySummary"].rsplit(" ", 1)[1]) for i in items]

    # Newest first by default, every alarm without AlarmName.
    assert summaries() == [("a", "OK"), ("b", "ALARM"), ("a", "ALARM")]
    assert summaries(AlarmName="a", ScanBy="TimestampAscending") == [
        ("a", "ALARM"),
        ("a", "OK"),
    ]
    # StartDate and EndDate are inclusive; they may come as datetimes, epochs or ISO text.
    assert summaries(StartDate=T0 + timedelta(seconds=2), EndDate=T0 + timedelta(seconds=3)) == [
        ("a", "OK"),
        ("b", "ALARM"),
    ]
    assert len(summaries(StartDate=(T0 + timedelta(seconds=2)).timestamp())) == 2
    assert len(summaries(EndDate="2026-05-04T13:30:01Z")) == 1
    assert summaries(HistoryItemType="ConfigurationUpdate") == []
    assert summaries(HistoryItemType="StateUpdate", AlarmTypes=["CompositeAlarm"]) == []
    assert len(summaries(AlarmTypes=["MetricAlarm", "CompositeAlarm"])) == 3
    assert summaries(AlarmContributorId="c1") == []


def test_pages_follow_next_tokens_even_when_changes_arrive_between_pages() -> None:
    log = log_with(*((f"a{i}", i, "OK", "ALARM") for i in range(5)))
    first = answer(log, MaxRecords=2)
    assert [i["AlarmName"] for i in first["AlarmHistoryItems"]] == ["a4", "a3"]
    # A newer change recorded now does not shift the rest of a newest-first listing.
    log.add("late", "MetricAlarm", T0 + timedelta(seconds=9), state("OK"), state("ALARM"))
    second = answer(log, MaxRecords=2, NextToken=first["NextToken"])
    assert [i["AlarmName"] for i in second["AlarmHistoryItems"]] == ["a2", "a1"]
    last = answer(log, MaxRecords=2, NextToken=second["NextToken"])
    assert [i["AlarmName"] for i in last["AlarmHistoryItems"]] == ["a0"]
    assert "NextToken" not in last


@pytest.mark.parametrize("token", ["garbage", history.encode_token(99), "YWxhcm0taGlzdG9yeTp2MTp4"])
def test_an_unknown_token_is_refused(token: str) -> None:
    log = log_with(("a", 1, "OK", "ALARM"))
    with pytest.raises(history.InvalidTokenError):
        history.describe(log, query(NextToken=token))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"ScanBy": "Newest"}, "Value 'Newest' at 'scanBy' failed to satisfy constraint"),
        ({"HistoryItemType": "State"}, "at 'historyItemType' failed to satisfy constraint"),
        ({"AlarmTypes": ["Metric"]}, "at 'alarmTypes.member' failed to satisfy constraint"),
        ({"MaxRecords": 101}, "Member must have value between 1 and 100"),
        ({"MaxRecords": 0}, "Member must have value between 1 and 100"),
        ({"StartDate": "yesterday"}, "Value 'yesterday' at 'startDate' is not a timestamp"),
    ],
)
def test_parameters_outside_the_model_are_refused(params: dict[str, Any], message: str) -> None:
    with pytest.raises(history.HistoryRequestError, match=message):
        query(**params)
