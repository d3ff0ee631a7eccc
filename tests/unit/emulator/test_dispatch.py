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


def test_a_class_s_method_names_are_listed_once_and_each_caller_gets_its_own_list() -> None:
    listed: list[type] = []

    def names_of(clazz: type) -> list[str]:
        listed.append(clazz)
        return sorted(n for n, v in vars(clazz).items() if callable(v))

    class Ec2Response:
        def describe_vpcs(self) -> None: ...

        def run_instances(self) -> None: ...

    class S3Response:
        def list_buckets(self) -> None: ...

    names = emulator_dispatch.names_kept_per_class(names_of)
    first = names(Ec2Response)
    first.append("changed by a caller")
    assert names(Ec2Response) == ["describe_vpcs", "run_instances"]
    assert names(S3Response) == ["list_buckets"]
    assert listed == [Ec2Response, S3Response]


def test_install_routes_moto_s_action_lookup_through_the_kept_names() -> None:
    import moto.core.responses
    import moto.core.utils
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original = moto.core.responses.method_names_from_class
    # install() patches moto for the whole process: this test puts everything back.
    saved = (
        DomainDispatcherApplication.get_backend_for_host,
        moto.core.utils._load_service_model,
    )
    try:
        emulator_dispatch.install()
        kept = moto.core.responses.method_names_from_class
        assert kept is not original
        from moto.ec2.responses import EC2Response

        expected = moto.core.utils.method_names_from_class(EC2Response)
        assert kept(EC2Response) == expected
        assert "describe_vpcs" in expected
    finally:
        moto.core.responses.method_names_from_class = original
        dispatcher: Any = DomainDispatcherApplication
        utils: Any = moto.core.utils
        dispatcher.get_backend_for_host, utils._load_service_model = saved
