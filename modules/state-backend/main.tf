data "aws_region" "current" {}

data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

locals {
  use_kms         = var.create_kms_key || var.kms_key_arn != null
  kms_key_arn     = var.create_kms_key ? aws_kms_key.this[0].arn : var.kms_key_arn
  sse_algorithm   = local.use_kms ? "aws:kms" : "AES256"
  lock_table_name = coalesce(var.lock_table_name, "${var.bucket_name}-lock")
}

################################################################################
# Bucket
################################################################################

resource "aws_s3_bucket" "this" {
  # checkov:skip=CKV_AWS_144:Cross-region replication needs a second bucket, key and role in another region; the state is versioned, its versions cannot be deleted by the pipelines' roles, and a consumer who needs a copy elsewhere replicates from outside this module.
  # checkov:skip=CKV2_AWS_62:Nothing consumes events of a state bucket; enable_access_logging records every request instead.
  bucket        = var.bucket_name
  force_destroy = var.force_destroy

  tags = merge(var.tags, { Name = var.bucket_name })
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket = aws_s3_bucket.this.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = local.sse_algorithm
      kms_master_key_id = local.kms_key_arn
    }
    bucket_key_enabled = local.use_kms
  }
}

resource "aws_s3_bucket_logging" "this" {
  count = var.enable_access_logging ? 1 : 0

  bucket        = aws_s3_bucket.this.id
  target_bucket = var.logging_target_bucket
  target_prefix = coalesce(var.logging_target_prefix, "${var.bucket_name}/")
}

################################################################################
# Bucket policy: TLS only, encryption, and each environment's objects to its own roles
################################################################################

# The key layout is fixed by the actions (infra-environment.yml and tf-plan):
#   state      <env>/<state-key-name> (+ <state-key-name>.tflock, S3 native locking) and
#              <workspace_key_prefix>/<workspace>/<env>/<state-key-name> for workspaces;
#              a personal environment <env>-<name> keeps its state under <env>-<name>/.
#   plans      <plan_key_prefix>/<owner>/<repo>/<env>/pull-requests/<commit>/<dir>/<plan-id>/…
#              for pull requests and every ref but the default branch, and
#              <plan_key_prefix>/<owner>/<repo>/<env>/default-branch/… for the default branch.
#
# Who may do what, and why:
# - A plan role runs code from pull requests (the module's own providers and data sources
#   run during `plan`), so it must not be able to change what gets applied: it reads its
#   environment's state and plans, and writes or deletes only lock objects and plans. It
#   writes both plan prefixes: protected environments plan for the default branch in their
#   `<env>-plan` job before the approval. The plan an apply runs is not trusted because of
#   where it lies: its identity and SHA-256 travel from the plan job to the apply job through
#   job outputs, which no branch can write, and tf-apply-gated refuses any other plan.
# - An apply role reads both plan prefixes and writes state and default-branch plans
#   (unprotected environments plan and apply in one job). Personal environments apply from
#   any branch, so their apply role also writes their pull-request plans.
# - No role reads or writes another environment's objects; no other principal reaches an
#   environment's objects at all, except administrator_arns.
# Same-account requests are allowed when an identity policy or this policy allows them and
# no statement denies them, so the confinement is written as Deny statements: they hold
# whatever the roles' identity policies grant (AdministratorAccess, ReadOnlyAccess).
# IAM wildcards match across "/", which is why every pattern anchors the environment segment
# at its fixed position.

locals {
  objects     = "${aws_s3_bucket.this.arn}/"
  plan_prefix = var.plan_key_prefix
  wk_prefix   = var.workspace_key_prefix

  # The key segments that belong to each environment: its name, and <env>-* when it hosts
  # personal environments.
  environment_segments = {
    for name, e in var.environments : name => concat([name], e.personal_environments ? ["${name}-*"] : [])
  }

  areas = {
    for name, e in var.environments : name => {
      state = flatten([
        for s in local.environment_segments[name] : ["${local.objects}${s}/*", "${local.objects}${local.wk_prefix}/*/${s}/*"]
      ])
      locks = flatten([
        for s in local.environment_segments[name] : ["${local.objects}${s}/*.tflock", "${local.objects}${local.wk_prefix}/*/${s}/*.tflock"]
      ])
      pull_request_plans   = [for s in local.environment_segments[name] : "${local.objects}${local.plan_prefix}/*/*/${s}/pull-requests/*"]
      default_branch_plans = [for s in local.environment_segments[name] : "${local.objects}${local.plan_prefix}/*/*/${s}/default-branch/*"]
      personal_pull_request_plans = (
        e.personal_environments ? ["${local.objects}${local.plan_prefix}/*/*/${name}-*/pull-requests/*"] : []
      )
    }
  }

  # Statement ids: letters and digits only ("dev-eu" -> "DevEu"; a validation keeps them distinct).
  sid = { for name in keys(var.environments) : name => join("", [for part in regexall("[A-Za-z0-9]+", name) : title(part)]) }

  # A role belongs to one environment only (a validation checks it).
  environment_roles = { for name, e in var.environments : name => concat(e.plan_role_arns, e.apply_role_arns) }
  all_roles         = flatten([for name in sort(keys(var.environments)) : local.environment_roles[name]])

  object_writes = ["s3:PutObject*", "s3:DeleteObject*", "s3:RestoreObject"]
  object_access = ["s3:GetObject*", "s3:PutObject*", "s3:DeleteObject*", "s3:RestoreObject"]
}

