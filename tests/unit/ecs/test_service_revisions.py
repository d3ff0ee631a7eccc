import pytest

from slipway.ecs.service import our_deployment_id, revision_of, revisions_to_deregister

ARN = "arn:aws:ecs:eu-west-1:111122223333:task-definition/web:{}"


def test_revision_of() -> None:
    assert revision_of(ARN.format(42)) == 42
    with pytest.raises(ValueError, match="not a task definition revision ARN"):
        revision_of("arn:aws:ecs:eu-west-1:111122223333:task-definition/web")


def test_keeps_the_newest_and_never_the_protected() -> None:
    arns = [ARN.format(n) for n in (1, 2, 3, 4, 5, 6)]
    assert revisions_to_deregister(arns, 3, protect=[ARN.format(6), ARN.format(5)]) == [
        ARN.format(3),
        ARN.format(2),
        ARN.format(1),
    ]
    # The previous revision survives even when it is older than the kept window.
    assert revisions_to_deregister(arns, 2, protect=[ARN.format(6), ARN.format(2)]) == [
        ARN.format(4),
        ARN.format(3),
        ARN.format(1),
    ]
    assert revisions_to_deregister(arns, 0, protect=[]) == []
    assert revisions_to_deregister(arns, 10, protect=[]) == []


def test_our_deployment_is_the_primary_running_the_new_revision() -> None:
    service = {
        "deployments": [
            {"id": "ecs-svc/2", "status": "PRIMARY", "taskDefinition": ARN.format(7)},
            {"id": "ecs-svc/1", "status": "ACTIVE", "taskDefinition": ARN.format(6)},
        ]
    }
    assert our_deployment_id(service, ARN.format(7)) == "ecs-svc/2"
    assert our_deployment_id(service, ARN.format(6)) is None
    assert our_deployment_id({"deployments": []}, ARN.format(7)) is None
