"""How the emulator builds and drops moto's backends (scripts/emulator_backends.py): after a
reset every account's resources are gone and the backends built again are whole (AWS-managed
policies loaded again); callers are still told apart by their keys, in every account. What
this saves is measured by scripts/bench_emulator_backends.py."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from tests.conftest import localenv
from tests.support import in_account

pytestmark = pytest.mark.integration

ACCOUNTS = ("111111111111", "222222222222")
ADMINISTRATOR = "arn:aws:iam::aws:policy/AdministratorAccess"


def populate(account: str) -> None:
    iam = in_account("iam", account)
    iam.create_role(RoleName="deployer", AssumeRolePolicyDocument="{}")
    iam.attach_role_policy(RoleName="deployer", PolicyArn=ADMINISTRATOR)
    s3 = in_account("s3", account)
    s3.create_bucket(Bucket=f"state-{account}")
    s3.put_object(Bucket=f"state-{account}", Key="dev/terraform.tfstate", Body=b"{}")
    in_account("ec2", account).create_vpc(CidrBlock="10.7.0.0/16")


def custom_vpcs(ec2: Any) -> list[str]:
    return [v["CidrBlock"] for v in ec2.describe_vpcs()["Vpcs"] if not v["IsDefault"]]


def test_reset_forgets_every_account_and_rebuilds_whole_backends(aws: str) -> None:
    for account in ACCOUNTS:
        populate(account)
    assert custom_vpcs(in_account("ec2", ACCOUNTS[1])) == ["10.7.0.0/16"]

    localenv.reset_emulator(aws)

    for account in ACCOUNTS:
        iam = in_account("iam", account)
        assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == []
        assert in_account("s3", account).list_buckets()["Buckets"] == []
        assert custom_vpcs(in_account("ec2", account)) == []
        # The rebuilt IAM backend knows AWS's managed policies again: attaching one works.
        iam.create_role(RoleName="deployer", AssumeRolePolicyDocument="{}")
        iam.attach_role_policy(RoleName="deployer", PolicyArn=ADMINISTRATOR)
        attached = iam.list_attached_role_policies(RoleName="deployer")["AttachedPolicies"]
        assert [p["PolicyArn"] for p in attached] == [ADMINISTRATOR]


def test_a_second_reset_in_a_row_is_harmless(aws: str) -> None:
    populate(ACCOUNTS[0])
    localenv.reset_emulator(aws)
    localenv.reset_emulator(aws)
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="after-two-resets")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["after-two-resets"]


def test_no_public_images_are_loaded(aws: str) -> None:
    """moto's default EC2 images are left out (no stack here launches an instance)."""
    images = boto3.client("ec2").describe_images(Owners=["amazon"])["Images"]
    assert images == []


def test_each_caller_is_found_in_its_own_account_after_a_reset(aws: str) -> None:
    localenv.reset_emulator(aws)
    identities = {account: in_account("sts", account).get_caller_identity() for account in ACCOUNTS}
    assert {a: i["Account"] for a, i in identities.items()} == {a: a for a in ACCOUNTS}
    # Keys no account issued belong to the default account, as with moto.
    assert boto3.client("sts").get_caller_identity()["Account"] == "123456789012"
