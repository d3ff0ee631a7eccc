mock_provider "aws" {
  override_during = plan

  # The provider validates policy JSON even under a mock; the mock's random string is not JSON.
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{}"
    }
  }

  mock_data "aws_region" {
    defaults = {
      region = "eu-west-1"
    }
  }

  mock_resource "aws_s3_bucket" {
    defaults = {
      arn = "arn:aws:s3:::acme-tfstate"
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
    condition     = one([for r in aws_s3_bucket_server_side_encryption_configuration.this.rule : one(r.apply_server_side_encryption_by_default).sse_algorithm]) == "AES256"
    error_message = "Default encryption must be AES256 when no KMS key is given."
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
      s.sid == "DenyUnencryptedObjectUploads" && s.effect == "Deny" && one(s.condition).test == "Null" && one(s.condition).variable == "s3:x-amz-server-side-encryption"
    ])
    error_message = "The policy must deny puts without an encryption header when enabled."
  }
}

run "backend_config_defaults" {
  command = plan

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
    kms_key_arn = "1234abcd-12ab-34cd-56ef-1234567890ab"
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
