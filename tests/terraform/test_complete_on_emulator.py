"""examples/complete with env/dev.tfvars, planned in full and applied where the emulator
supports it: the real hashicorp/aws provider (local mirror) against the emulator, the state
in an S3 bucket on it, values read back with boto3, then destroyed.

What the emulator cannot create is listed (with why) in scripts/emulator_terraform.py, for
moto alone and for moto behind scripts/emulator_server.py's RPC v2 CBOR adapter, and in the
"Emulator coverage" section of examples/complete/README.md; this test fails when that list
or moto's read-back gaps stop being true.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from tests.conftest import localenv

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
VAR_FILE = "env/dev.tfvars"
REGION = "eu-west-1"
AZS = ("eu-west-1a", "eu-west-1b")


def _load_emulator_terraform() -> ModuleType:
    path = REPO / "scripts" / "emulator_terraform.py"
    spec = importlib.util.spec_from_file_location("emulator_terraform", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["emulator_terraform"] = module
    spec.loader.exec_module(module)
    return module


et = _load_emulator_terraform()
STATE = et.StateLocation(bucket="slipway-tfstate-dev", key="dev/complete.tfstate", region=REGION)

# Every managed resource of the dev stack, counted by module and type.
EXPECTED_RESOURCES = {
    ("network", "aws_vpc"): 1,
    ("network", "aws_subnet"): 4,
    ("network", "aws_internet_gateway"): 1,
    ("network", "aws_eip"): 1,
    ("network", "aws_nat_gateway"): 1,
    ("network", "aws_route_table"): 3,
    ("network", "aws_route"): 3,
    ("network", "aws_route_table_association"): 4,
    ("network", "aws_default_security_group"): 1,
    ("network", "aws_flow_log"): 1,
    ("network", "aws_cloudwatch_log_group"): 1,
    ("network", "aws_iam_role"): 1,
    ("network", "aws_iam_role_policy"): 1,
    ("alb", "aws_lb"): 1,
    ("alb", "aws_lb_listener"): 1,
    ("alb", "aws_lb_target_group"): 1,
    ("alb", "aws_security_group"): 1,
    ("alb", "aws_vpc_security_group_ingress_rule"): 1,
    ("alb", "aws_vpc_security_group_egress_rule"): 1,
    ("ecr", "aws_ecr_repository"): 1,
    ("ecr", "aws_ecr_lifecycle_policy"): 1,
    ("ecs_cluster", "aws_ecs_cluster"): 1,
    ("ecs_cluster", "aws_ecs_cluster_capacity_providers"): 1,
    ("ecs_service", "aws_ecs_service"): 1,
    ("ecs_service", "aws_ecs_task_definition"): 1,
    ("ecs_service", "aws_cloudwatch_log_group"): 1,
    ("ecs_service", "aws_iam_role"): 2,
    ("ecs_service", "aws_iam_role_policy"): 1,
    ("ecs_service", "aws_iam_role_policy_attachment"): 1,
    ("ecs_service", "aws_security_group"): 1,
    ("ecs_service", "aws_vpc_security_group_ingress_rule"): 1,
    ("ecs_service", "aws_vpc_security_group_egress_rule"): 1,
    ("service_autoscaling", "aws_appautoscaling_target"): 1,
    ("service_autoscaling", "aws_appautoscaling_policy"): 1,
    ("rds", "aws_db_instance"): 1,
    ("rds", "aws_db_parameter_group"): 1,
    ("rds", "aws_db_subnet_group"): 1,
    ("rds", "aws_security_group"): 1,
    ("rds", "aws_vpc_security_group_ingress_rule"): 1,
    ("monitoring", "aws_cloudwatch_metric_alarm"): 10,
    ("monitoring", "aws_cloudwatch_dashboard"): 1,
    ("monitoring", "aws_kms_key"): 1,
    ("monitoring", "aws_kms_alias"): 1,
    ("monitoring", "aws_sns_topic"): 1,
}
ALARM_NAMES = {
    "dev-alb-elb-5xx",
    "dev-alb-target-5xx",
    "dev-alb-target-response-time",
    "dev-alb-unhealthy-hosts",
    "dev-ecs-cpu-high",
    "dev-ecs-memory-high",
    "dev-ecs-running-tasks-low",
    "dev-rds-cpu-high",
    "dev-rds-free-storage-low",
    "dev-rds-freeable-memory-low",
}
DEPLOYMENT_ALARM_NAMES = [
    "dev-alb-elb-5xx",
    "dev-alb-target-5xx",
    "dev-alb-target-response-time",
    "dev-alb-unhealthy-hosts",
    "dev-ecs-running-tasks-low",
]
# Attributes moto 5.2.5 does not return, so a plan after apply wants to set them again.
READ_BACK_GAPS = {
    "module.rds.aws_db_instance.this",  # performance_insights_enabled reads back false
    "module.rds.aws_db_parameter_group.this",  # the rds.force_ssl parameter is not listed
    'module.rds.aws_vpc_security_group_ingress_rule.this["service"]',  # no description
    "module.ecs_service.aws_vpc_security_group_ingress_rule.alb[0]",  # no description
}


@pytest.fixture(scope="module")
def iam_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A moto server of its own that knows AWS-managed IAM policies; yields its endpoint and
    its log file."""
    directory = tmp_path_factory.mktemp("emulator-complete")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in et.EMULATOR_SERVER_ENV.items():
            patch.setenv(name, value)
        try:
            service = localenv.start_emulator(directory)
        except SystemExit as error:
            pytest.fail(f"the AWS emulator did not start: {error}")
    try:
        yield service.endpoint, directory / "emulator.log"
    finally:
        localenv.stop("emulator", directory)


