"""CloudWatch alarm history for the local emulator: moto keeps none and has no
DescribeAlarmHistory, so a bake could never see an alarm that fired and recovered between
two polls. This module records every change of an alarm's state value in moto's CloudWatch
backend and answers DescribeAlarmHistory from that record.

What it models, after the CloudWatch API reference
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarmHistory.html
and .../API_AlarmHistoryItem.html) and botocore's model of the operation:

- one ``StateUpdate`` item per change of an alarm's state value, whatever made it
  (SetAlarmState, or moto resetting an alarm to OK when PutMetricAlarm overwrites it); its
  ``Timestamp`` is the alarm's ``StateUpdatedTimestamp`` (to the millisecond, as CloudWatch
  keeps it), its ``HistorySummary`` reads "Alarm updated from OK to ALARM", and its
  ``HistoryData`` is JSON text shaped like the AWS CLI's documented example:
  ``{"version":"1.0","oldState":{"stateValue","stateReason","stateReasonData"?},
  "newState":{...}}``;
- the filters ``AlarmName`` (optional: every alarm of the account and region without it),
  ``AlarmTypes`` (only metric alarms when omitted, as documented), ``HistoryItemType``,
  ``StartDate`` and ``EndDate`` (both inclusive), ``ScanBy`` (newest first by default),
  ``MaxRecords`` (1-100; 100 when not given) and ``NextToken`` paging (a token this server
  did not hand out is ``InvalidNextToken``); values outside the model are a ValidationError;
- history outlives the alarm (the reference: "CloudWatch retains the history of an alarm
  even if you delete the alarm"); each account and region has its own; ``/moto-api/reset``
  clears it with the backend;
- every protocol: moto serialises the answer for query and awsJson 1.0 clients, and the
  server's RPC v2 CBOR adapter for the AWS SDK for Go v2.

What it does not model:

- ``ConfigurationUpdate`` and ``Action`` items (alarm created, updated, deleted; actions run):
  none is recorded, so asking for them returns an empty list;
- contributor alarms (``AlarmContributorId``, the ``AlarmContributor*`` item types) and log
  alarms: none exist in moto, the answer is empty;
- a SetAlarmState to the state the alarm already has records nothing here (AWS does not
  document what it records then); AWS's default page size is not documented either;
- retention (AWS keeps about two weeks) and HistoryData's 4,095-character limit;
- moto's own differences stay: new alarms start in OK (AWS: INSUFFICIENT_DATA until the first
  evaluation), PutMetricAlarm on an existing alarm resets it to OK (AWS leaves the state as
  it is; the reset is recorded here, so history and DescribeAlarms agree), and no alarm is
  ever evaluated against metric data.

The pure part (records, queries, pages) comes first; ``install`` patches moto.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

STATE_UPDATE = "StateUpdate"
HISTORY_ITEM_TYPES = (
    "ConfigurationUpdate",
    STATE_UPDATE,
    "Action",
    "AlarmContributorStateUpdate",
    "AlarmContributorAction",
)
ALARM_TYPES = ("CompositeAlarm", "MetricAlarm", "LogAlarm")
SCAN_BY = ("TimestampDescending", "TimestampAscending")
MAX_RECORDS = 100
_TOKEN_PREFIX = "alarm-history:v1:"


class HistoryRequestError(ValueError):
    """A DescribeAlarmHistory parameter outside the model's constraints (ValidationError)."""


class InvalidTokenError(ValueError):
    """A NextToken this server did not hand out, or one from another query."""


@dataclass(frozen=True)
class StateRecord:
    """One change of an alarm's state value. ``old`` and ``new`` are HistoryData's
    ``oldState`` and ``newState`` objects."""

    seq: int
    alarm: str
    alarm_type: str
    at: datetime
    old: Mapping[str, Any]
    new: Mapping[str, Any]


@dataclass(frozen=True)
class HistoryQuery:
    alarm_name: str | None = None
    contributor_id: str | None = None
    alarm_types: tuple[str, ...] = ("MetricAlarm",)
    item_type: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    max_records: int = MAX_RECORDS
    next_token: str | None = None
    scan_by: str = "TimestampDescending"


