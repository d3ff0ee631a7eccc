"""A CANARY service (the alb module with the alternate target group, a test listener and
their rules; the ecs-service module with a canary, a bake, a Lambda hook and deployment
alarms) applied with the real hashicorp/aws provider on the emulator, read back with boto3,
planned again (no change: the emulator keeps what ECS keeps), then destroyed."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from tests.conftest import localenv
from tests.terraform.test_complete_on_emulator import et

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
REGION = "eu-west-1"
HOOK = "arn:aws:lambda:eu-west-1:123456789012:function:smoke-test"
ROOT = f"""
terraform {{
  required_providers {{
    aws = {{ source = "hashicorp/aws", version = ">= 6.0" }}
  }}
  backend "s3" {{}}
}}

provider "aws" {{
  region = "{REGION}"
}}

resource "aws_vpc" "this" {{
  cidr_block = "10.7.0.0/16"
}}

resource "aws_subnet" "this" {{
  for_each          = {{ "eu-west-1a" = "10.7.1.0/24", "eu-west-1b" = "10.7.2.0/24" }}
  vpc_id            = aws_vpc.this.id
  availability_zone = each.key
  cidr_block        = each.value
}}

resource "aws_ecs_cluster" "this" {{
  name = "canary"
}}

module "alb" {{
  source                        = "../modules/alb"
  name                          = "canary"
  vpc_id                        = aws_vpc.this.id
  vpc_cidr_block                = aws_vpc.this.cidr_block
  subnet_ids                    = [for s in aws_subnet.this : s.id]
  enable_deletion_protection    = false
  create_alternate_target_group = true
  test_listener_port            = 9000
  test_ingress_cidr_blocks      = ["10.0.0.0/8"]
}}

module "web" {{
  source      = "../modules/ecs-service"
  name        = "web"
  cluster_arn = aws_ecs_cluster.this.arn
  vpc_id      = aws_vpc.this.id
  subnet_ids  = [for s in aws_subnet.this : s.id]
  container   = {{ name = "web", image = "public.ecr.aws/nginx/nginx:stable", port = 8080 }}

  target_group_arn        = [module.alb.target_group_arn, module.alb.http_listener_arn][0]
  alb_security_group_id   = module.alb.security_group_id
  create_alb_ingress_rule = true

  deployment_strategy          = "CANARY"
  canary                       = {{ percent = 10, bake_time_in_minutes = 5 }}
  bake_time_in_minutes         = 10
  alternate_target_group_arn   = module.alb.alternate_target_group_arn
  production_listener_rule_arn = module.alb.production_listener_rule_arn
  test_listener_rule_arn       = module.alb.test_listener_rule_arn
  deployment_alarms            = {{ alarm_names = ["web-5xx"] }}
  lifecycle_hooks = {{
    smoke = {{ lambda_function_arn = "{HOOK}", stages = ["POST_TEST_TRAFFIC_SHIFT"] }}
  }}
}}

output "alternate_target_group_arn" {{
  value = module.alb.alternate_target_group_arn
}}

output "production_listener_rule_arn" {{
  value = module.alb.production_listener_rule_arn
}}

output "load_balancer_role_arn" {{
  value = module.web.load_balancer_role_arn
}}
"""
# What moto does not read back (as in the complete example): the description of a rule that
# references another security group.
READ_BACK_GAPS = {"module.web.aws_vpc_security_group_ingress_rule.alb[0]"}


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory = tmp_path_factory.mktemp("emulator-canary")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in et.EMULATOR_SERVER_ENV.items():
            patch.setenv(name, value)
        service = localenv.start_emulator(directory)
    try:
        yield service.endpoint
    finally:
        localenv.stop("emulator", directory)


def test_a_canary_service_applies_reads_back_and_plans_no_change(
    emulator: str, tmp_path: Path
) -> None:
    shutil.copytree(REPO / "modules", tmp_path / "modules")
    root = tmp_path / "root"
    root.mkdir()
    (root / "main.tf").write_text(ROOT)
    (root / "test.tfvars").write_text("")
    session = boto3.Session(
        aws_access_key_id=et.EMULATOR_CREDENTIALS.access_key_id,
        aws_secret_access_key=et.EMULATOR_CREDENTIALS.secret_access_key,
        region_name=REGION,
    )

    def client(name: str) -> Any:
        return session.client(name, endpoint_url=emulator)

    state = et.StateLocation(bucket="canary-state", key="canary.tfstate", region=REGION)
    client("s3").create_bucket(
        Bucket=state.bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    workspace = et.Workspace(root, et.terraform_env(emulator, region=REGION))
    try:
        workspace.init(state)
        workspace.apply("test.tfvars")
        outputs = workspace.outputs()
        service = client("ecs").describe_services(cluster="canary", services=["web"])["services"][0]
        configuration = service["deploymentConfiguration"]
        assert configuration["strategy"] == "CANARY"
        assert configuration["bakeTimeInMinutes"] == 10
        assert configuration["canaryConfiguration"] == {
            "canaryPercent": 10.0,
            "canaryBakeTimeInMinutes": 5,
        }
        [hook] = configuration["lifecycleHooks"]
        assert (hook["hookTargetArn"], hook["lifecycleStages"]) == (
            HOOK,
            ["POST_TEST_TRAFFIC_SHIFT"],
        )
        assert configuration["alarms"] == {
            "alarmNames": ["web-5xx"],
            "enable": True,
            "rollback": True,
        }
        advanced = service["loadBalancers"][0]["advancedConfiguration"]
        assert advanced["alternateTargetGroupArn"] == outputs["alternate_target_group_arn"]
        assert advanced["productionListenerRule"] == outputs["production_listener_rule_arn"]
        assert advanced["roleArn"] == outputs["load_balancer_role_arn"]
        rule = client("elbv2").describe_rules(RuleArns=[outputs["production_listener_rule_arn"]])
        weights = rule["Rules"][0]["Actions"][0]["ForwardConfig"]["TargetGroups"]
        assert sorted(t["Weight"] for t in weights) == [0, 100]
        attached = client("iam").list_attached_role_policies(
            RoleName=outputs["load_balancer_role_arn"].rsplit("/", 1)[1]
        )
        assert [p["PolicyName"] for p in attached["AttachedPolicies"]] == [
            "AmazonECSInfrastructureRolePolicyForLoadBalancers"
        ]
        # A second plan: nothing to change but what moto cannot read back.
        again = et.planned_resources(workspace.plan("test.tfvars", "again.tfplan"))
        assert set(again) <= {"update", "no-op"}, again
        assert set(again["update"]) == READ_BACK_GAPS
        assert "module.web.aws_ecs_service.this[0]" in again["no-op"]
    finally:
        workspace.run(
            "destroy", "-input=false", "-auto-approve", "-var-file=test.tfvars", check=False
        )
