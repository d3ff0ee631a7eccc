################################################################################
# General
################################################################################

variable "name" {
  description = "Name of the service. Used for the ECS service, the task definition family (unless `family` is set), the security group, the IAM roles and the log group."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9_-]{0,54}$", var.name))
    error_message = "name must be 1-55 characters of letters, digits, hyphens and underscores, starting with a letter or digit (it is reused in IAM role names with a suffix)."
  }
}

variable "cluster_arn" {
  description = "ARN of the ECS cluster the service runs in."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:cluster/.+$", var.cluster_arn))
    error_message = "cluster_arn must be an ECS cluster ARN (arn:aws:ecs:<region>:<account>:cluster/<name>)."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
  nullable    = false
}

################################################################################
# Task definition
################################################################################

variable "family" {
  description = "Task definition family. Defaults to `name`. The pipeline registers its revisions in this family."
  type        = string
  default     = null
}

variable "cpu" {
  description = "Task CPU units. Valid Fargate values: 256, 512, 1024, 2048, 4096, 8192, 16384."
  type        = number
  default     = 256
  nullable    = false

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.cpu)
    error_message = "cpu must be one of the Fargate values 256, 512, 1024, 2048, 4096, 8192, 16384."
  }
}

variable "memory" {
  description = "Task memory in MiB. Must be a valid Fargate combination with `cpu` (256: 512/1024/2048; 512: 1024-4096; 1024: 2048-8192; 2048: 4096-16384 in 1024 steps; 4096: 8192-30720 in 1024 steps; 8192: 16384-61440 in 4096 steps; 16384: 32768-122880 in 8192 steps)."
  type        = number
  default     = 512
  nullable    = false

  validation {
    condition = (
      var.cpu == 256 ? contains([512, 1024, 2048], var.memory) :
      var.cpu == 512 ? var.memory >= 1024 && var.memory <= 4096 && var.memory % 1024 == 0 :
      var.cpu == 1024 ? var.memory >= 2048 && var.memory <= 8192 && var.memory % 1024 == 0 :
      var.cpu == 2048 ? var.memory >= 4096 && var.memory <= 16384 && var.memory % 1024 == 0 :
      var.cpu == 4096 ? var.memory >= 8192 && var.memory <= 30720 && var.memory % 1024 == 0 :
      var.cpu == 8192 ? var.memory >= 16384 && var.memory <= 61440 && var.memory % 4096 == 0 :
      var.cpu == 16384 ? var.memory >= 32768 && var.memory <= 122880 && var.memory % 8192 == 0 :
      false
    )
    error_message = "memory is not a valid Fargate combination with cpu (256: 512/1024/2048; 512: 1024-4096; 1024: 2048-8192; 2048: 4096-16384 in 1024 steps; 4096: 8192-30720 in 1024 steps; 8192: 16384-61440 in 4096 steps; 16384: 32768-122880 in 8192 steps)."
  }
}

