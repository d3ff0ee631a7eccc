variable "name" {
  description = "Name of the ECS cluster."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,255}$", var.name))
    error_message = "name must be 1-255 characters of letters, digits, hyphens and underscores."
  }
}

variable "container_insights" {
  description = "Container Insights mode: \"enabled\", \"enhanced\" (adds task- and container-level metrics, billed per observation) or \"disabled\"."
  type        = string
  default     = "enabled"
  nullable    = false

  validation {
    condition     = contains(["enabled", "enhanced", "disabled"], var.container_insights)
    error_message = "container_insights must be one of \"enabled\", \"enhanced\" or \"disabled\"."
  }
}

variable "execute_command_configuration" {
  description = <<-EOT
    ECS Exec settings; null leaves the AWS default (DEFAULT logging, no KMS key).
    logging: "DEFAULT" (the task definition's awslogs configuration), "NONE" or "OVERRIDE"
    (send the session output to log_configuration, which then needs a CloudWatch log group
    or an S3 bucket). kms_key_id encrypts the data channel between the client and the container.
  EOT
  type = object({
    kms_key_id = optional(string)
    logging    = optional(string, "DEFAULT")
    log_configuration = optional(object({
      cloud_watch_log_group_name     = optional(string)
      cloud_watch_encryption_enabled = optional(bool, true)
      s3_bucket_name                 = optional(string)
      s3_bucket_encryption_enabled   = optional(bool, true)
      s3_key_prefix                  = optional(string)
    }), {})
  })
  default = null

  validation {
    condition     = var.execute_command_configuration == null || contains(["DEFAULT", "NONE", "OVERRIDE"], try(var.execute_command_configuration.logging, ""))
    error_message = "execute_command_configuration.logging must be one of \"DEFAULT\", \"NONE\" or \"OVERRIDE\"."
  }

  validation {
    condition = (
      var.execute_command_configuration == null ||
      try(var.execute_command_configuration.logging, "") != "OVERRIDE" ||
      try(var.execute_command_configuration.log_configuration.cloud_watch_log_group_name, null) != null ||
      try(var.execute_command_configuration.log_configuration.s3_bucket_name, null) != null
    )
    error_message = "execute_command_configuration.logging = \"OVERRIDE\" needs log_configuration.cloud_watch_log_group_name or log_configuration.s3_bucket_name."
  }
}

variable "default_capacity_provider_strategy" {
  description = "Default capacity provider strategy for services that do not set one. base: tasks placed on that provider first (only one entry may have base > 0); weight: relative share of the remaining tasks."
  type = list(object({
    capacity_provider = string
    base              = optional(number, 0)
    weight            = optional(number, 1)
  }))
  default  = [{ capacity_provider = "FARGATE", base = 1, weight = 1 }]
  nullable = false

  validation {
    condition     = alltrue([for s in var.default_capacity_provider_strategy : contains(["FARGATE", "FARGATE_SPOT"], s.capacity_provider)])
    error_message = "default_capacity_provider_strategy[*].capacity_provider must be \"FARGATE\" or \"FARGATE_SPOT\"."
  }

  validation {
    condition     = length(distinct([for s in var.default_capacity_provider_strategy : s.capacity_provider])) == length(var.default_capacity_provider_strategy)
    error_message = "default_capacity_provider_strategy must not list a capacity provider twice."
  }

  validation {
    condition     = alltrue([for s in var.default_capacity_provider_strategy : s.weight >= 0 && s.weight <= 1000 && floor(s.weight) == s.weight])
    error_message = "default_capacity_provider_strategy[*].weight must be a whole number from 0 to 1000."
  }

  validation {
    condition     = length(var.default_capacity_provider_strategy) == 0 || anytrue([for s in var.default_capacity_provider_strategy : s.weight > 0])
    error_message = "At least one entry of default_capacity_provider_strategy must have weight > 0."
  }

  validation {
    condition     = alltrue([for s in var.default_capacity_provider_strategy : s.base >= 0 && s.base <= 100000 && floor(s.base) == s.base])
    error_message = "default_capacity_provider_strategy[*].base must be a whole number from 0 to 100000."
  }

  validation {
    condition     = length([for s in var.default_capacity_provider_strategy : s if s.base > 0]) <= 1
    error_message = "Only one entry of default_capacity_provider_strategy may have base > 0."
  }
}

variable "tags" {
  description = "Tags applied to every resource that supports them."
  type        = map(string)
  default     = {}
  nullable    = false
}
