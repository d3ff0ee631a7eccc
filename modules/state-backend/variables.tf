variable "bucket_name" {
  description = "Name of the S3 bucket that stores Terraform state. Must be globally unique."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name)) && !can(regex("\\.\\.", var.bucket_name))
    error_message = "bucket_name must be 3-63 characters of lowercase letters, digits, dots and hyphens, start and end with a letter or digit, and contain no consecutive dots."
  }
}

variable "create_kms_key" {
  description = "Create a customer managed KMS key (rotated yearly) for the bucket's default encryption (SSE-KMS with S3 bucket keys). Its key policy keeps the account's IAM delegation and names the environments' plan and apply roles, which may use it through S3 (and DynamoDB for the lock table). Set false for SSE-S3 (AES256), or to bring a key with kms_key_arn."
  type        = bool
  default     = true
  nullable    = false
}

variable "kms_key_arn" {
  description = "ARN of an existing KMS key for server-side encryption of the bucket (and of the lock table when created); requires create_kms_key = false. null with create_kms_key = false uses SSE-S3 (AES256). The key's policy must let the environments' roles use it (kms:Decrypt, kms:GenerateDataKey)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be null or a KMS key/alias ARN (arn:<partition>:kms:<region>:<account>:key/<id>)."
  }

  validation {
    condition     = var.kms_key_arn == null || !var.create_kms_key
    error_message = "kms_key_arn needs create_kms_key = false: the module either creates the bucket's key or uses the one given."
  }
}

variable "kms_key_deletion_window_in_days" {
  description = "Waiting period, in days, before the created KMS key is deleted after its destruction is scheduled (7-30)."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.kms_key_deletion_window_in_days >= 7 && var.kms_key_deletion_window_in_days <= 30 && floor(var.kms_key_deletion_window_in_days) == var.kms_key_deletion_window_in_days
    error_message = "kms_key_deletion_window_in_days must be a whole number of days between 7 and 30."
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

variable "environments" {
  description = <<-EOT
    Environments whose Terraform state and reviewed plans this bucket keeps, keyed by environment name: the first segment of
    state keys (`<env>/<state-key-name>`, and `<workspace_key_prefix>/<workspace>/<env>/…` for workspaces) and the environment
    segment of plan keys (`<plan_key_prefix>/<owner>/<repo>/<env>/{pull-requests,default-branch}/…`). The bucket policy then
    lets only these roles near an environment's objects:
    - plan_role_arns: IAM role ARNs that read the environment's state and plans, and write or delete only its S3 lock objects
      (`*.tflock`) and its plans (both prefixes: protected environments plan for the default branch in their plan job).
    - apply_role_arns: IAM role ARNs that read the environment's state and plans, and write its state and default-branch plans.
    - personal_environments: personal environments `<env>-<name>` run with these roles; their state and plans count as this
      environment's, and since they apply from any branch, the apply roles also write their pull-request plans.
    A role belongs to one environment only. No other principal reads or writes an environment's objects, except
    administrator_arns (and the account's root user, which can always remove the bucket policy). The roles are also
    named in the created KMS key's policy.
  EOT
  type = map(object({
    plan_role_arns        = optional(list(string), [])
    apply_role_arns       = optional(list(string), [])
    personal_environments = optional(bool, false)
  }))
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for name, e in var.environments : can(regex("^[A-Za-z0-9._-]{1,64}$", name)) && !contains([".", ".."], name)])
    error_message = "Environment names must be 1-64 letters, digits, '.', '_' or '-' (the environment segment of state and plan keys)."
  }

  validation {
    condition = alltrue(flatten([
      for name, e in var.environments : [
        for arn in concat(e.plan_role_arns, e.apply_role_arns) : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]+$", arn))
      ]
    ]))
    error_message = "plan_role_arns and apply_role_arns must hold IAM role ARNs (arn:<partition>:iam::<account>:role/<path/name>), without wildcards: the KMS key policy names them as principals."
  }

  validation {
    condition     = alltrue([for name, e in var.environments : length(e.plan_role_arns) + length(e.apply_role_arns) > 0])
    error_message = "Each environment needs at least one plan or apply role: an environment without roles would be closed to everyone but administrator_arns."
  }

  validation {
    condition = length(flatten([for name, e in var.environments : concat(e.plan_role_arns, e.apply_role_arns)])) == length(distinct(flatten([
      for name, e in var.environments : concat(e.plan_role_arns, e.apply_role_arns)
    ])))
    error_message = "A role may appear once only: as the plan or the apply role of one environment (the policy confines each role to its environment's objects)."
  }

  validation {
    condition = alltrue(flatten([
      for name, e in var.environments : [
        for other in keys(var.environments) : !(e.personal_environments && other != name && startswith(other, "${name}-"))
      ]
    ]))
    error_message = "An environment with personal_environments = true owns every name \"<env>-…\": no other environment may be named that way."
  }

  validation {
    condition = length(var.environments) == length(distinct([
      for name, e in var.environments : join("", [for part in regexall("[A-Za-z0-9]+", name) : title(part)])
    ]))
    error_message = "Environment names must stay distinct once reduced to their letters and digits (they name the policy statements, e.g. \"dev-eu\" and \"dev.eu\" collide)."
  }
}