def state_of(value: str, reason: str | None, reason_data: str | None) -> dict[str, Any]:
    """An alarm state as HistoryData writes it; ``stateReasonData`` only when there is some."""
    state: dict[str, Any] = {"stateValue": value, "stateReason": reason or ""}
    try:
        data = json.loads(reason_data) if reason_data else None
    except ValueError:
        data = None
    if data:
        state["stateReasonData"] = data
    return state


def history_item(record: StateRecord) -> dict[str, Any]:
    """The AlarmHistoryItem of a record."""
    data = {"version": "1.0", "oldState": dict(record.old), "newState": dict(record.new)}
    old, new = record.old["stateValue"], record.new["stateValue"]
    return {
        "AlarmName": record.alarm,
        "AlarmType": record.alarm_type,
        "Timestamp": record.at,
        "HistoryItemType": STATE_UPDATE,
        "HistorySummary": f"Alarm updated from {old} to {new}",
        "HistoryData": json.dumps(data, separators=(",", ":")),
    }


def _enum(name: str, value: Any, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise HistoryRequestError(
            f"1 validation error detected: Value '{value}' at '{name}' failed to satisfy "
            f"constraint: Member must satisfy enum value set: [{', '.join(allowed)}]"
        )
    return str(value)


def as_utc(value: Any, name: str) -> datetime:
    """A timestamp parameter: a datetime (naive means UTC), epoch seconds, or ISO 8601 text."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        try:
            return as_utc(datetime.fromisoformat(value.replace("Z", "+00:00")), name)
        except ValueError:
            pass
    raise HistoryRequestError(
        f"1 validation error detected: Value '{value}' at '{name}' is not a timestamp"
    )


def parse_query(param: Callable[[str], Any]) -> HistoryQuery:
    """The request's parameters (``param`` reads one by its model name), checked against the
    model: enums, MaxRecords 1-100."""
    types = param("AlarmTypes")
    item_type = param("HistoryItemType")
    max_records = param("MaxRecords")
    if max_records is not None and not 1 <= int(max_records) <= MAX_RECORDS:
        raise HistoryRequestError(
            f"1 validation error detected: Value '{max_records}' at 'maxRecords' failed to "
            f"satisfy constraint: Member must have value between 1 and {MAX_RECORDS}"
        )
    start, end = param("StartDate"), param("EndDate")
    return HistoryQuery(
        alarm_name=param("AlarmName") or None,
        contributor_id=param("AlarmContributorId") or None,
        alarm_types=tuple(_enum("alarmTypes.member", t, ALARM_TYPES) for t in types)
        if types
        else ("MetricAlarm",),
        item_type=_enum("historyItemType", item_type, HISTORY_ITEM_TYPES) if item_type else None,
        start=as_utc(start, "startDate") if start is not None else None,
        end=as_utc(end, "endDate") if end is not None else None,
        max_records=int(max_records) if max_records is not None else MAX_RECORDS,
        next_token=param("NextToken") or None,
        scan_by=_enum("scanBy", param("ScanBy") or SCAN_BY[0], SCAN_BY),
    )


def select(records: Sequence[StateRecord], query: HistoryQuery) -> list[StateRecord]:
    """The records the query asks for, in its order (ties keep the order they happened in)."""
    if query.contributor_id is not None or query.item_type not in (None, STATE_UPDATE):
        return []
    chosen = [
        r
        for r in records
        if (query.alarm_name is None or r.alarm == query.alarm_name)
        and r.alarm_type in query.alarm_types
        and (query.start is None or r.at >= query.start)
        and (query.end is None or r.at <= query.end)
    ]
    chosen.sort(key=lambda r: (r.at, r.seq), reverse=query.scan_by == "TimestampDescending")
    return chosen


def encode_token(seq: int) -> str:
    return base64.urlsafe_b64encode(f"{_TOKEN_PREFIX}{seq}".encode()).decode()


def decode_token(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidTokenError(token) from None
    if not text.startswith(_TOKEN_PREFIX) or not text[len(_TOKEN_PREFIX) :].isdigit():
        raise InvalidTokenError(token)
    return int(text[len(_TOKEN_PREFIX) :])


def page(selected: Sequence[StateRecord], query: HistoryQuery) -> tuple[list[StateRecord], str]:
    """One page of ``selected`` and the token of the next ("" when this is the last).

    A token names the first record of the next page rather than an offset, so changes
    recorded between two pages do not shift the newest-first listing.
    """
    start = 0
    if query.next_token is not None:
        seq = decode_token(query.next_token)
        start = next((i for i, r in enumerate(selected) if r.seq == seq), -1)
        if start < 0:
            raise InvalidTokenError(query.next_token)
    chunk = list(selected[start : start + query.max_records])
    rest = selected[start + query.max_records :]
    return chunk, encode_token(rest[0].seq) if rest else ""


@dataclass
class HistoryLog:
    """The state changes of one account's alarms in one region (one per moto backend)."""

    records: list[StateRecord] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(
        self,
        alarm: str,
        alarm_type: str,
        at: datetime,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
    ) -> StateRecord | None:
        """Record a change; a "change" to the same state value records nothing."""
        if old["stateValue"] == new["stateValue"]:
            return None
        with self._lock:
            record = StateRecord(len(self.records) + 1, alarm, alarm_type, at, old, new)
            self.records.append(record)
            return record

    def snapshot(self) -> list[StateRecord]:
        with self._lock:
            return list(self.records)


def describe(log: HistoryLog, query: HistoryQuery) -> dict[str, Any]:
    """The DescribeAlarmHistory output for a query."""
    items, token = page(select(log.snapshot(), query), query)
    output: dict[str, Any] = {"AlarmHistoryItems": [history_item(r) for r in items]}
    if token:
        output["NextToken"] = token
    return output


# --- I/O: moto's CloudWatch backend and response class ---------------------------------


def _alarm_state(alarm: Any) -> dict[str, Any]:
    return state_of(alarm.state_value, alarm.state_reason, alarm.state_reason_data)


def _alarm_type(alarm: Any) -> str:
    return "CompositeAlarm" if getattr(alarm, "rule", None) else "MetricAlarm"


def log_of(backend: Any) -> HistoryLog:
    """The backend's history log, created on first use (a reset backend starts empty)."""
    log = getattr(backend, "emulator_alarm_history", None)
    if log is None:
        log = backend.emulator_alarm_history = HistoryLog()
    return log  # type: ignore[no-any-return]


def _record(backend: Any, alarm: Any, before: Mapping[str, Any]) -> None:
    at = alarm.state_updated_timestamp
    # CloudWatch's timestamps have millisecond precision (moto's have microseconds): a
    # client's StartDate or EndDate copied from an item must select that item.
    at = (at if at.tzinfo else at.replace(tzinfo=UTC)).replace(
        microsecond=at.microsecond // 1000 * 1000
    )
    log_of(backend).add(alarm.name, _alarm_type(alarm), at, before, _alarm_state(alarm))


def install() -> None:
    """Record moto's alarm state changes and serve DescribeAlarmHistory from them."""
    from moto.cloudwatch import exceptions, models, responses

    class InvalidNextToken(exceptions.CloudWatchException):
        code = "InvalidNextToken"
        message = "The next token specified is invalid."

    def backend_of(alarm: Any) -> Any:
        account = str(alarm.alarm_arn).split(":")[4]
        return models.cloudwatch_backends[account][alarm.region_name]

    update_state = models.Alarm.update_state

    def recording_update_state(alarm: Any, reason: str, reason_data: str, state: str) -> None:
        before = _alarm_state(alarm)
        update_state(alarm, reason, reason_data, state)
        _record(backend_of(alarm), alarm, before)

    put_metric_alarm = models.CloudWatchBackend.put_metric_alarm

    def recording_put_metric_alarm(backend: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        existing = backend.alarms.get(name)
        before = _alarm_state(existing) if existing is not None else None
        alarm = put_metric_alarm(backend, name, *args, **kwargs)
        if before is not None:  # moto replaced the alarm, with a fresh OK state
            _record(backend, alarm, before)
        return alarm

    def describe_alarm_history(response: Any) -> Any:
        try:
            query = parse_query(response._get_param)
            output = describe(log_of(response.cloudwatch_backend), query)
        except HistoryRequestError as error:
            raise exceptions.ValidationError(str(error)) from None
        except InvalidTokenError:
            raise InvalidNextToken() from None
        from moto.core.responses import ActionResult

        return ActionResult(output)

    alarm_class: Any = models.Alarm
    alarm_class.update_state = recording_update_state
    backend_class: Any = models.CloudWatchBackend
    backend_class.put_metric_alarm = recording_put_metric_alarm
    response_class: Any = responses.CloudWatchResponse
    response_class.describe_alarm_history = describe_alarm_history