@pytest.fixture(scope="module")
def cli_config() -> str:
    try:
        config: str = et.provider_cli_config()
    except et.TerraformError as error:
        pytest.fail(f"the hashicorp/aws provider is not available: {error}")
    return config


class Timer:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, step: str) -> Iterator[None]:
        start = time.monotonic()
        yield
        self.seconds[step] = round(time.monotonic() - start, 1)


def _module_and_type(address: str) -> tuple[str, str]:
    parts = address.split(".")
    return parts[1], parts[2]


def _changes(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["address"]: c for c in plan["resource_changes"] if c["mode"] == "managed"}


def _emulator_errors(log: Path) -> str:
    lines = log.read_text(errors="replace").splitlines()
    failed = [line for line in lines if '" 4' in line or '" 5' in line]
    return "\n".join(failed[-40:])


def test_complete_example_plans_applies_and_destroys_on_the_emulator(
    iam_emulator: tuple[str, Path], cli_config: str, tmp_path: Path
) -> None:
    endpoint, log = iam_emulator
    session = boto3.Session(
        aws_access_key_id=et.EMULATOR_CREDENTIALS.access_key_id,
        aws_secret_access_key=et.EMULATOR_CREDENTIALS.secret_access_key,
        region_name=REGION,
    )

    def client(service: str) -> Any:
        return session.client(service, endpoint_url=endpoint)

    client("s3").create_bucket(
        Bucket=STATE.bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    workspace = et.Workspace(
        et.copy_example("complete", tmp_path),
        et.terraform_env(endpoint, cli_config=cli_config, region=REGION),
    )
    coverage = et.complete_coverage(endpoint)
    timer = Timer()
    try:
        with timer("init"):
            workspace.init(STATE)
        with timer("plan (full, from nothing)"):
            plan = workspace.plan(VAR_FILE, "full.tfplan")
        _check_full_plan(plan)
        with timer("apply (supported part)"):
            et.apply_complete_example(workspace, VAR_FILE, coverage, saved_plan="full.tfplan")
        outputs = workspace.outputs()
        _check_applied(client, outputs, coverage)
        _check_state_object(client("s3"), applied=64 - _plan_only_count(coverage))
        with timer("plan (after apply)"):
            after = workspace.plan(VAR_FILE, "after.tfplan")
        _check_plan_after_apply(after, coverage)
        with timer("destroy"):
            workspace.destroy(VAR_FILE)
        _check_destroyed(client, outputs)
        _check_state_object(client("s3"), applied=0)
    except et.TerraformError as error:
        pytest.fail(f"{error}\nemulator's failed requests:\n{_emulator_errors(log)}")
    finally:
        print(f"\ncomplete example on {coverage.name}, seconds: {json.dumps(timer.seconds)}")


def _plan_only_count(coverage: Any) -> int:
    return sum(
        count for (_, kind), count in EXPECTED_RESOURCES.items() if kind in coverage.plan_only
    )


def _check_full_plan(plan: dict[str, Any]) -> None:
    changes = _changes(plan)
    assert Counter(_module_and_type(a) for a in changes) == EXPECTED_RESOURCES
    assert et.planned_resources(plan) == {"create": sorted(changes)}

    alarms = {
        changes[a]["change"]["after"]["alarm_name"]
        for a in changes
        if a.startswith("module.monitoring.aws_cloudwatch_metric_alarm.")
    }
    assert alarms == ALARM_NAMES
    service = changes["module.ecs_service.aws_ecs_service.autoscaled[0]"]["change"]["after"]
    assert service["name"] == "dev-web"
    assert service["desired_count"] == 1
    assert service["alarms"][0]["alarm_names"] == DEPLOYMENT_ALARM_NAMES
    assert service["alarms"][0]["rollback"] is True
    assert service["deployment_circuit_breaker"][0]["rollback"] is True
    assert service["network_configuration"][0]["assign_public_ip"] is False
    target = changes["module.service_autoscaling.aws_appautoscaling_target.this"]["change"]
    assert target["after"]["resource_id"] == "service/dev/dev-web"
    assert (target["after"]["min_capacity"], target["after"]["max_capacity"]) == (1, 2)
    dashboard = changes["module.monitoring.aws_cloudwatch_dashboard.this[0]"]["change"]["after"]
    assert dashboard["dashboard_name"] == "dev"


def _check_applied(client: Any, outputs: dict[str, Any], coverage: Any) -> None:
    public_subnets = _check_network(client("ec2"), outputs)
    _check_load_balancer(client("elbv2"), outputs, public_subnets)
    _check_repository(client("ecr"), outputs)
    task = _check_cluster_and_task(client("ecs"), outputs)
    _check_service(client("ecs"), outputs, coverage)
    _check_database(client("rds"), client("ec2"), outputs, task)
    execution_role = task["executionRoleArn"].rsplit("/", 1)[1]
    attached = client("iam").list_attached_role_policies(RoleName=execution_role)
    assert [p["PolicyName"] for p in attached["AttachedPolicies"]] == [
        "AmazonECSTaskExecutionRolePolicy"
    ]
    topic = client("sns").get_topic_attributes(TopicArn=outputs["alarm_topic_arn"])["Attributes"]
    assert topic["TopicArn"].endswith(":dev-alarms")
    key = client("kms").describe_key(KeyId="alias/dev-alarms")["KeyMetadata"]
    assert topic["KmsMasterKeyId"] == key["Arn"]
    _check_alarms(client("cloudwatch"), outputs, coverage)


def _check_network(ec2: Any, outputs: dict[str, Any]) -> set[str]:
    """VPC, subnets per AZ and the single NAT gateway; returns the public subnets' IDs."""
    vpc = ec2.describe_vpcs(VpcIds=[outputs["vpc_id"]])["Vpcs"][0]
    assert vpc["CidrBlock"] == "10.0.0.0/16"
    tags = {t["Key"]: t["Value"] for t in vpc["Tags"]}
    assert (tags["Environment"], tags["ManagedBy"]) == ("dev", "slipway")
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])
    names = {
        next(t["Value"] for t in s["Tags"] if t["Key"] == "Name"): s for s in subnets["Subnets"]
    }
    assert Counter(s["AvailabilityZone"] for s in names.values()) == {az: 2 for az in AZS}
    assert set(names) == {f"dev-{tier}-{az}" for tier in ("public", "private") for az in AZS}
    assert not any(s["MapPublicIpOnLaunch"] for s in names.values())
    for az in AZS:
        assert names[f"dev-public-{az}"]["AvailabilityZone"] == az
    nats = ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])
    assert [n["NatGatewayId"] for n in nats["NatGateways"]] == [outputs["nat_gateway_ids"][AZS[0]]]
    assert nats["NatGateways"][0]["SubnetId"] == names[f"dev-public-{AZS[0]}"]["SubnetId"]
    return {names[f"dev-public-{az}"]["SubnetId"] for az in AZS}


