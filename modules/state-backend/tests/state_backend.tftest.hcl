mock_provider "aws" {
  override_during = plan

  # The provider validates policy JSON even under a mock; the mock's random string is not JSON.
  mock_data "aws_iam_policy_document" {
    defaults = {
      json          = "{}"
      minified_json = "{}"
    }
  }

  mock_data "aws_region" {
    defaults = {
      region = "eu-west-1"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111122223333"
    }
  }

  mock_resource "aws_s3_bucket" {
    defaults = {
      arn = "arn:aws:s3:::acme-tfstate"
    }
  }

  mock_resource "aws_kms_key" {
    defaults = {
      arn = "arn:aws:kms:eu-west-1:111122223333:key/0000aaaa-00aa-00aa-00aa-000000aaaaaa"
    }
  }
}

variables {
  bucket_name = "acme-tfstate"
  tags = {
    Team = "platform"
  }
}

run "secure_defaults" {
  command = plan

  assert {
    condition     = aws_s3_bucket.this.bucket == "acme-tfstate"
    error_message = "The bucket must use bucket_name."
  }

  assert {
    condition     = aws_s3_bucket.this.force_destroy == false
    error_message = "force_destroy must default to false."
  }

  assert {
    condition     = aws_s3_bucket.this.tags == tomap({ Team = "platform", Name = "acme-tfstate" })
    error_message = "Tags must merge var.tags with Name."
  }

  assert {
    condition     = aws_s3_bucket_versioning.this.versioning_configuration[0].status == "Enabled"
    error_message = "Versioning must be enabled."
  }

  assert {
    condition     = one([for r in aws_s3_bucket_server_side_encryption_configuration.this.rule : one(r.apply_server_side_encryption_by_default).sse_algorithm]) == "aws:kms"
    error_message = "Default encryption must be SSE-KMS with the module's own key."
  }

  assert {
    condition = (
      one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default[0].kms_master_key_id == aws_kms_key.this[0].arn &&
      one(aws_s3_bucket_server_side_encryption_configuration.this.rule).bucket_key_enabled == true
    )
    error_message = "The bucket must encrypt with the created key and S3 bucket keys."
  }

  assert {
    condition = (
      aws_kms_key.this[0].enable_key_rotation &&
      aws_kms_key.this[0].deletion_window_in_days == 30 &&
      aws_kms_key.this[0].tags == tomap({ Team = "platform", Name = "acme-tfstate" })
    )
    error_message = "The created key must rotate, wait 30 days before deletion and carry merged tags."
  }

  assert {
    condition     = output.kms_key_arn == "arn:aws:kms:eu-west-1:111122223333:key/0000aaaa-00aa-00aa-00aa-000000aaaaaa"
    error_message = "kms_key_arn must be the created key's ARN."
  }

  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.this.block_public_acls,
      aws_s3_bucket_public_access_block.this.block_public_policy,
      aws_s3_bucket_public_access_block.this.ignore_public_acls,
      aws_s3_bucket_public_access_block.this.restrict_public_buckets,
    ])
    error_message = "All four public access block settings must be true."
  }

  assert {
    condition     = aws_s3_bucket_ownership_controls.this.rule[0].object_ownership == "BucketOwnerEnforced"
    error_message = "Object ownership must be BucketOwnerEnforced."
  }

  assert {
    condition     = length(aws_s3_bucket_logging.this) == 0 && length(aws_dynamodb_table.this) == 0
    error_message = "Access logging and the lock table must be off by default."
  }

  assert {
    condition     = output.lock_table_name == null && output.lock_table_arn == null
    error_message = "Lock table outputs must be null when the table is not created."
  }
}

run "tls_only_bucket_policy" {
  command = plan

  assert {
    condition     = length(data.aws_iam_policy_document.this.statement) == 1
    error_message = "Only the TLS statement is expected by default."
  }

  assert {
    condition = (
      data.aws_iam_policy_document.this.statement[0].effect == "Deny" &&
      one(data.aws_iam_policy_document.this.statement[0].condition).variable == "aws:SecureTransport" &&
      one(data.aws_iam_policy_document.this.statement[0].condition).values == tolist(["false"])
    )
    error_message = "The bucket policy must deny requests with aws:SecureTransport = false."
  }

  assert {
    condition = toset(data.aws_iam_policy_document.this.statement[0].resources) == toset([
      "arn:aws:s3:::acme-tfstate",
      "arn:aws:s3:::acme-tfstate/*",
    ])
    error_message = "The TLS statement must cover the bucket and its objects."
  }
}