variable "runtime_platform" {
  description = "Runtime platform of the task: operating system family (LINUX) and CPU architecture (X86_64 or ARM64)."
  type = object({
    operating_system_family = optional(string, "LINUX")
    cpu_architecture        = optional(string, "X86_64")
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.runtime_platform.operating_system_family == "LINUX"
    error_message = "runtime_platform.operating_system_family must be LINUX."
  }

  validation {
    condition     = contains(["X86_64", "ARM64"], var.runtime_platform.cpu_architecture)
    error_message = "runtime_platform.cpu_architecture must be X86_64 or ARM64."
  }
}

variable "ephemeral_storage_size" {
  description = "Ephemeral storage of the task in GiB (21-200). null keeps the Fargate default of 20 GiB."
  type        = number
  default     = null

  validation {
    condition     = var.ephemeral_storage_size == null || try(var.ephemeral_storage_size >= 21 && var.ephemeral_storage_size <= 200, false)
    error_message = "ephemeral_storage_size must be between 21 and 200 GiB, or null."
  }
}

variable "container" {
  description = "The main container. `image` is only the INITIAL image: after the first apply the pipeline owns the image (see README). `environment` maps variable names to values; `secrets` maps variable names to Secrets Manager secret or SSM parameter ARNs (valueFrom; a Secrets Manager ARN may carry a `:json-key:version-stage:version-id` suffix). `health_check.command` is a Docker health check command starting with CMD or CMD-SHELL."
  type = object({
    name                     = string
    image                    = string
    port                     = optional(number)
    environment              = optional(map(string), {})
    secrets                  = optional(map(string), {})
    command                  = optional(list(string))
    entry_point              = optional(list(string))
    working_directory        = optional(string)
    user                     = optional(string)
    cpu                      = optional(number)
    memory                   = optional(number)
    memory_reservation       = optional(number)
    readonly_root_filesystem = optional(bool, true)
    stop_timeout             = optional(number)
    health_check = optional(object({
      command      = list(string)
      interval     = optional(number, 30)
      timeout      = optional(number, 5)
      retries      = optional(number, 3)
      start_period = optional(number, 0)
    }))
  })
  nullable = false

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9_-]{0,254}$", var.container.name))
    error_message = "container.name must be 1-255 letters, digits, hyphens or underscores."
  }

  validation {
    condition     = length(trimspace(var.container.image)) > 0
    error_message = "container.image must not be empty."
  }

  validation {
    condition     = var.container.port == null || try(var.container.port >= 1 && var.container.port <= 65535 && floor(var.container.port) == var.container.port, false)
    error_message = "container.port must be an integer between 1 and 65535, or null."
  }

  validation {
    condition     = alltrue([for arn in values(var.container.secrets) : can(regex("^arn:aws[a-z-]*:(secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+|ssm:[a-z0-9-]+:[0-9]{12}:parameter/.+)$", arn))])
    error_message = "Every value of container.secrets must be a Secrets Manager secret ARN or an SSM parameter ARN."
  }

  validation {
    condition     = var.container.health_check == null || try(contains(["CMD", "CMD-SHELL"], var.container.health_check.command[0]), false)
    error_message = "container.health_check.command must start with CMD or CMD-SHELL."
  }

  validation {
    condition = var.container.health_check == null || try(
      var.container.health_check.interval >= 5 && var.container.health_check.interval <= 300 &&
      var.container.health_check.timeout >= 2 && var.container.health_check.timeout <= 120 &&
      var.container.health_check.retries >= 1 && var.container.health_check.retries <= 10 &&
      var.container.health_check.start_period >= 0 && var.container.health_check.start_period <= 300,
      false
    )
    error_message = "container.health_check: interval must be 5-300, timeout 2-120, retries 1-10 and start_period 0-300 seconds."
  }
}

variable "sidecars" {
  description = "Optional sidecar containers keyed by container name. Their logs go to the same log group with the container name as stream prefix. `start_before_main` makes the main container wait for the sidecar (START, HEALTHY when it has a health check)."
  type = map(object({
    image                    = string
    essential                = optional(bool, false)
    port                     = optional(number)
    environment              = optional(map(string), {})
    secrets                  = optional(map(string), {})
    command                  = optional(list(string))
    entry_point              = optional(list(string))
    user                     = optional(string)
    cpu                      = optional(number)
    memory                   = optional(number)
    memory_reservation       = optional(number)
    readonly_root_filesystem = optional(bool, true)
    start_before_main        = optional(bool, false)
    health_check = optional(object({
      command      = list(string)
      interval     = optional(number, 30)
      timeout      = optional(number, 5)
      retries      = optional(number, 3)
      start_period = optional(number, 0)
    }))
  }))
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for k in keys(var.sidecars) : can(regex("^[a-zA-Z0-9][a-zA-Z0-9_-]{0,254}$", k))])
    error_message = "Every sidecars key (the container name) must be 1-255 letters, digits, hyphens or underscores."
  }

  validation {
    condition     = alltrue(flatten([for s in values(var.sidecars) : [for arn in values(s.secrets) : can(regex("^arn:aws[a-z-]*:(secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+|ssm:[a-z0-9-]+:[0-9]{12}:parameter/.+)$", arn))]]))
    error_message = "Every sidecar secrets value must be a Secrets Manager secret ARN or an SSM parameter ARN."
  }

  validation {
    condition     = alltrue([for s in values(var.sidecars) : s.health_check == null || try(contains(["CMD", "CMD-SHELL"], s.health_check.command[0]), false)])
    error_message = "Every sidecar health_check.command must start with CMD or CMD-SHELL."
  }
}

################################################################################
# IAM
################################################################################