def _check_load_balancer(elb: Any, outputs: dict[str, Any], public_subnets: set[str]) -> None:
    alb = elb.describe_load_balancers(Names=["dev"])["LoadBalancers"][0]
    assert (alb["Type"], alb["DNSName"]) == ("application", outputs["alb_dns_name"])
    # The provider sends Scheme only for internal load balancers, and moto then leaves it
    # unset where AWS defaults to internet-facing.
    assert alb.get("Scheme", "internet-facing") == "internet-facing"
    assert {z["SubnetId"] for z in alb["AvailabilityZones"]} == public_subnets
    listener = elb.describe_listeners(LoadBalancerArn=alb["LoadBalancerArn"])["Listeners"]
    assert [(x["Protocol"], x["Port"]) for x in listener] == [("HTTP", 80)]
    group = elb.describe_target_groups(LoadBalancerArn=alb["LoadBalancerArn"])["TargetGroups"]
    assert [(g["Port"], g["TargetType"], g["HealthCheckPath"]) for g in group] == [
        (8080, "ip", "/healthz")
    ]


def _check_repository(ecr: Any, outputs: dict[str, Any]) -> None:
    repository = ecr.describe_repositories(repositoryNames=["dev/web"])["repositories"][0]
    assert repository["repositoryUri"] == outputs["ecr_repository_url"]
    assert repository["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"
    assert repository["imageScanningConfiguration"]["scanOnPush"] is True
    policy = ecr.get_lifecycle_policy(repositoryName="dev/web")["lifecyclePolicyText"]
    assert json.loads(policy)["rules"], policy


def _check_cluster_and_task(ecs: Any, outputs: dict[str, Any]) -> dict[str, Any]:
    """The cluster and the first task definition (the service is plan-only)."""
    cluster = ecs.describe_clusters(clusters=["dev"], include=["SETTINGS"])["clusters"][0]
    assert cluster["status"] == "ACTIVE"
    assert {"name": "containerInsights", "value": "enabled"} in cluster["settings"]
    assert "FARGATE" in cluster["capacityProviders"]
    task: dict[str, Any] = ecs.describe_task_definition(taskDefinition="dev-web")["taskDefinition"]
    assert (task["cpu"], task["memory"], task["networkMode"]) == ("256", "512", "awsvpc")
    assert task["requiresCompatibilities"] == ["FARGATE"]
    container = task["containerDefinitions"][0]
    assert container["name"] == outputs["container_name"] == "web"
    assert container["image"] == "public.ecr.aws/nginx/nginx:stable"
    assert container["portMappings"][0]["containerPort"] == 8080
    assert {e["name"]: e["value"] for e in container["environment"]}["APP_ENV"] == "dev"
    return task


def _check_service(ecs: Any, outputs: dict[str, Any], coverage: Any) -> None:
    arns = ecs.list_services(cluster="dev")["serviceArns"]
    if "aws_ecs_service" in coverage.plan_only:
        assert arns == []
        return
    service = ecs.describe_services(cluster="dev", services=arns)["services"][0]
    assert service["serviceName"] == outputs["service_name"] == "dev-web"
    assert (service["status"], service["desiredCount"]) == ("ACTIVE", 1)
    assert service["taskDefinition"].rsplit("/", 1)[1].startswith("dev-web:")
    network = service["networkConfiguration"]["awsvpcConfiguration"]
    assert network["assignPublicIp"] == "DISABLED"
    assert [lb["containerPort"] for lb in service["loadBalancers"]] == [8080]
    configuration = service["deploymentConfiguration"]
    assert configuration["strategy"] == "ROLLING"
    assert configuration["alarms"]["rollback"] is True
    assert sorted(configuration["alarms"]["alarmNames"]) == DEPLOYMENT_ALARM_NAMES


def _check_alarms(cloudwatch: Any, outputs: dict[str, Any], coverage: Any) -> None:
    alarms = cloudwatch.describe_alarms(AlarmNamePrefix="dev-")["MetricAlarms"]
    if "aws_cloudwatch_metric_alarm" in coverage.plan_only:
        assert alarms == []
        return
    assert {a["AlarmName"] for a in alarms} == ALARM_NAMES
    assert all(a["AlarmActions"] == [outputs["alarm_topic_arn"]] for a in alarms)
    assert sorted(outputs["deployment_alarm_names"]) == DEPLOYMENT_ALARM_NAMES
    assert cloudwatch.get_dashboard(DashboardName="dev")["DashboardName"] == "dev"


def _check_database(rds: Any, ec2: Any, outputs: dict[str, Any], task: dict[str, Any]) -> None:
    """The database, its secret passed to the container, and who may reach it."""
    db = rds.describe_db_instances(DBInstanceIdentifier="dev-db")["DBInstances"][0]
    assert (db["Engine"], db["DBInstanceClass"], db["AllocatedStorage"]) == (
        "postgres",
        "db.t4g.micro",
        20,
    )
    assert db["MaxAllocatedStorage"] == 50
    assert (db["MultiAZ"], db["DeletionProtection"], db["PubliclyAccessible"]) == (
        False,
        False,
        False,
    )
    assert db["StorageEncrypted"] is True
    assert db["BackupRetentionPeriod"] == 1
    container = task["containerDefinitions"][0]
    environment = {e["name"]: e["value"] for e in container["environment"]}
    assert environment["DB_HOST"] == db["Endpoint"]["Address"]
    assert environment["DB_USER"] == db["MasterUsername"]
    secret = db["MasterUserSecret"]["SecretArn"]
    assert secret == outputs["db_master_user_secret_arn"]
    assert container["secrets"] == [{"name": "DB_PASSWORD", "valueFrom": f"{secret}:password::"}]
    # The database admits the service's security group only, on PostgreSQL's port.
    db_group = db["VpcSecurityGroups"][0]["VpcSecurityGroupId"]
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [db_group]}])[
        "SecurityGroupRules"
    ]
    ingress = [r for r in rules if not r["IsEgress"]]
    assert len(ingress) == 1
    assert (ingress[0]["FromPort"], ingress[0]["ToPort"]) == (5432, 5432)
    service_group = ingress[0]["ReferencedGroupInfo"]["GroupId"]
    assert ec2.describe_security_groups(GroupIds=[service_group])["SecurityGroups"][0][
        "GroupName"
    ].startswith("dev-web")


