variable "bucket_name" {
  description = "Name of the S3 bucket that stores Terraform state. Must be globally unique."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name)) && !can(regex("\\.\\.", var.bucket_name))
    error_message = "bucket_name must be 3-63 characters of lowercase letters, digits, dots and hyphens, start and end with a letter or digit, and contain no consecutive dots."
  }
}

variable "kms_key_arn" {
  description = "ARN of a KMS key for server-side encryption of the bucket (and of the lock table when created). null uses SSE-S3 (AES256)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be null or a KMS key/alias ARN (arn:<partition>:kms:<region>:<account>:key/<id>)."
  }
}

variable "enable_deny_unencrypted_uploads" {
  description = "Add a bucket policy statement denying s3:PutObject requests that carry no x-amz-server-side-encryption header. Default encryption already encrypts every object; this only rejects clients that do not ask for encryption explicitly (the S3 backend with encrypt = true does)."
  type        = bool
  default     = false
  nullable    = false
}

variable "enable_access_logging" {
  description = "Send S3 server access logs to logging_target_bucket."
  type        = bool
  default     = false
  nullable    = false
}

variable "logging_target_bucket" {
  description = "Name of the bucket that receives server access logs. Required when enable_access_logging is true."
  type        = string
  default     = null

  validation {
    condition     = !var.enable_access_logging || var.logging_target_bucket != null
    error_message = "logging_target_bucket is required when enable_access_logging is true."
  }
}

variable "logging_target_prefix" {
  description = "Key prefix for server access log objects. null uses \"<bucket_name>/\"."
  type        = string
  default     = null
}

variable "force_destroy" {
  description = "Allow Terraform to delete the bucket even when it contains state objects. Keep false for real state buckets."
  type        = bool
  default     = false
  nullable    = false
}

variable "create_lock_table" {
  description = "Create a DynamoDB lock table for the legacy `dynamodb_table` backend argument. S3 native locking (use_lockfile) is always enabled in backend_config."
  type        = bool
  default     = false
  nullable    = false
}

variable "lock_table_name" {
  description = "Name of the DynamoDB lock table. null uses \"<bucket_name>-lock\"."
  type        = string
  default     = null

  validation {
    condition     = var.lock_table_name == null || can(regex("^[A-Za-z0-9_.-]{3,255}$", var.lock_table_name))
    error_message = "lock_table_name must be 3-255 characters of letters, digits, underscores, hyphens and dots."
  }
}

variable "lock_table_deletion_protection" {
  description = "Enable deletion protection on the DynamoDB lock table."
  type        = bool
  default     = true
  nullable    = false
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
  nullable    = false
}