run "deny_unencrypted_uploads" {
  command = plan

  variables {
    enable_deny_unencrypted_uploads = true
  }

  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.this.statement :
      s.effect == "Deny" && one(s.condition).test == "Null" && one(s.condition).variable == "s3:x-amz-server-side-encryption"
      if s.sid == "DenyUnencryptedObjectUploads"
    ])
    error_message = "The policy must deny puts without an encryption header when enabled."
  }
}

run "backend_config_defaults" {
  command = plan

  variables {
    create_kms_key = false
  }

  assert {
    condition     = output.backend_config == { bucket = "acme-tfstate", region = "eu-west-1", encrypt = true, use_lockfile = true }
    error_message = "backend_config must hold bucket, region, encrypt and use_lockfile."
  }

  assert {
    condition     = output.backend_config_hcl == "bucket = \"acme-tfstate\"\nregion = \"eu-west-1\"\nencrypt = true\nuse_lockfile = true\n"
    error_message = "backend_config_hcl must render a tfbackend file without key."
  }

  assert {
    condition     = !strcontains(output.backend_config_hcl, "key =")
    error_message = "backend_config_hcl must not contain key."
  }
}

run "kms_and_lock_table" {
  command = plan

  variables {
    create_kms_key    = false
    kms_key_arn       = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    create_lock_table = true
  }

  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default[0].sse_algorithm == "aws:kms"
    error_message = "A KMS key must switch SSE to aws:kms."
  }

  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default[0].kms_master_key_id == "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    error_message = "The KMS key must be the bucket default key."
  }

  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.this.rule).bucket_key_enabled == true
    error_message = "S3 bucket keys must be enabled with KMS."
  }

  assert {
    condition = (
      aws_dynamodb_table.this[0].name == "acme-tfstate-lock" &&
      aws_dynamodb_table.this[0].billing_mode == "PAY_PER_REQUEST" &&
      aws_dynamodb_table.this[0].hash_key == "LockID" &&
      one(aws_dynamodb_table.this[0].attribute).type == "S"
    )
    error_message = "The lock table must be on-demand with a LockID string hash key."
  }

  assert {
    condition = (
      aws_dynamodb_table.this[0].point_in_time_recovery[0].enabled &&
      aws_dynamodb_table.this[0].server_side_encryption[0].enabled &&
      aws_dynamodb_table.this[0].deletion_protection_enabled
    )
    error_message = "The lock table must have PITR, SSE and deletion protection."
  }

  assert {
    condition     = aws_dynamodb_table.this[0].tags["Name"] == "acme-tfstate-lock" && aws_dynamodb_table.this[0].tags["Team"] == "platform"
    error_message = "The lock table must carry merged tags."
  }

  assert {
    condition     = output.backend_config.dynamodb_table == "acme-tfstate-lock" && output.backend_config.kms_key_id == "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    error_message = "backend_config must carry dynamodb_table and kms_key_id."
  }

  assert {
    condition     = endswith(output.backend_config_hcl, "dynamodb_table = \"acme-tfstate-lock\"\n") && strcontains(output.backend_config_hcl, "use_lockfile = true\n")
    error_message = "backend_config_hcl must keep use_lockfile and add dynamodb_table."
  }
}

run "access_logging" {
  command = plan

  variables {
    enable_access_logging = true
    logging_target_bucket = "acme-logs"
  }

  assert {
    condition     = aws_s3_bucket_logging.this[0].target_bucket == "acme-logs" && aws_s3_bucket_logging.this[0].target_prefix == "acme-tfstate/"
    error_message = "Access logs must go to the target bucket under <bucket_name>/."
  }
}

run "rejects_invalid_bucket_name" {
  command = plan

  variables {
    bucket_name = "Acme_TFState"
  }

  expect_failures = [var.bucket_name]
}