variable "secrets_kms_key_arns" {
  description = "KMS key ARNs the execution role may use (kms:Decrypt) to read the secrets. Only needed for customer managed keys; leave empty for AWS managed keys."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.secrets_kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", arn))])
    error_message = "Every secrets_kms_key_arns entry must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "task_role_policy_json" {
  description = "Inline IAM policy (JSON) for the task role, i.e. what the application may do. null leaves the role without an inline policy."
  type        = string
  default     = null
}

variable "task_role_policy_arns" {
  description = "Managed IAM policies to attach to the task role, keyed by a stable name."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "iam_role_permissions_boundary" {
  description = "ARN of a permissions boundary for both IAM roles."
  type        = string
  default     = null
}

################################################################################
# Logs
################################################################################

variable "log_group_name" {
  description = "Name of the CloudWatch log group. Defaults to /ecs/<name>."
  type        = string
  default     = null
}

variable "log_retention_in_days" {
  description = "Retention of the log group in days. Valid values: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 (0 = never expire)."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = contains([0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be one of 0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "log_kms_key_arn" {
  description = "KMS key ARN to encrypt the log group with. null uses CloudWatch Logs' default encryption."
  type        = string
  default     = null
}

################################################################################
# Network
################################################################################

variable "vpc_id" {
  description = "VPC of the service's security group."
  type        = string
  nullable    = false
}

variable "subnet_ids" {
  description = "Private subnets for the tasks. Tasks never get a public IP."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.subnet_ids) > 0
    error_message = "subnet_ids must contain at least one subnet."
  }
}

variable "additional_security_group_ids" {
  description = "Further security groups attached to the tasks, besides the one this module creates."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "alb_security_group_id" {
  description = "Security group of the load balancer. The only ingress to the tasks: from this group on the container port. null creates no ingress rule (a worker without a load balancer)."
  type        = string
  default     = null

  validation {
    condition     = var.create_alb_ingress_rule != true || var.alb_security_group_id != null
    error_message = "create_alb_ingress_rule = true needs alb_security_group_id."
  }
}

variable "create_alb_ingress_rule" {
  description = "Create the ingress rule from alb_security_group_id. null decides from whether alb_security_group_id is set, which Terraform must then know at plan time; set true when the group is created in the same apply (a load balancer module next to this one), whose ID is unknown until then."
  type        = bool
  default     = null
}

variable "egress_rules" {
  description = "Egress rules of the service's security group, keyed by a stable name. The default allows all egress: Fargate tasks reach ECR, Secrets Manager/SSM and CloudWatch Logs through a NAT gateway or VPC endpoints, and the application usually reaches a database and other APIs. Restrict it by passing only the rules you need (one of cidr_ipv4, cidr_ipv6, prefix_list_id, referenced_security_group_id per rule). An empty map means no egress at all."
  type = map(object({
    description                  = optional(string)
    ip_protocol                  = optional(string, "tcp")
    from_port                    = optional(number)
    to_port                      = optional(number)
    cidr_ipv4                    = optional(string)
    cidr_ipv6                    = optional(string)
    prefix_list_id               = optional(string)
    referenced_security_group_id = optional(string)
  }))
  default = {
    all = {
      description = "All egress (ECR, Secrets Manager, CloudWatch Logs and dependencies)"
      ip_protocol = "-1"
      cidr_ipv4   = "0.0.0.0/0"
    }
  }
  nullable = false

  validation {
    condition     = alltrue([for r in values(var.egress_rules) : length(compact([r.cidr_ipv4, r.cidr_ipv6, r.prefix_list_id, r.referenced_security_group_id])) == 1])
    error_message = "Every egress rule must set exactly one of cidr_ipv4, cidr_ipv6, prefix_list_id, referenced_security_group_id."
  }

  validation {
    condition     = alltrue([for r in values(var.egress_rules) : r.ip_protocol == "-1" || (r.from_port != null && r.to_port != null)])
    error_message = "Every egress rule with a protocol other than -1 needs from_port and to_port."
  }
}

################################################################################
# Service
################################################################################

variable "desired_count" {
  description = "Number of tasks. With `autoscaling_enabled` it is only the initial count: application auto scaling owns it afterwards."
  type        = number
  default     = 2
  nullable    = false

  validation {
    condition     = var.desired_count >= 0 && floor(var.desired_count) == var.desired_count
    error_message = "desired_count must be a whole number >= 0."
  }
}

variable "autoscaling_enabled" {
  description = "Whether application auto scaling (e.g. the service-autoscaling module) manages desired_count. Terraform then ignores desired_count changes made by scaling."
  type        = bool
  default     = false
  nullable    = false
}

variable "capacity_provider_strategy" {
  description = "Capacity provider strategy keyed by provider (FARGATE, FARGATE_SPOT). Empty uses launch type FARGATE."
  type = map(object({
    weight = optional(number, 1)
    base   = optional(number, 0)
  }))
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for k in keys(var.capacity_provider_strategy) : contains(["FARGATE", "FARGATE_SPOT"], k)])
    error_message = "capacity_provider_strategy keys must be FARGATE or FARGATE_SPOT."
  }
}