data "aws_iam_policy_document" "this" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.this.arn,
      "${aws_s3_bucket.this.arn}/*",
    ]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  dynamic "statement" {
    for_each = var.enable_deny_unencrypted_uploads ? [1] : []

    content {
      sid       = "DenyUnencryptedObjectUploads"
      effect    = "Deny"
      actions   = ["s3:PutObject"]
      resources = ["${aws_s3_bucket.this.arn}/*"]

      principals {
        type        = "*"
        identifiers = ["*"]
      }

      condition {
        test     = "Null"
        variable = "s3:x-amz-server-side-encryption"
        values   = ["true"]
      }
    }
  }

  # Nobody but the environment's roles and the administrators reads or writes its objects.
  dynamic "statement" {
    for_each = var.environments

    content {
      sid     = "${local.sid[statement.key]}OnlyItsRoles"
      effect  = "Deny"
      actions = local.object_access
      resources = concat(
        local.areas[statement.key].state,
        local.areas[statement.key].pull_request_plans,
        local.areas[statement.key].default_branch_plans,
      )

      principals {
        type        = "*"
        identifiers = ["*"]
      }

      condition {
        test     = "ArnNotLike"
        variable = "aws:PrincipalArn"
        values   = concat(local.environment_roles[statement.key], var.administrator_arns)
      }
    }
  }

  # The environment's roles read nothing outside it.
  dynamic "statement" {
    for_each = var.environments

    content {
      sid     = "${local.sid[statement.key]}RolesReadOnlyIt"
      effect  = "Deny"
      actions = ["s3:GetObject*"]
      not_resources = concat(
        local.areas[statement.key].state,
        local.areas[statement.key].pull_request_plans,
        local.areas[statement.key].default_branch_plans,
      )

      principals {
        type        = "*"
        identifiers = ["*"]
      }

      condition {
        test     = "ArnLike"
        variable = "aws:PrincipalArn"
        values   = local.environment_roles[statement.key]
      }
    }
  }

  # Plan roles write lock objects and plans, never state.
  dynamic "statement" {
    for_each = { for name, e in var.environments : name => e if length(e.plan_role_arns) > 0 }

    content {
      sid     = "${local.sid[statement.key]}PlanRolesWriteLocksAndPlans"
      effect  = "Deny"
      actions = local.object_writes
      not_resources = concat(
        local.areas[statement.key].locks,
        local.areas[statement.key].pull_request_plans,
        local.areas[statement.key].default_branch_plans,
      )

      principals {
        type        = "*"
        identifiers = ["*"]
      }

      condition {
        test     = "ArnLike"
        variable = "aws:PrincipalArn"
        values   = statement.value.plan_role_arns
      }
    }
  }

  # Apply roles write state and default-branch plans (personal environments: all their plans).
  dynamic "statement" {
    for_each = { for name, e in var.environments : name => e if length(e.apply_role_arns) > 0 }

    content {
      sid     = "${local.sid[statement.key]}ApplyRolesWriteStateAndDefaultBranchPlans"
      effect  = "Deny"
      actions = local.object_writes
      not_resources = concat(
        local.areas[statement.key].state,
        local.areas[statement.key].default_branch_plans,
        local.areas[statement.key].personal_pull_request_plans,
      )

      principals {
        type        = "*"
        identifiers = ["*"]
      }

      condition {
        test     = "ArnLike"
        variable = "aws:PrincipalArn"
        values   = statement.value.apply_role_arns
      }
    }
  }

  # Earlier state versions stay for recovery, whatever an apply role writes.
  dynamic "statement" {
    for_each = length(var.environments) > 0 ? [1] : []

    content {
      sid       = "KeepStateVersions"
      effect    = "Deny"
      actions   = ["s3:DeleteObjectVersion"]
      resources = sort(flatten([for name, area in local.areas : area.state]))

      principals {
        type        = "*"
        identifiers = ["*"]
      }

      dynamic "condition" {
        for_each = length(var.administrator_arns) > 0 ? [1] : []

        content {
          test     = "ArnNotLike"
          variable = "aws:PrincipalArn"
          values   = var.administrator_arns
        }
      }
    }
  }

  # The roles cannot loosen the bucket itself (its policy, encryption, lifecycle, versioning).
  dynamic "statement" {
    for_each = length(var.environments) > 0 ? [1] : []

    content {
      sid    = "EnvironmentRolesLeaveTheBucketAlone"
      effect = "Deny"
      actions = [
        "s3:PutBucket*",
        "s3:DeleteBucket*",
        "s3:PutEncryptionConfiguration",
        "s3:PutLifecycleConfiguration",
        "s3:PutReplicationConfiguration",
        "s3:PutInventoryConfiguration",
      ]
      resources = [aws_s3_bucket.this.arn]

      principals {
        type        = "*"
        identifiers = ["*"]
      }

      condition {
        test     = "ArnLike"
        variable = "aws:PrincipalArn"
        values   = local.all_roles
      }
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.this.minified_json

  # S3 rejects policy changes while the public access block is being applied.
  depends_on = [aws_s3_bucket_public_access_block.this]

  lifecycle {
    precondition {
      condition     = length(data.aws_iam_policy_document.this.minified_json) <= 20480
      error_message = "The bucket policy exceeds S3's 20 KB limit: split the environments over more than one state bucket."
    }
  }
}

################################################################################
# KMS key (SSE-KMS)
################################################################################

data "aws_iam_policy_document" "kms" {
  # checkov:skip=CKV_AWS_111:A key policy's resource "*" means this key only (KMS key policy semantics).
  # checkov:skip=CKV_AWS_356:A key policy's resource "*" means this key only (KMS key policy semantics).
  # checkov:skip=CKV_AWS_109:The account root statement is what keeps the key manageable through IAM.
  count = var.create_kms_key ? 1 : 0

  # AWS's default key statement: IAM policies decide who administers and uses the key, so an
  # administrator's session can still read state and migrate it. An environment's objects
  # are kept from other principals by the bucket policy, not by this key.
  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }

  # The environments' roles use the key through S3 (and DynamoDB) without any KMS permission
  # in their identity policies (a plan role's ReadOnlyAccess has none).
  dynamic "statement" {
    for_each = length(var.environments) > 0 ? [1] : []

    content {
      sid       = "StateEncryptionByEnvironmentRoles"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = local.all_roles
      }

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values = concat(
          ["s3.${data.aws_region.current.region}.amazonaws.com"],
          var.create_lock_table ? ["dynamodb.${data.aws_region.current.region}.amazonaws.com"] : [],
        )
      }
    }
  }
}