run "rejects_invalid_kms_key_arn" {
  command = plan

  variables {
    create_kms_key = false
    kms_key_arn    = "1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  expect_failures = [var.kms_key_arn]
}

run "rejects_logging_without_target" {
  command = plan

  variables {
    enable_access_logging = true
  }

  expect_failures = [var.logging_target_bucket]
}

run "rejects_invalid_lock_table_name" {
  command = plan

  variables {
    create_lock_table = true
    lock_table_name   = "a"
  }

  expect_failures = [var.lock_table_name]
}

run "sse_s3_without_a_key" {
  command = plan

  variables {
    create_kms_key = false
  }

  assert {
    condition = (
      one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default[0].sse_algorithm == "AES256" &&
      one(aws_s3_bucket_server_side_encryption_configuration.this.rule).bucket_key_enabled == false
    )
    error_message = "create_kms_key = false without kms_key_arn must use SSE-S3."
  }

  assert {
    condition     = length(aws_kms_key.this) == 0 && output.kms_key_arn == null && !contains(keys(output.backend_config), "kms_key_id")
    error_message = "No key may be created or reported with SSE-S3."
  }
}

run "environment_roles_confined_to_their_objects" {
  command = plan

  variables {
    administrator_arns = ["arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Admin_*"]
    environments = {
      staging = {
        plan_role_arns  = ["arn:aws:iam::111122223333:role/github-staging-terraform-plan"]
        apply_role_arns = ["arn:aws:iam::111122223333:role/github-staging-terraform-apply"]
      }
      prod = {
        plan_role_arns  = ["arn:aws:iam::111122223333:role/github-prod-terraform-plan"]
        apply_role_arns = ["arn:aws:iam::111122223333:role/github-prod-terraform-apply"]
      }
    }
  }

  # Only its roles and the administrators reach prod's state and plans.
  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.this.statement :
      s.effect == "Deny" &&
      s.resources == toset([
        "arn:aws:s3:::acme-tfstate/prod/*",
        "arn:aws:s3:::acme-tfstate/env:/*/prod/*",
        "arn:aws:s3:::acme-tfstate/slipway/plans/*/*/prod/pull-requests/*",
        "arn:aws:s3:::acme-tfstate/slipway/plans/*/*/prod/default-branch/*",
      ]) &&
      s.actions == toset(["s3:GetObject*", "s3:PutObject*", "s3:DeleteObject*", "s3:RestoreObject"]) &&
      one(s.condition).test == "ArnNotLike" && one(s.condition).variable == "aws:PrincipalArn" &&
      toset(one(s.condition).values) == toset([
        "arn:aws:iam::111122223333:role/github-prod-terraform-plan",
        "arn:aws:iam::111122223333:role/github-prod-terraform-apply",
        "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Admin_*",
      ])
      if s.sid == "ProdOnlyItsRoles"
    ])
    error_message = "prod's objects must be denied to every principal but prod's roles and the administrators."
  }

  # The plan role writes its lock objects and plans, nothing else.
  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.this.statement :
      s.effect == "Deny" &&
      s.not_resources == toset([
        "arn:aws:s3:::acme-tfstate/prod/*.tflock",
        "arn:aws:s3:::acme-tfstate/env:/*/prod/*.tflock",
        "arn:aws:s3:::acme-tfstate/slipway/plans/*/*/prod/pull-requests/*",
        "arn:aws:s3:::acme-tfstate/slipway/plans/*/*/prod/default-branch/*",
      ]) &&
      s.actions == toset(["s3:PutObject*", "s3:DeleteObject*", "s3:RestoreObject"]) &&
      one(s.condition).test == "ArnLike" && one(s.condition).values == tolist(["arn:aws:iam::111122223333:role/github-prod-terraform-plan"])
      if s.sid == "ProdPlanRolesWriteLocksAndPlans"
    ])
    error_message = "prod's plan role must be denied every write but lock objects and plans."
  }

  # The apply role writes state and default-branch plans, not pull-request plans.
  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.this.statement :
      s.effect == "Deny" &&
      s.not_resources == toset([
        "arn:aws:s3:::acme-tfstate/prod/*",
        "arn:aws:s3:::acme-tfstate/env:/*/prod/*",
        "arn:aws:s3:::acme-tfstate/slipway/plans/*/*/prod/default-branch/*",
      ]) &&
      one(s.condition).values == tolist(["arn:aws:iam::111122223333:role/github-prod-terraform-apply"])
      if s.sid == "ProdApplyRolesWriteStateAndDefaultBranchPlans"
    ])
    error_message = "prod's apply role must be denied every write but state and default-branch plans."
  }

  # Both roles read only their environment.
  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.this.statement :
      s.actions == toset(["s3:GetObject*"]) &&
      contains(s.not_resources, "arn:aws:s3:::acme-tfstate/staging/*") && !contains(s.not_resources, "arn:aws:s3:::acme-tfstate/prod/*") &&
      toset(one(s.condition).values) == toset([
        "arn:aws:iam::111122223333:role/github-staging-terraform-plan",
        "arn:aws:iam::111122223333:role/github-staging-terraform-apply",
      ])
      if s.sid == "StagingRolesReadOnlyIt"
    ])
    error_message = "staging's roles must be denied reading anything outside staging."
  }

  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.this.statement :
      s.actions == toset(["s3:DeleteObjectVersion"]) &&
      contains(s.resources, "arn:aws:s3:::acme-tfstate/prod/*") && contains(s.resources, "arn:aws:s3:::acme-tfstate/env:/*/staging/*") &&
      one(s.condition).test == "ArnNotLike" && one(s.condition).values == tolist(["arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Admin_*"])
      if s.sid == "KeepStateVersions"
    ])
    error_message = "Only administrators may delete state versions."
  }

  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.this.statement :
      s.resources == toset(["arn:aws:s3:::acme-tfstate"]) &&
      contains(s.actions, "s3:PutBucket*") && contains(s.actions, "s3:PutLifecycleConfiguration") && contains(s.actions, "s3:PutEncryptionConfiguration") &&
      length(one(s.condition).values) == 4
      if s.sid == "EnvironmentRolesLeaveTheBucketAlone"
    ])
    error_message = "The environments' roles must not change the bucket's policy or configuration."
  }

  assert {
    condition     = data.aws_iam_policy_document.this.statement[0].sid == "DenyInsecureTransport" && length(data.aws_iam_policy_document.this.statement) == 11
    error_message = "TLS stays first, followed by four statements per environment and two for the bucket."
  }

  # The key policy names every role, used through S3 only.
  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.kms[0].statement :
      one(s.principals).identifiers == toset([
        "arn:aws:iam::111122223333:role/github-prod-terraform-apply",
        "arn:aws:iam::111122223333:role/github-prod-terraform-plan",
        "arn:aws:iam::111122223333:role/github-staging-terraform-apply",
        "arn:aws:iam::111122223333:role/github-staging-terraform-plan",
      ]) &&
      s.actions == toset(["kms:Decrypt", "kms:GenerateDataKey"]) &&
      one(s.condition).variable == "kms:ViaService" && one(s.condition).values == tolist(["s3.eu-west-1.amazonaws.com"])
      if s.sid == "StateEncryptionByEnvironmentRoles"
    ])
    error_message = "The key policy must let the roles use the key through S3."
  }

  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.kms[0].statement :
      one(s.principals).identifiers == toset(["arn:aws:iam::111122223333:root"])
      if s.sid == "AccountAdministration"
    ])
    error_message = "The key must stay manageable through the account's IAM policies."
  }
}