variable "platform_version" {
  description = "Fargate platform version."
  type        = string
  default     = "LATEST"
  nullable    = false
}

variable "deployment_minimum_healthy_percent" {
  description = "Lower limit of running tasks during a deployment, as a percentage of desired_count."
  type        = number
  default     = 100
  nullable    = false

  validation {
    condition     = var.deployment_minimum_healthy_percent >= 0 && var.deployment_minimum_healthy_percent <= 100
    error_message = "deployment_minimum_healthy_percent must be between 0 and 100."
  }
}

variable "deployment_maximum_percent" {
  description = "Upper limit of running tasks during a deployment, as a percentage of desired_count."
  type        = number
  default     = 200
  nullable    = false

  validation {
    condition     = var.deployment_maximum_percent >= 100 && var.deployment_maximum_percent <= 200
    error_message = "deployment_maximum_percent must be between 100 and 200."
  }
}

variable "deployment_circuit_breaker" {
  description = "Deployment circuit breaker. On by default with rollback, so a failing deployment returns to the last good task definition."
  type = object({
    enable   = optional(bool, true)
    rollback = optional(bool, true)
  })
  default  = {}
  nullable = false
}

variable "deployment_alarms" {
  description = "CloudWatch alarms that fail a deployment while in ALARM. No alarms block is set when alarm_names is empty."
  type = object({
    alarm_names = optional(list(string), [])
    enable      = optional(bool, true)
    rollback    = optional(bool, true)
  })
  default  = {}
  nullable = false
}

variable "target_group_arn" {
  description = "ALB target group the main container is registered in (on container.port). null attaches no load balancer."
  type        = string
  default     = null

  validation {
    condition     = var.target_group_arn == null || var.container.port != null
    error_message = "target_group_arn needs container.port."
  }

  validation {
    condition     = var.target_group_arn == null || var.alb_security_group_id != null
    error_message = "target_group_arn needs alb_security_group_id (the only ingress to the tasks)."
  }
}

variable "health_check_grace_period_seconds" {
  description = "Seconds ECS ignores failing load balancer health checks after a task starts. Only used with target_group_arn."
  type        = number
  default     = 60
  nullable    = false

  validation {
    condition     = var.health_check_grace_period_seconds >= 0 && var.health_check_grace_period_seconds <= 2147483647
    error_message = "health_check_grace_period_seconds must be >= 0."
  }
}

variable "enable_execute_command" {
  description = "Enable ECS Exec. Off by default; when on, the task role gets the ssmmessages permissions it needs."
  type        = bool
  default     = false
  nullable    = false
}

variable "propagate_tags" {
  description = "Where tasks get their tags from: SERVICE, TASK_DEFINITION or NONE."
  type        = string
  default     = "SERVICE"
  nullable    = false

  validation {
    condition     = contains(["SERVICE", "TASK_DEFINITION", "NONE"], var.propagate_tags)
    error_message = "propagate_tags must be SERVICE, TASK_DEFINITION or NONE."
  }
}

variable "wait_for_steady_state" {
  description = "Whether terraform apply waits for the service to reach a steady state."
  type        = bool
  default     = false
  nullable    = false
}

################################################################################
# Deployment strategy: ROLLING, or ECS's own BLUE_GREEN, CANARY and LINEAR deployments
################################################################################