def _check_state_object(s3: Any, applied: int) -> None:
    state = json.loads(s3.get_object(Bucket=STATE.bucket, Key=STATE.key)["Body"].read())
    managed = [r for r in state["resources"] if r["mode"] == "managed"]
    assert sum(len(r["instances"]) for r in managed) == applied
    listed = s3.list_objects_v2(Bucket=STATE.bucket)["Contents"]
    assert [o["Key"] for o in listed] == [STATE.key]  # the S3 lock file is gone again


def _check_plan_after_apply(plan: dict[str, Any], coverage: Any) -> None:
    by_action = et.planned_resources(plan)
    created = {a for a in by_action.get("create", [])}
    assert {_module_and_type(a)[1] for a in created} == set(coverage.plan_only)
    assert len(created) == _plan_only_count(coverage)
    # The service reads back whole: the emulator keeps its deployment configuration,
    # managed tags and grace period (scripts/emulator_ecs.py).
    assert set(by_action.get("update", [])) == READ_BACK_GAPS, (
        "moto's read-back gaps changed: update READ_BACK_GAPS and the Emulator coverage docs"
    )


def _check_destroyed(client: Any, outputs: dict[str, Any]) -> None:
    ec2 = client("ec2")
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [outputs["vpc_id"]]}])
    assert vpcs["Vpcs"] == []
    assert client("rds").describe_db_instances()["DBInstances"] == []
    assert client("elbv2").describe_load_balancers()["LoadBalancers"] == []
    assert client("ecr").describe_repositories()["repositories"] == []
    clusters = client("ecs").describe_clusters(clusters=["dev"])["clusters"]
    assert [c["status"] for c in clusters] in ([], ["INACTIVE"])