run "personal_environments_and_workspaces" {
  command = plan

  variables {
    workspace_key_prefix = "workspaces"
    plan_key_prefix      = "reviewed"
    environments = {
      dev = {
        plan_role_arns        = ["arn:aws:iam::111122223333:role/dev-plan"]
        apply_role_arns       = ["arn:aws:iam::111122223333:role/path/dev-apply"]
        personal_environments = true
      }
    }
  }

  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.this.statement :
      s.resources == toset([
        "arn:aws:s3:::acme-tfstate/dev/*",
        "arn:aws:s3:::acme-tfstate/workspaces/*/dev/*",
        "arn:aws:s3:::acme-tfstate/dev-*/*",
        "arn:aws:s3:::acme-tfstate/workspaces/*/dev-*/*",
        "arn:aws:s3:::acme-tfstate/reviewed/*/*/dev/pull-requests/*",
        "arn:aws:s3:::acme-tfstate/reviewed/*/*/dev-*/pull-requests/*",
        "arn:aws:s3:::acme-tfstate/reviewed/*/*/dev/default-branch/*",
        "arn:aws:s3:::acme-tfstate/reviewed/*/*/dev-*/default-branch/*",
      ])
      if s.sid == "DevOnlyItsRoles"
    ])
    error_message = "Personal environments dev-* must count as dev's objects, under the given prefixes."
  }

  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.this.statement :
      s.sid == "DevApplyRolesWriteStateAndDefaultBranchPlans" &&
      contains(s.not_resources, "arn:aws:s3:::acme-tfstate/reviewed/*/*/dev-*/pull-requests/*") &&
      !contains(s.not_resources, "arn:aws:s3:::acme-tfstate/reviewed/*/*/dev/pull-requests/*")
    ])
    error_message = "dev's apply role must also write personal environments' pull-request plans, not dev's own."
  }

  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.this.statement :
      length(s.condition) == 0
      if s.sid == "KeepStateVersions"
    ])
    error_message = "Without administrators nobody may delete state versions."
  }
}

