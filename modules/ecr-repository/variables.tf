variable "name" {
  description = "Name of the ECR repository, e.g. \"acme/api\"."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$", var.name)) && length(var.name) >= 2 && length(var.name) <= 256
    error_message = "name must be 2-256 characters: lowercase letters and digits, separated by single '.', '_', '-' or '/' (namespaces)."
  }
}

variable "image_tag_mutability" {
  description = "Tag mutability of the repository: IMMUTABLE_WITH_EXCLUSION (a tag always names the same image, except the tags image_tag_mutability_exclusion_filters match, which may move), IMMUTABLE, MUTABLE or MUTABLE_WITH_EXCLUSION (mutable except the tags the filters match)."
  type        = string
  default     = "IMMUTABLE_WITH_EXCLUSION"
  nullable    = false

  validation {
    condition     = contains(["IMMUTABLE_WITH_EXCLUSION", "IMMUTABLE", "MUTABLE", "MUTABLE_WITH_EXCLUSION"], var.image_tag_mutability)
    error_message = "image_tag_mutability must be IMMUTABLE_WITH_EXCLUSION, IMMUTABLE, MUTABLE or MUTABLE_WITH_EXCLUSION."
  }
}

variable "image_tag_mutability_exclusion_filters" {
  description = "Wildcard filters (`*` matches any characters, at most two per filter; 1 to 5 filters) of the tags excepted from image_tag_mutability when it is IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION. The default lets the tags the pipeline moves (latest and the main branch) move, and keeps every commit and version tag immutable."
  type        = list(string)
  default     = ["latest", "main"]
  nullable    = false

  validation {
    condition     = !endswith(var.image_tag_mutability, "_WITH_EXCLUSION") || (length(var.image_tag_mutability_exclusion_filters) >= 1 && length(var.image_tag_mutability_exclusion_filters) <= 5)
    error_message = "image_tag_mutability_exclusion_filters must have 1 to 5 filters with IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION."
  }

  validation {
    condition     = alltrue([for f in var.image_tag_mutability_exclusion_filters : can(regex("^[0-9a-zA-Z._*-]{1,128}$", f)) && length(regexall("[*]", f)) <= 2])
    error_message = "Each exclusion filter must be 1-128 letters, digits, '.', '_', '-' or '*', with at most two '*'."
  }
}

variable "scan_on_push" {
  description = "Run a basic image scan on every push."
  type        = bool
  default     = true
  nullable    = false
}

variable "encryption_type" {
  description = "Encryption of images at rest: AES256 (S3-managed keys) or KMS (kms_key_arn required)."
  type        = string
  default     = "AES256"
  nullable    = false

  validation {
    condition     = contains(["AES256", "KMS"], var.encryption_type)
    error_message = "encryption_type must be AES256 or KMS."
  }
}

variable "kms_key_arn" {
  description = "ARN of the KMS key used when encryption_type is KMS. Must be null with AES256."
  type        = string
  default     = null

  validation {
    condition     = var.encryption_type != "KMS" || var.kms_key_arn != null
    error_message = "kms_key_arn is required when encryption_type is KMS."
  }

  validation {
    condition     = var.encryption_type == "KMS" || var.kms_key_arn == null
    error_message = "kms_key_arn is only used with encryption_type = \"KMS\"; set encryption_type = \"KMS\" or remove kms_key_arn."
  }

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>)."
  }
}

variable "force_delete" {
  description = "Allow Terraform to delete the repository while it still contains images."
  type        = bool
  default     = false
  nullable    = false
}

variable "enable_lifecycle_policy" {
  description = "Attach a lifecycle policy (the default one built from keep_tagged_images / untagged_expiry_days, or lifecycle_policy_json)."
  type        = bool
  default     = true
  nullable    = false
}

variable "keep_tagged_images" {
  description = "Default lifecycle policy: number of most recent tagged images to keep; older tagged images expire."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.keep_tagged_images >= 1 && floor(var.keep_tagged_images) == var.keep_tagged_images
    error_message = "keep_tagged_images must be a whole number of at least 1."
  }
}

variable "untagged_expiry_days" {
  description = "Default lifecycle policy: untagged images expire this many days after they were pushed."
  type        = number
  default     = 7
  nullable    = false

  validation {
    condition     = var.untagged_expiry_days >= 1 && floor(var.untagged_expiry_days) == var.untagged_expiry_days
    error_message = "untagged_expiry_days must be a whole number of at least 1."
  }
}

variable "lifecycle_policy_json" {
  description = "Lifecycle policy document (JSON) that replaces the default policy. null uses the default."
  type        = string
  default     = null

  validation {
    condition     = var.lifecycle_policy_json == null || can(jsondecode(var.lifecycle_policy_json).rules)
    error_message = "lifecycle_policy_json must be a JSON object with a \"rules\" list."
  }
}

variable "pull_account_ids" {
  description = "AWS account IDs allowed to pull images (ecr:BatchGetImage, ecr:GetDownloadUrlForLayer, ecr:BatchCheckLayerAvailability). Empty: no repository policy."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for id in var.pull_account_ids : can(regex("^[0-9]{12}$", id))])
    error_message = "pull_account_ids must contain 12-digit AWS account IDs only."
  }
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
  nullable    = false
}