variable "deployment_strategy" {
  description = "How ECS deploys a new revision. ROLLING replaces tasks in place. BLUE_GREEN starts the new revision beside the old, moves test traffic, then all production traffic at once; CANARY moves canary.percent first and the rest after canary.bake_time_in_minutes; LINEAR moves linear.step_percent every linear.step_bake_time_in_minutes. The three traffic-shifting strategies need the alternate target group and the listener rules (the alb module's create_alternate_target_group), bake for bake_time_in_minutes with both revisions running, and roll back on the deployment alarms."
  type        = string
  default     = "ROLLING"
  nullable    = false

  validation {
    condition     = contains(["ROLLING", "BLUE_GREEN", "CANARY", "LINEAR"], var.deployment_strategy)
    error_message = "deployment_strategy must be ROLLING, BLUE_GREEN, CANARY or LINEAR."
  }
}

variable "bake_time_in_minutes" {
  description = "BLUE_GREEN, CANARY, LINEAR: minutes ECS keeps both revisions running after all production traffic moved, watching the deployment alarms, before it removes the old one (0-1440). A rollback in that time is immediate. null leaves ECS's default."
  type        = number
  default     = null

  validation {
    condition     = var.bake_time_in_minutes == null || try(var.bake_time_in_minutes >= 0 && var.bake_time_in_minutes <= 1440 && floor(var.bake_time_in_minutes) == var.bake_time_in_minutes, false)
    error_message = "bake_time_in_minutes must be a whole number from 0 to 1440, or null."
  }

  validation {
    condition     = var.bake_time_in_minutes == null || var.deployment_strategy != "ROLLING"
    error_message = "bake_time_in_minutes needs deployment_strategy BLUE_GREEN, CANARY or LINEAR."
  }
}