run "lifecycle_rules" {
  command = plan

  variables {
    plan_repositories                   = ["acme/shop"]
    pull_request_plan_expiration_days   = 14
    default_branch_plan_expiration_days = 400
    noncurrent_version_expiration_days  = 60
    noncurrent_versions_to_keep         = 5
    environments = {
      dev  = { apply_role_arns = ["arn:aws:iam::111122223333:role/dev-apply"], personal_environments = true }
      prod = { apply_role_arns = ["arn:aws:iam::111122223333:role/prod-apply"] }
    }
  }

  assert {
    condition = anytrue([
      for r in aws_s3_bucket_lifecycle_configuration.this.rule :
      r.status == "Enabled" &&
      one(r.noncurrent_version_expiration).noncurrent_days == 60 &&
      one(r.noncurrent_version_expiration).newer_noncurrent_versions == 5 &&
      one(r.expiration).expired_object_delete_marker == true &&
      one(r.abort_incomplete_multipart_upload).days_after_initiation == 7
      if r.id == "earlier-versions"
    ])
    error_message = "Earlier versions must expire after noncurrent_version_expiration_days, keeping the newest ones."
  }

  assert {
    condition = anytrue([
      for r in aws_s3_bucket_lifecycle_configuration.this.rule :
      one(r.filter).prefix == "slipway/plans/" && one(r.expiration).days == 400
      if r.id == "plans"
    ])
    error_message = "Every plan must expire after default_branch_plan_expiration_days."
  }

  assert {
    condition = toset([
      for r in aws_s3_bucket_lifecycle_configuration.this.rule : "${r.id}=${one(r.filter).prefix}:${one(r.expiration).days}"
      if r.id != "earlier-versions" && r.id != "plans"
      ]) == toset([
      "pull-request-plans/acme/shop/dev=slipway/plans/acme/shop/dev/pull-requests/:14",
      "pull-request-plans/acme/shop/prod=slipway/plans/acme/shop/prod/pull-requests/:14",
      "personal-environment-plans/acme/shop/dev-=slipway/plans/acme/shop/dev-:14",
    ])
    error_message = "Pull-request plans and personal environments' plans must expire sooner, per repository and environment."
  }
}

run "lifecycle_without_repositories" {
  command = plan

  assert {
    condition     = length(aws_s3_bucket_lifecycle_configuration.this.rule) == 2
    error_message = "Without plan_repositories only the versions and plans rules exist."
  }
}

run "lock_table_uses_the_key_through_dynamodb" {
  command = plan

  variables {
    create_lock_table = true
    environments = {
      prod = { apply_role_arns = ["arn:aws:iam::111122223333:role/prod-apply"] }
    }
  }

  assert {
    condition = (
      aws_dynamodb_table.this[0].server_side_encryption[0].kms_key_arn == aws_kms_key.this[0].arn &&
      anytrue([
        for s in data.aws_iam_policy_document.kms[0].statement :
        one(s.condition).values == tolist(["s3.eu-west-1.amazonaws.com", "dynamodb.eu-west-1.amazonaws.com"])
        if s.sid == "StateEncryptionByEnvironmentRoles"
      ])
    )
    error_message = "The lock table must use the created key, and the roles may use it through DynamoDB."
  }
}