def test_terraform_env_points_everything_at_the_emulator() -> None:
    base = {
        "PATH": "/usr/bin",
        "HOME": "/root",
        "AWS_PROFILE": "prod",
        "AWS_ENDPOINT_URL_S3": "https://s3.example.invalid",
        "AWS_SESSION_TOKEN": "stale",
    }
    keys = et.Credentials("ASIAEXAMPLE", "secret", "token")
    env = et.terraform_env(
        "http://127.0.0.1:5000", cli_config="/tmp/rc", credentials=keys, base=base
    )
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5000"
    assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], env["AWS_SESSION_TOKEN"]) == (
        "ASIAEXAMPLE",
        "secret",
        "token",
    )
    assert (env["AWS_REGION"], env["AWS_DEFAULT_REGION"]) == ("eu-west-1", "eu-west-1")
    assert env["TF_CLI_CONFIG_FILE"] == "/tmp/rc"
    assert env["PATH"] == f"{REPO / '.venv' / 'bin'}:/usr/bin"
    assert env["HOME"] == "/root"
    assert "AWS_PROFILE" not in env
    assert "AWS_ENDPOINT_URL_S3" not in env
    default = et.terraform_env("http://127.0.0.1:5000", cli_config="/tmp/rc", base={})
    assert (default["AWS_ACCESS_KEY_ID"], "AWS_SESSION_TOKEN" in default) == ("testing", False)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: et.terraform_env("127.0.0.1:5000", cli_config="x"), "endpoint: expected"),
        (
            lambda: et.terraform_env("http://127.0.0.1:1", cli_config="x", region="Europe"),
            "region: expected",
        ),
        (
            lambda: et.terraform_env(
                "http://127.0.0.1:1", cli_config="x", credentials=et.Credentials("", "s")
            ),
            "credentials: access_key_id",
        ),
        (lambda: et.backend_config_args(et.StateLocation("Bad_Bucket", "k")), "bucket: expected"),
        (lambda: et.backend_config_args(et.StateLocation("b-1", "/abs")), "key: expected"),
        (lambda: et.assume_role("http://127.0.0.1:1", "arn:aws:iam::1:role/x"), "role_arn:"),
        (lambda: et.copy_example("nothing-here", Path("/nonexistent")), "example: no Terraform"),
    ],
)
def test_bad_input_is_named_before_anything_runs(call: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_backend_config_uses_path_style_and_the_s3_lock() -> None:
    state = et.StateLocation("tfstate-222222222222", "dev/complete.tfstate")
    assert et.backend_config_args(state) == [
        "-backend-config=bucket=tfstate-222222222222",
        "-backend-config=key=dev/complete.tfstate",
        "-backend-config=region=eu-west-1",
        "-backend-config=use_path_style=true",
        "-backend-config=use_lockfile=true",
    ]


def test_another_account_gets_its_own_resources_and_state(
    iam_emulator: tuple[str, Path], cli_config: str, tmp_path: Path
) -> None:
    """Keys from assume_role put the provider and the backend in account 222222222222."""
    endpoint, _ = iam_emulator
    keys = et.assume_role(endpoint, "arn:aws:iam::222222222222:role/deploy", region=REGION)
    session = boto3.Session(
        aws_access_key_id=keys.access_key_id,
        aws_secret_access_key=keys.secret_access_key,
        aws_session_token=keys.session_token,
        region_name=REGION,
    )
    assert session.client("sts", endpoint_url=endpoint).get_caller_identity()["Account"] == (
        "222222222222"
    )
    state = et.StateLocation("slipway-tfstate-222222222222", "dev/complete.tfstate", REGION)
    s3 = session.client("s3", endpoint_url=endpoint)
    s3.create_bucket(Bucket=state.bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    workspace = et.Workspace(
        et.copy_example("complete", tmp_path),
        et.terraform_env(endpoint, cli_config=cli_config, credentials=keys, region=REGION),
    )
    try:
        workspace.init(state)
        workspace.apply(VAR_FILE, ["module.alb.aws_security_group.this"])
        vpc_id = workspace.outputs()["vpc_id"]
        vpc = session.client("ec2", endpoint_url=endpoint).describe_vpcs(VpcIds=[vpc_id])
        assert vpc["Vpcs"][0]["OwnerId"] == "222222222222"
        stored = json.loads(s3.get_object(Bucket=state.bucket, Key=state.key)["Body"].read())
        assert {r["type"] for r in stored["resources"] if r["mode"] == "managed"} == {
            "aws_vpc",
            "aws_security_group",
        }
        workspace.destroy(VAR_FILE)
    except et.TerraformError as error:
        pytest.fail(str(error))
