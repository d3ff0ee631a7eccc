from slipway.alarms import Alarm, AlarmSelector, is_target_tracking, select_alarms
from slipway.alarms.selection import missing_names


def alarm(name: str, state: str = "OK") -> Alarm:
    return Alarm(name=name, kind="metric", state=state)


CANDIDATES = [
    alarm("web-prod-5xx"),
    alarm("web-prod-latency"),
    alarm("worker-prod-queue"),
    alarm("TargetTracking-service/prod/web-AlarmHigh-1a2b"),
    alarm("TargetTracking-service/prod/web-AlarmLow-3c4d"),
    alarm("db-prod-cpu"),
]


def names(alarms: list[Alarm]) -> list[str]:
    return [a.name for a in alarms]


def test_names_prefixes_and_tags_each_add_alarms_sorted_and_once() -> None:
    selector = AlarmSelector(
        names=("db-prod-cpu", "web-prod-5xx"), prefixes=("web-",), tags={"Service": "worker"}
    )
    chosen = select_alarms(CANDIDATES, selector, tagged={"worker-prod-queue"})
    assert names(chosen) == ["db-prod-cpu", "web-prod-5xx", "web-prod-latency", "worker-prod-queue"]


def test_target_tracking_alarms_are_left_out_by_default() -> None:
    chosen = select_alarms(CANDIDATES, AlarmSelector(prefixes=("TargetTracking-", "web-")))
    assert names(chosen) == ["web-prod-5xx", "web-prod-latency"]


def test_target_tracking_alarms_included_on_request() -> None:
    selector = AlarmSelector(prefixes=("TargetTracking-",), include_target_tracking=True)
    assert len(select_alarms(CANDIDATES, selector)) == 2


def test_target_tracking_alarm_named_explicitly_is_watched() -> None:
    name = "TargetTracking-service/prod/web-AlarmHigh-1a2b"
    assert names(select_alarms(CANDIDATES, AlarmSelector(names=(name,)))) == [name]


def test_tagged_names_count_only_when_a_tag_filter_is_given() -> None:
    assert select_alarms(CANDIDATES, AlarmSelector(names=("x",)), tagged={"db-prod-cpu"}) == []


def test_is_target_tracking() -> None:
    assert is_target_tracking("TargetTracking-table/x-AlarmHigh")
    assert not is_target_tracking("web-TargetTracking-x")


def test_missing_names_are_the_explicit_names_not_found() -> None:
    selector = AlarmSelector(names=("web-prod-5xx", "web-prod-typo"))
    assert missing_names(selector, [alarm("web-prod-5xx")]) == ["web-prod-typo"]


def test_selector_description_and_emptiness() -> None:
    assert AlarmSelector().is_empty
    selector = AlarmSelector(names=("a",), prefixes=("p-",), tags={"k": "v"})
    assert not selector.is_empty
    assert selector.describe() == "names a; prefixes p-*; tags k=v"


def test_intersection_keeps_prefixed_alarms_carrying_the_tags_and_named_ones() -> None:
    tagged = {"web-prod-5xx", "worker-prod-queue"}
    union = AlarmSelector(prefixes=("web-prod-",), tags={"Service": "web"})
    assert names(select_alarms(CANDIDATES, union, tagged)) == [
        "web-prod-5xx",
        "web-prod-latency",
        "worker-prod-queue",
    ]
    both = AlarmSelector(
        names=("db-prod-cpu",),
        prefixes=("web-prod-",),
        tags={"Service": "web"},
        combine="intersection",
    )
    assert names(select_alarms(CANDIDATES, both, tagged)) == ["db-prod-cpu", "web-prod-5xx"]
    assert both.describe() == "names db-prod-cpu; prefixes web-prod-* carrying tags Service=web"
    assert both.explain() == (
        "An alarm is watched when it is named or its name starts with a prefix and it carries "
        "every tag (alarm-selection: intersection); TargetTracking-* alarms only when named."
    )


def test_intersection_needs_both_kinds_to_mean_anything() -> None:
    only_prefix = AlarmSelector(prefixes=("web-prod-",), combine="intersection")
    assert not only_prefix.intersects
    assert names(select_alarms(CANDIDATES, only_prefix)) == ["web-prod-5xx", "web-prod-latency"]
    assert only_prefix.explain() == (
        "An alarm is watched when its name starts with a prefix; TargetTracking-* alarms only "
        "when named."
    )