run "rejects_kms_key_arn_with_a_created_key" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  expect_failures = [var.kms_key_arn]
}

run "rejects_short_kms_deletion_window" {
  command = plan

  variables {
    kms_key_deletion_window_in_days = 3
  }

  expect_failures = [var.kms_key_deletion_window_in_days]
}

run "rejects_invalid_environment_name" {
  command = plan

  variables {
    environments = {
      "prod/eu" = { apply_role_arns = ["arn:aws:iam::111122223333:role/prod-apply"] }
    }
  }

  expect_failures = [var.environments]
}

run "rejects_wildcard_role_arn" {
  command = plan

  variables {
    environments = {
      prod = { apply_role_arns = ["arn:aws:iam::111122223333:role/github-*"] }
    }
  }

  expect_failures = [var.environments]
}

run "rejects_environment_without_roles" {
  command = plan

  variables {
    environments = {
      prod = {}
    }
  }

  expect_failures = [var.environments]
}

run "rejects_role_in_two_places" {
  command = plan

  variables {
    environments = {
      staging = { plan_role_arns = ["arn:aws:iam::111122223333:role/shared"] }
      prod    = { apply_role_arns = ["arn:aws:iam::111122223333:role/shared"] }
    }
  }

  expect_failures = [var.environments]
}

run "rejects_environment_inside_personal_environments" {
  command = plan

  variables {
    environments = {
      dev    = { apply_role_arns = ["arn:aws:iam::111122223333:role/dev-apply"], personal_environments = true }
      dev-eu = { apply_role_arns = ["arn:aws:iam::111122223333:role/dev-eu-apply"] }
    }
  }

  expect_failures = [var.environments]
}

run "rejects_colliding_statement_names" {
  command = plan

  variables {
    environments = {
      dev-eu   = { apply_role_arns = ["arn:aws:iam::111122223333:role/a"] }
      "dev.eu" = { apply_role_arns = ["arn:aws:iam::111122223333:role/b"] }
    }
  }

  expect_failures = [var.environments]
}

run "rejects_invalid_administrator_arn" {
  command = plan

  variables {
    administrator_arns = ["AWSReservedSSO_Admin"]
  }

  expect_failures = [var.administrator_arns]
}

run "rejects_invalid_plan_key_prefix" {
  command = plan

  variables {
    plan_key_prefix = "slipway/plans/"
  }

  expect_failures = [var.plan_key_prefix]
}

run "rejects_wildcard_workspace_key_prefix" {
  command = plan

  variables {
    workspace_key_prefix = "env*"
  }

  expect_failures = [var.workspace_key_prefix]
}

run "rejects_invalid_plan_repository" {
  command = plan

  variables {
    plan_repositories = ["acme/*"]
  }

  expect_failures = [var.plan_repositories]
}

run "rejects_zero_plan_expiration" {
  command = plan

  variables {
    pull_request_plan_expiration_days = 0
  }

  expect_failures = [var.pull_request_plan_expiration_days]
}

run "rejects_fractional_default_branch_plan_expiration" {
  command = plan

  variables {
    default_branch_plan_expiration_days = 1.5
  }

  expect_failures = [var.default_branch_plan_expiration_days]
}

run "rejects_zero_noncurrent_expiration" {
  command = plan

  variables {
    noncurrent_version_expiration_days = 0
  }

  expect_failures = [var.noncurrent_version_expiration_days]
}

run "rejects_too_many_noncurrent_versions" {
  command = plan

  variables {
    noncurrent_versions_to_keep = 101
  }

  expect_failures = [var.noncurrent_versions_to_keep]
}

run "rejects_zero_multipart_upload_days" {
  command = plan

  variables {
    abort_incomplete_multipart_upload_days = 0
  }

  expect_failures = [var.abort_incomplete_multipart_upload_days]
}