variable "canary" {
  description = "CANARY: the percentage of production traffic the new revision gets first (0.1-100) and how many minutes it serves it before the rest moves (0-1440)."
  type = object({
    percent              = optional(number, 10)
    bake_time_in_minutes = optional(number, 10)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.canary.percent >= 0.1 && var.canary.percent <= 100
    error_message = "canary.percent must be from 0.1 to 100."
  }

  validation {
    condition     = var.canary.bake_time_in_minutes >= 0 && var.canary.bake_time_in_minutes <= 1440 && floor(var.canary.bake_time_in_minutes) == var.canary.bake_time_in_minutes
    error_message = "canary.bake_time_in_minutes must be a whole number from 0 to 1440."
  }
}

variable "linear" {
  description = "LINEAR: the percentage of production traffic moved at each step (3-100) and the minutes between two steps (0-1440)."
  type = object({
    step_percent              = optional(number, 10)
    step_bake_time_in_minutes = optional(number, 6)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.linear.step_percent >= 3 && var.linear.step_percent <= 100
    error_message = "linear.step_percent must be from 3 to 100."
  }

  validation {
    condition     = var.linear.step_bake_time_in_minutes >= 0 && var.linear.step_bake_time_in_minutes <= 1440 && floor(var.linear.step_bake_time_in_minutes) == var.linear.step_bake_time_in_minutes
    error_message = "linear.step_bake_time_in_minutes must be a whole number from 0 to 1440."
  }
}

variable "lifecycle_hooks" {
  description = "BLUE_GREEN, CANARY, LINEAR: Lambda functions ECS invokes at lifecycle stages (keyed by a stable name); a function answering FAILED rolls the deployment back. stages: RECONCILE_SERVICE, PRE_SCALE_UP, POST_SCALE_UP, TEST_TRAFFIC_SHIFT, POST_TEST_TRAFFIC_SHIFT, PRODUCTION_TRAFFIC_SHIFT, POST_PRODUCTION_TRAFFIC_SHIFT. role_arn: the role ECS invokes them with; null creates one allowed to invoke exactly these functions. hook_details: JSON passed to every invocation."
  type = map(object({
    lambda_function_arn = string
    stages              = list(string)
    role_arn            = optional(string)
    hook_details        = optional(string)
  }))
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for h in values(var.lifecycle_hooks) : can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[a-zA-Z0-9_-]+(:[a-zA-Z0-9_$-]+)?$", h.lambda_function_arn))])
    error_message = "Every lifecycle_hooks lambda_function_arn must be a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>[:<alias>])."
  }

  validation {
    condition = alltrue([for h in values(var.lifecycle_hooks) : length(h.stages) > 0 && alltrue([
      for s in h.stages : contains(["RECONCILE_SERVICE", "PRE_SCALE_UP", "POST_SCALE_UP", "TEST_TRAFFIC_SHIFT", "POST_TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT"], s)
    ])])
    error_message = "Every lifecycle_hooks entry needs stages from RECONCILE_SERVICE, PRE_SCALE_UP, POST_SCALE_UP, TEST_TRAFFIC_SHIFT, POST_TEST_TRAFFIC_SHIFT, PRODUCTION_TRAFFIC_SHIFT, POST_PRODUCTION_TRAFFIC_SHIFT."
  }

  validation {
    condition     = alltrue([for h in values(var.lifecycle_hooks) : h.role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", h.role_arn))])
    error_message = "Every lifecycle_hooks role_arn must be an IAM role ARN, or null."
  }

  validation {
    condition     = alltrue([for h in values(var.lifecycle_hooks) : h.hook_details == null || can(jsondecode(h.hook_details))])
    error_message = "Every lifecycle_hooks hook_details must be JSON, or null."
  }

  validation {
    condition     = length(var.lifecycle_hooks) == 0 || var.deployment_strategy != "ROLLING"
    error_message = "lifecycle_hooks need deployment_strategy BLUE_GREEN, CANARY or LINEAR."
  }
}

variable "alternate_target_group_arn" {
  description = "BLUE_GREEN, CANARY, LINEAR with target_group_arn: the second target group ECS registers the new revision in (the alb module's alternate_target_group_arn)."
  type        = string
  default     = null

  validation {
    condition     = var.alternate_target_group_arn == null || can(regex("^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:targetgroup/.+$", coalesce(var.alternate_target_group_arn, "-")))
    error_message = "alternate_target_group_arn must be a target group ARN."
  }

  validation {
    condition     = var.target_group_arn == null || var.deployment_strategy == "ROLLING" || var.alternate_target_group_arn != null
    error_message = "A BLUE_GREEN, CANARY or LINEAR service behind a load balancer needs alternate_target_group_arn (the alb module's, with create_alternate_target_group = true)."
  }

  validation {
    condition     = var.alternate_target_group_arn == null || (var.deployment_strategy != "ROLLING" && var.target_group_arn != null)
    error_message = "alternate_target_group_arn needs target_group_arn and deployment_strategy BLUE_GREEN, CANARY or LINEAR (a rolling deployment shifts no traffic)."
  }
}

variable "production_listener_rule_arn" {
  description = "BLUE_GREEN, CANARY, LINEAR with target_group_arn: the listener rule whose weights ECS shifts for production traffic (the alb module's production_listener_rule_arn)."
  type        = string
  default     = null

  validation {
    condition     = var.production_listener_rule_arn == null || can(regex("^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:listener-rule/.+$", coalesce(var.production_listener_rule_arn, "-")))
    error_message = "production_listener_rule_arn must be a listener rule ARN."
  }

  validation {
    condition     = (var.alternate_target_group_arn == null) == (var.production_listener_rule_arn == null)
    error_message = "alternate_target_group_arn and production_listener_rule_arn go together."
  }
}

variable "test_listener_rule_arn" {
  description = "Optional: the listener rule test traffic takes to the new revision during TEST_TRAFFIC_SHIFT (the alb module's test_listener_rule_arn)."
  type        = string
  default     = null

  validation {
    condition     = var.test_listener_rule_arn == null || can(regex("^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:listener-rule/.+$", coalesce(var.test_listener_rule_arn, "-")))
    error_message = "test_listener_rule_arn must be a listener rule ARN."
  }

  validation {
    condition     = var.test_listener_rule_arn == null || var.production_listener_rule_arn != null
    error_message = "test_listener_rule_arn needs production_listener_rule_arn."
  }
}

variable "load_balancer_role_arn" {
  description = "The role ECS uses to move traffic between the target groups in BLUE_GREEN, CANARY and LINEAR deployments; null creates one with the AmazonECSInfrastructureRolePolicyForLoadBalancers managed policy."
  type        = string
  default     = null

  validation {
    condition     = var.load_balancer_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", coalesce(var.load_balancer_role_arn, "-")))
    error_message = "load_balancer_role_arn must be an IAM role ARN, or null."
  }
}
