variable "name_prefix" {
  description = "Prefix of every name: alarms are `<name_prefix>-<alarm>`, the topic `<name_prefix>-alarms`, the dashboard `<name_prefix>`."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9-]{1,64}$", var.name_prefix))
    error_message = "name_prefix must be 1-64 characters of lowercase letters, digits and hyphens."
  }
}

variable "create_sns_topic" {
  description = "Create the alarm SNS topic. When false, alarms notify `sns_topic_arn`."
  type        = bool
  default     = true
  nullable    = false
}

variable "sns_topic_arn" {
  description = "Existing SNS topic for alarm and OK notifications; required when `create_sns_topic = false`, ignored otherwise."
  type        = string
  default     = null

  validation {
    condition     = var.create_sns_topic || (var.sns_topic_arn == null ? false : can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:.+$", var.sns_topic_arn)))
    error_message = "sns_topic_arn must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>) when create_sns_topic = false."
  }
}

variable "create_kms_key" {
  description = "Create a customer managed KMS key (rotation on) for the topic whose policy lets CloudWatch alarms publish. When false, `kms_master_key_id` is used."
  type        = bool
  default     = true
  nullable    = false
}

variable "kms_master_key_id" {
  description = "KMS key (ID, ARN or alias) encrypting the topic when `create_kms_key = false`. Its key policy must allow cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey*; the AWS managed key alias/aws/sns cannot, so it is rejected."
  type        = string
  default     = null

  validation {
    condition     = var.create_kms_key || !var.create_sns_topic || (var.kms_master_key_id == null ? false : var.kms_master_key_id != "alias/aws/sns")
    error_message = "With create_kms_key = false, kms_master_key_id must name a customer managed key whose policy allows cloudwatch.amazonaws.com; alias/aws/sns cannot be used because CloudWatch alarms cannot publish to topics encrypted with it."
  }
}

variable "kms_key_deletion_window_in_days" {
  description = "Waiting period before the created KMS key is deleted (7-30 days)."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.kms_key_deletion_window_in_days >= 7 && var.kms_key_deletion_window_in_days <= 30
    error_message = "kms_key_deletion_window_in_days must be between 7 and 30."
  }
}

variable "email_subscriptions" {
  description = "Email addresses subscribed to the topic (each must confirm the subscription by email)."
  type        = set(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for e in var.email_subscriptions : can(regex("^[^@[:space:]]+@[^@[:space:]]+\\.[^@[:space:]]+$", e))])
    error_message = "Every entry of email_subscriptions must be an email address."
  }
}

variable "alb" {
  description = <<-EOT
    Application Load Balancer alarms; null creates none. `load_balancer_arn_suffix` is the ALB's `arn_suffix` (app/<name>/<id>).
    With `target_group_arn_suffix` (targetgroup/<name>/<id>) the target 5XX and latency alarms are scoped to that
    target group and the unhealthy-hosts alarm is created. Set `enable_unhealthy_hosts_alarm` explicitly when the
    target group is created in the same apply (its suffix is unknown until then). Thresholds: 5XX counts per
    minute, latency in seconds.
  EOT
  type = object({
    load_balancer_arn_suffix     = string
    target_group_arn_suffix      = optional(string)
    enable_5xx_alarms            = optional(bool, true)
    target_5xx_threshold         = optional(number, 5)
    elb_5xx_threshold            = optional(number, 5)
    enable_latency_alarm         = optional(bool, true)
    latency_statistic            = optional(string, "p95")
    latency_threshold_seconds    = optional(number, 1)
    enable_unhealthy_hosts_alarm = optional(bool)
    unhealthy_hosts_threshold    = optional(number, 0)
  })
  default = null

  validation {
    condition     = var.alb == null ? true : (var.alb.enable_unhealthy_hosts_alarm == true ? var.alb.target_group_arn_suffix != null : true)
    error_message = "alb.enable_unhealthy_hosts_alarm = true needs alb.target_group_arn_suffix: the alarm watches a target group."
  }

  validation {
    condition     = var.alb == null ? true : can(regex("^app/[^/]+/[0-9a-f]+$", var.alb.load_balancer_arn_suffix)) && (var.alb.target_group_arn_suffix == null ? true : can(regex("^targetgroup/[^/]+/[0-9a-f]+$", var.alb.target_group_arn_suffix)))
    error_message = "alb.load_balancer_arn_suffix must look like app/<name>/<id> and alb.target_group_arn_suffix like targetgroup/<name>/<id> (the arn_suffix attributes)."
  }

  validation {
    condition     = var.alb == null ? true : can(regex("^p[0-9]{1,2}(\\.[0-9]{1,2})?$", var.alb.latency_statistic))
    error_message = "alb.latency_statistic must be a percentile extended statistic such as p95 or p99."
  }

  validation {
    condition     = var.alb == null ? true : var.alb.target_5xx_threshold >= 0 && var.alb.elb_5xx_threshold >= 0 && var.alb.latency_threshold_seconds > 0 && var.alb.unhealthy_hosts_threshold >= 0
    error_message = "alb thresholds must not be negative, and latency_threshold_seconds must be greater than 0."
  }
}

