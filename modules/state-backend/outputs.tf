output "bucket_name" {
  description = "Name of the state bucket."
  value       = aws_s3_bucket.this.bucket
}

output "bucket_arn" {
  description = "ARN of the state bucket."
  value       = aws_s3_bucket.this.arn
}

output "kms_key_arn" {
  description = "ARN of the bucket's KMS key (created, or kms_key_arn), or null with SSE-S3."
  value       = local.use_kms ? local.kms_key_arn : null
}

output "bucket_policy_json" {
  description = "The bucket policy, as applied."
  value       = aws_s3_bucket_policy.this.policy
}

output "lock_table_name" {
  description = "Name of the DynamoDB lock table, or null when create_lock_table is false."
  value       = try(aws_dynamodb_table.this[0].name, null)
}

output "lock_table_arn" {
  description = "ARN of the DynamoDB lock table, or null when create_lock_table is false."
  value       = try(aws_dynamodb_table.this[0].arn, null)
}

locals {
  backend_config = merge(
    {
      bucket       = aws_s3_bucket.this.bucket
      region       = data.aws_region.current.region
      encrypt      = true
      use_lockfile = true
    },
    local.use_kms ? { kms_key_id = local.kms_key_arn } : {},
    var.create_lock_table ? { dynamodb_table = aws_dynamodb_table.this[0].name } : {},
  )

  backend_config_order = ["bucket", "region", "encrypt", "use_lockfile", "kms_key_id", "dynamodb_table"]
}

output "backend_config" {
  description = "S3 backend settings for this bucket (bucket, region, encrypt, use_lockfile, kms_key_id when the bucket uses a KMS key, dynamodb_table when the lock table is created). `key` is not included: every root module chooses its own."
  value       = local.backend_config
}

output "backend_config_hcl" {
  description = "backend_config rendered as the contents of a `*.s3.tfbackend` file for `terraform init -backend-config=<file>`. `key` is not included."
  value = join("", [
    for k in local.backend_config_order : format("%s = %s\n", k, jsonencode(local.backend_config[k]))
    if contains(keys(local.backend_config), k)
  ])
}