variable "administrator_arns" {
  description = "Principals (ARN patterns matched with ArnLike against aws:PrincipalArn, e.g. arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_AdministratorAccess_*) that may still read, write and delete every environment's state and plans by hand. Empty: only each environment's own roles reach its objects."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.administrator_arns : can(regex("^arn:aws[a-z*-]*:(iam|sts)::([0-9]{12}|\\*):.+$", arn))])
    error_message = "administrator_arns must hold IAM or STS principal ARNs (patterns with * and ? are allowed)."
  }
}

variable "plan_key_prefix" {
  description = "Key prefix of the reviewed plans (tf-plan's plan-store-prefix): plans live under <plan_key_prefix>/<owner>/<repo>/<env>/{pull-requests,default-branch}/."
  type        = string
  default     = "slipway/plans"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9!_.'()-]+(/[A-Za-z0-9!_.'()-]+)*$", var.plan_key_prefix))
    error_message = "plan_key_prefix must be one or more '/'-separated parts of letters, digits and !_.'()- (no leading or trailing '/', no wildcards)."
  }
}

variable "workspace_key_prefix" {
  description = "The S3 backend's workspace_key_prefix: state of a non-default workspace lives under <workspace_key_prefix>/<workspace>/<key>."
  type        = string
  default     = "env:"
  nullable    = false

  validation {
    condition     = can(regex("^[^*?/][^*?]*$", var.workspace_key_prefix)) && !endswith(var.workspace_key_prefix, "/")
    error_message = "workspace_key_prefix must be non-empty, without wildcards and without a leading or trailing '/'."
  }
}

variable "plan_repositories" {
  description = "Repositories (owner/repo) whose plans this bucket keeps. S3 lifecycle filters are plain prefixes, so pull-request plans expire after pull_request_plan_expiration_days only for the repositories and environments named here; every other plan expires after default_branch_plan_expiration_days."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for r in var.plan_repositories : can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", r))])
    error_message = "plan_repositories must hold literal owner/repo names."
  }
}

variable "pull_request_plan_expiration_days" {
  description = "Days after which plans of pull requests (and of every ref other than the default branch) and all plans of personal environments expire. Plans can hold secrets in clear."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.pull_request_plan_expiration_days >= 1 && floor(var.pull_request_plan_expiration_days) == var.pull_request_plan_expiration_days
    error_message = "pull_request_plan_expiration_days must be a whole number of days, at least 1."
  }
}

variable "default_branch_plan_expiration_days" {
  description = "Days after which plans made on the default branch (the applied ones, kept as a record) expire."
  type        = number
  default     = 365
  nullable    = false

  validation {
    condition     = var.default_branch_plan_expiration_days >= 1 && floor(var.default_branch_plan_expiration_days) == var.default_branch_plan_expiration_days
    error_message = "default_branch_plan_expiration_days must be a whole number of days, at least 1."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which a replaced or deleted state version is removed, keeping the newest noncurrent_versions_to_keep of each object whatever their age. Expired plans leave no noncurrent version behind for longer than a day."
  type        = number
  default     = 90
  nullable    = false

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1 && floor(var.noncurrent_version_expiration_days) == var.noncurrent_version_expiration_days
    error_message = "noncurrent_version_expiration_days must be a whole number of days, at least 1."
  }
}

variable "noncurrent_versions_to_keep" {
  description = "Newest noncurrent versions of each object kept regardless of noncurrent_version_expiration_days (1-100)."
  type        = number
  default     = 10
  nullable    = false

  validation {
    condition     = var.noncurrent_versions_to_keep >= 1 && var.noncurrent_versions_to_keep <= 100 && floor(var.noncurrent_versions_to_keep) == var.noncurrent_versions_to_keep
    error_message = "noncurrent_versions_to_keep must be a whole number between 1 and 100."
  }
}

variable "abort_incomplete_multipart_upload_days" {
  description = "Days after which incomplete multipart uploads are aborted and their parts deleted."
  type        = number
  default     = 7
  nullable    = false

  validation {
    condition     = var.abort_incomplete_multipart_upload_days >= 1 && floor(var.abort_incomplete_multipart_upload_days) == var.abort_incomplete_multipart_upload_days
    error_message = "abort_incomplete_multipart_upload_days must be a whole number of days, at least 1."
  }
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
  nullable    = false
}