resource "aws_kms_key" "this" {
  count = var.create_kms_key ? 1 : 0

  description             = "Encrypts the Terraform state and plans in s3://${var.bucket_name}"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  policy                  = data.aws_iam_policy_document.kms[0].minified_json

  tags = merge(var.tags, { Name = var.bucket_name })
}

################################################################################
# Lifecycle: earlier versions, plans, incomplete uploads
################################################################################

locals {
  # S3 lifecycle filters are literal prefixes: pull-request plans get their own rule per
  # repository and environment (and every plan of a personal environment, "<env>-…").
  pull_request_plan_prefixes = merge([
    for repository in var.plan_repositories : merge(
      {
        for name in keys(var.environments) :
        "pull-request-plans/${repository}/${name}" => "${local.plan_prefix}/${repository}/${name}/pull-requests/"
      },
      {
        for name, e in var.environments :
        "personal-environment-plans/${repository}/${name}-" => "${local.plan_prefix}/${repository}/${name}-" if e.personal_environments
      },
    )
  ]...)
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "earlier-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days           = var.noncurrent_version_expiration_days
      newer_noncurrent_versions = var.noncurrent_versions_to_keep
    }

    expiration {
      expired_object_delete_marker = true
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  # Where two expirations overlap, S3 honours the shorter one.
  rule {
    id     = "plans"
    status = "Enabled"

    filter {
      prefix = "${local.plan_prefix}/"
    }

    expiration {
      days = var.default_branch_plan_expiration_days
    }

    noncurrent_version_expiration {
      noncurrent_days = 1
    }
  }

  dynamic "rule" {
    for_each = local.pull_request_plan_prefixes

    content {
      id     = rule.key
      status = "Enabled"

      filter {
        prefix = rule.value
      }

      expiration {
        days = var.pull_request_plan_expiration_days
      }

      noncurrent_version_expiration {
        noncurrent_days = 1
      }
    }
  }

  # Versioning must be on before noncurrent-version rules mean anything.
  depends_on = [aws_s3_bucket_versioning.this]
}

################################################################################
# Optional DynamoDB lock table (legacy locking)
################################################################################

resource "aws_dynamodb_table" "this" {
  count = var.create_lock_table ? 1 : 0

  name                        = local.lock_table_name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "LockID"
  deletion_protection_enabled = var.lock_table_deletion_protection

  attribute {
    name = "LockID"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = local.kms_key_arn
  }

  tags = merge(var.tags, { Name = local.lock_table_name })
}
