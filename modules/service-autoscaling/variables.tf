variable "cluster_name" {
  description = "Name of the ECS cluster of the service."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,255}$", var.cluster_name))
    error_message = "cluster_name must be a cluster name (letters, digits, hyphens, underscores), not an ARN."
  }
}

variable "service_name" {
  description = "Name of the ECS service to scale."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,255}$", var.service_name))
    error_message = "service_name must be a service name (letters, digits, hyphens, underscores), not an ARN."
  }
}

variable "name" {
  description = "Prefix of the scaling policy and alarm names. Defaults to <cluster_name>-<service_name>."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to the scalable target and the alarms."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "min_capacity" {
  description = "Minimum number of tasks."
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition     = var.min_capacity >= 0 && floor(var.min_capacity) == var.min_capacity
    error_message = "min_capacity must be a whole number >= 0."
  }
}

variable "max_capacity" {
  description = "Maximum number of tasks. Must be >= min_capacity."
  type        = number
  default     = 4
  nullable    = false

  validation {
    condition     = floor(var.max_capacity) == var.max_capacity && var.max_capacity >= var.min_capacity
    error_message = "max_capacity must be a whole number >= min_capacity."
  }
}

################################################################################
# Target tracking
################################################################################

variable "enable_cpu_target_tracking" {
  description = "Create a target tracking policy on the service's average CPU utilization."
  type        = bool
  default     = true
  nullable    = false
}

variable "cpu_target_value" {
  description = "Average CPU utilization (percent, 1-100) the CPU target tracking policy keeps the service at."
  type        = number
  default     = 70
  nullable    = false

  validation {
    condition     = var.cpu_target_value >= 1 && var.cpu_target_value <= 100
    error_message = "cpu_target_value must be between 1 and 100."
  }
}

variable "enable_memory_target_tracking" {
  description = "Create a target tracking policy on the service's average memory utilization."
  type        = bool
  default     = false
  nullable    = false
}

variable "memory_target_value" {
  description = "Average memory utilization (percent, 1-100) the memory target tracking policy keeps the service at."
  type        = number
  default     = 80
  nullable    = false

  validation {
    condition     = var.memory_target_value >= 1 && var.memory_target_value <= 100
    error_message = "memory_target_value must be between 1 and 100."
  }
}

variable "scale_in_cooldown" {
  description = "Seconds after a scale-in before another scale-in (target tracking)."
  type        = number
  default     = 300
  nullable    = false

  validation {
    condition     = var.scale_in_cooldown >= 0
    error_message = "scale_in_cooldown must be >= 0."
  }
}

variable "scale_out_cooldown" {
  description = "Seconds after a scale-out before another scale-out (target tracking)."
  type        = number
  default     = 60
  nullable    = false

  validation {
    condition     = var.scale_out_cooldown >= 0
    error_message = "scale_out_cooldown must be >= 0."
  }
}

variable "disable_scale_in" {
  description = "Whether the target tracking policies never scale in."
  type        = bool
  default     = false
  nullable    = false
}

################################################################################
# Step scaling driven by CloudWatch alarms
################################################################################

variable "enable_step_scaling" {
  description = "Create the `cpu high` / `cpu low` CloudWatch alarms and the step scaling policies they trigger."
  type        = bool
  default     = false
  nullable    = false
}

variable "step_scaling" {
  description = "Step scaling settings. The `cpu high` alarm fires when average CPU is above `high_threshold` for `evaluation_periods` periods of `period` seconds and triggers the scale-out policy; `scale_out_steps` are relative to the threshold (lower_bound 0 = at the threshold) and add `adjustment` tasks. The `cpu low` alarm fires below `low_threshold` and removes `scale_in_adjustment` tasks."
  type = object({
    high_threshold          = optional(number, 70)
    low_threshold           = optional(number, 20)
    evaluation_periods      = optional(number, 3)
    low_evaluation_periods  = optional(number, 15)
    period                  = optional(number, 60)
    scale_out_cooldown      = optional(number, 60)
    scale_in_cooldown       = optional(number, 300)
    scale_in_adjustment     = optional(number, 1)
    metric_aggregation_type = optional(string, "Average")
    scale_out_steps = optional(list(object({
      lower_bound = number
      upper_bound = optional(number)
      adjustment  = number
    })), [{ lower_bound = 0, adjustment = 1 }])
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.step_scaling.high_threshold >= 1 && var.step_scaling.high_threshold <= 100 && var.step_scaling.low_threshold >= 1 && var.step_scaling.low_threshold <= 100
    error_message = "step_scaling.high_threshold and low_threshold must be between 1 and 100."
  }

  validation {
    condition     = var.step_scaling.low_threshold < var.step_scaling.high_threshold
    error_message = "step_scaling.low_threshold must be below high_threshold."
  }

  validation {
    condition     = var.step_scaling.scale_out_cooldown >= 0 && var.step_scaling.scale_in_cooldown >= 0
    error_message = "step_scaling cooldowns must be >= 0."
  }

  validation {
    condition     = var.step_scaling.evaluation_periods >= 1 && var.step_scaling.low_evaluation_periods >= 1
    error_message = "step_scaling.evaluation_periods and low_evaluation_periods must be >= 1."
  }

  validation {
    condition     = contains([10, 30], var.step_scaling.period) || (var.step_scaling.period >= 60 && var.step_scaling.period % 60 == 0)
    error_message = "step_scaling.period must be 10, 30 or a multiple of 60 seconds."
  }

  validation {
    condition     = length(var.step_scaling.scale_out_steps) > 0 && alltrue([for s in var.step_scaling.scale_out_steps : s.adjustment >= 1 && s.lower_bound >= 0])
    error_message = "step_scaling.scale_out_steps needs at least one step; every step adds >= 1 task and has lower_bound >= 0."
  }

  validation {
    condition     = var.step_scaling.scale_in_adjustment >= 1
    error_message = "step_scaling.scale_in_adjustment is the number of tasks removed and must be >= 1."
  }

  validation {
    condition     = contains(["Average", "Minimum", "Maximum"], var.step_scaling.metric_aggregation_type)
    error_message = "step_scaling.metric_aggregation_type must be Average, Minimum or Maximum."
  }
}