variable "ecs" {
  description = <<-EOT
    ECS service alarms; null creates none. CPU and memory thresholds are percentages. The running-tasks alarm is
    created only when `min_running_tasks` is set: it fires when Container Insights' RunningTaskCount stays below it
    (Container Insights must be enabled on the cluster). Missing data counts as breaching by default.
  EOT
  type = object({
    cluster_name                     = string
    service_name                     = string
    enable_cpu_alarm                 = optional(bool, true)
    cpu_threshold                    = optional(number, 80)
    enable_memory_alarm              = optional(bool, true)
    memory_threshold                 = optional(number, 80)
    min_running_tasks                = optional(number)
    running_tasks_treat_missing_data = optional(string, "breaching")
  })
  default = null

  validation {
    condition     = var.ecs == null ? true : var.ecs.cpu_threshold > 0 && var.ecs.cpu_threshold <= 100 && var.ecs.memory_threshold > 0 && var.ecs.memory_threshold <= 100
    error_message = "ecs.cpu_threshold and ecs.memory_threshold must be percentages between 0 (exclusive) and 100."
  }

  validation {
    condition     = var.ecs == null ? true : var.ecs.min_running_tasks == null ? true : var.ecs.min_running_tasks >= 1 && floor(var.ecs.min_running_tasks) == var.ecs.min_running_tasks
    error_message = "ecs.min_running_tasks must be a whole number of at least 1 (the alarm fires when fewer tasks run)."
  }

  validation {
    condition     = var.ecs == null ? true : contains(["breaching", "notBreaching", "ignore", "missing"], var.ecs.running_tasks_treat_missing_data)
    error_message = "ecs.running_tasks_treat_missing_data must be one of breaching, notBreaching, ignore, missing."
  }
}

variable "rds" {
  description = <<-EOT
    RDS instance alarms; null creates none. `instance_id` is the DB instance identifier. The connections alarm is created
    only when `connections_threshold` is set, because max_connections depends on the instance class.
  EOT
  type = object({
    instance_id                     = string
    enable_cpu_alarm                = optional(bool, true)
    cpu_threshold                   = optional(number, 80)
    enable_free_storage_alarm       = optional(bool, true)
    free_storage_threshold_bytes    = optional(number, 2147483648)
    connections_threshold           = optional(number)
    enable_freeable_memory_alarm    = optional(bool, true)
    freeable_memory_threshold_bytes = optional(number, 268435456)
  })
  default = null

  validation {
    condition     = var.rds == null ? true : var.rds.cpu_threshold > 0 && var.rds.cpu_threshold <= 100
    error_message = "rds.cpu_threshold must be a percentage between 0 (exclusive) and 100."
  }

  validation {
    condition     = var.rds == null ? true : var.rds.free_storage_threshold_bytes > 0 && var.rds.freeable_memory_threshold_bytes > 0 && (var.rds.connections_threshold == null ? true : var.rds.connections_threshold > 0)
    error_message = "rds.free_storage_threshold_bytes, rds.freeable_memory_threshold_bytes and rds.connections_threshold must be greater than 0."
  }
}

variable "create_dashboard" {
  description = "Create a CloudWatch dashboard with a widget per alarm metric (only when at least one alarm exists)."
  type        = bool
  default     = true
  nullable    = false
}

variable "tags" {
  description = "Tags for every taggable resource."
  type        = map(string)
  default     = {}
  nullable    = false
}
