"""Work the emulator does once instead of per request (scripts/emulator_dispatch.py): a
host's backend is looked up once per dispatcher, and every service model is read by one
loader, whose answers are moto's own."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))
import emulator_dispatch


class Dispatcher:
    """Stands in for moto's DomainDispatcherApplication: counts its lookups."""

    def __init__(self, table: dict[str | None, Any]) -> None:
        self.table = table
        self.asked: list[str | None] = []

    def get_backend_for_host(self, host: str | None) -> Any:
        self.asked.append(host)
        return self.table.get(host)


def test_each_host_is_looked_up_once_per_dispatcher_none_included() -> None:
    find = emulator_dispatch.remember_backend_for_host(Dispatcher.get_backend_for_host)
    first = Dispatcher({"s3.us-east-1.amazonaws.com": "s3", "sts.amazonaws.com": "sts"})
    second = Dispatcher({"s3.us-east-1.amazonaws.com": "s3-elsewhere"})

    answers = [
        find(first, "s3.us-east-1.amazonaws.com"),
        find(first, "sts.amazonaws.com"),
        find(first, "s3.us-east-1.amazonaws.com"),
        find(first, None),
        find(first, None),
        find(second, "s3.us-east-1.amazonaws.com"),
    ]

    assert answers == ["s3", "sts", "s3", None, None, "s3-elsewhere"]
    assert first.asked == ["s3.us-east-1.amazonaws.com", "sts.amazonaws.com", None]
    assert second.asked == ["s3.us-east-1.amazonaws.com"]


def test_models_come_from_one_loader_and_match_a_fresh_loaders() -> None:
    from moto.core.loaders import create_loader

    shared = create_loader()
    load = emulator_dispatch.load_with(shared)

    ecs = load("ecs", "service-2")
    assert ecs == create_loader().load_service_model("ecs", "service-2")
    assert ecs["metadata"]["targetPrefix"] == "AmazonEC2ContainerServiceV20141113"
    assert load("ecs", "service-2") is ecs  # read once, then the loader's copy
    pages = load("cloudwatch", "paginators-1")["pagination"]
    assert "DescribeAlarmHistory" in pages
