################################################################################
# Environment
################################################################################

variable "environment" {
  description = "Environment this stack belongs to: dev, staging or prod. Personal environments are dev environments with their own name (see README)."
  type        = string
  nullable    = false

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be one of \"dev\", \"staging\" or \"prod\"."
  }
}

variable "name" {
  description = "Prefix of every resource name: the environment itself (\"dev\", \"staging\", \"prod\") or \"<environment>-<suffix>\" for a further stack in the same account, e.g. a personal environment \"dev-alice\". 2-24 lowercase letters, digits and single hyphens."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,22}[a-z0-9]$", var.name)) && !strcontains(var.name, "--")
    error_message = "name must be 2-24 characters of lowercase letters, digits and single hyphens, start with a letter and not end with a hyphen (e.g. \"dev\" or \"dev-alice\")."
  }

  validation {
    condition     = var.name == var.environment || startswith(var.name, "${var.environment}-")
    error_message = "name must be the environment (e.g. \"dev\") or start with \"<environment>-\" (e.g. \"dev-alice\" for a personal environment)."
  }
}

variable "region" {
  description = "AWS region of the stack."
  type        = string
  default     = "eu-west-1"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as \"eu-west-1\"."
  }
}

variable "tags" {
  description = "Extra tags for every resource (added to the provider's default tags; Environment and ManagedBy cannot be overridden)."
  type        = map(string)
  default     = {}
  nullable    = false
}

################################################################################
# Network
################################################################################

variable "vpc_cidr_block" {
  description = "IPv4 CIDR block of the VPC."
  type        = string
  default     = "10.0.0.0/16"
  nullable    = false

  validation {
    condition     = try(cidrhost(var.vpc_cidr_block, 0) == split("/", var.vpc_cidr_block)[0], false)
    error_message = "vpc_cidr_block must be an IPv4 network address such as 10.0.0.0/16."
  }
}

variable "azs" {
  description = "Availability zones to use (each gets a public and a private subnet). Empty: the first az_count available zones of the region."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = length(var.azs) == 0 || length(var.azs) >= 2
    error_message = "azs must list at least two availability zones (the load balancer and the database need two), or be empty."
  }

  validation {
    condition     = alltrue([for az in var.azs : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9][a-z]$", az))]) && length(distinct(var.azs)) == length(var.azs)
    error_message = "azs must be distinct availability zone names such as \"eu-west-1a\"."
  }
}

variable "az_count" {
  description = "Number of availability zones picked from the region when azs is empty."
  type        = number
  default     = 2
  nullable    = false

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 6 && floor(var.az_count) == var.az_count
    error_message = "az_count must be a whole number from 2 to 6."
  }
}

variable "nat_gateway_mode" {
  description = "NAT gateways: \"single\" (one, cheap; dev and personal environments) or \"one_per_az\" (one per AZ, survives an AZ outage; prod)."
  type        = string
  default     = "one_per_az"
  nullable    = false

  validation {
    condition     = contains(["single", "one_per_az"], var.nat_gateway_mode)
    error_message = "nat_gateway_mode must be \"single\" or \"one_per_az\" (the tasks need a NAT gateway to reach ECR and Secrets Manager)."
  }
}

################################################################################
# Load balancer
################################################################################

variable "certificate_arn" {
  description = "ACM certificate for HTTPS on the load balancer. null serves plain HTTP (development only)."
  type        = string
  default     = null

  validation {
    condition     = var.certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+$", coalesce(var.certificate_arn, "-")))
    error_message = "certificate_arn must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>) or null."
  }
}

variable "health_check_path" {
  description = "HTTP path the load balancer checks on every task."
  type        = string
  default     = "/healthz"
  nullable    = false

  validation {
    condition     = startswith(var.health_check_path, "/")
    error_message = "health_check_path must start with \"/\"."
  }
}

################################################################################
# Service
################################################################################

variable "service_name" {
  description = "Short name of the application; the ECS service is \"<name>-<service_name>\" and the ECR repository \"<name>/<service_name>\"."
  type        = string
  default     = "web"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,28}[a-z0-9]$", var.service_name)) && !strcontains(var.service_name, "--")
    error_message = "service_name must be 2-30 characters of lowercase letters, digits and single hyphens, start with a letter and not end with a hyphen."
  }
}

variable "image" {
  description = "INITIAL container image of the service (used for the first task definition only). Afterwards the application pipeline registers new task definitions with the images it builds; Terraform ignores them."
  type        = string
  default     = "public.ecr.aws/nginx/nginx:stable"
  nullable    = false

  validation {
    condition     = length(trimspace(var.image)) > 0 && !strcontains(var.image, " ")
    error_message = "image must be a container image reference such as \"123456789012.dkr.ecr.eu-west-1.amazonaws.com/dev/web:1.0.0\"."
  }
}

variable "container_port" {
  description = "Port the application listens on inside the container."
  type        = number
  default     = 8080
  nullable    = false

  validation {
    condition     = var.container_port >= 1 && var.container_port <= 65535 && floor(var.container_port) == var.container_port
    error_message = "container_port must be a whole number from 1 to 65535."
  }
}

variable "deployment_strategy" {
  description = "How ECS deploys a new revision of the service: ROLLING, or BLUE_GREEN, CANARY, LINEAR (the load balancer then gets an alternate target group and the listener rules ECS shifts traffic with, and ECS bakes for bake_time_in_minutes under the deployment alarms)."
  type        = string
  default     = "ROLLING"
  nullable    = false

  validation {
    condition     = contains(["ROLLING", "BLUE_GREEN", "CANARY", "LINEAR"], var.deployment_strategy)
    error_message = "deployment_strategy must be ROLLING, BLUE_GREEN, CANARY or LINEAR."
  }
}

variable "bake_time_in_minutes" {
  description = "BLUE_GREEN, CANARY, LINEAR: minutes both revisions run after all production traffic moved, under the deployment alarms (null: ECS's default)."
  type        = number
  default     = null
}

variable "canary" {
  description = "CANARY: the share of production traffic the new revision gets first, and for how many minutes."
  type = object({
    percent              = optional(number, 10)
    bake_time_in_minutes = optional(number, 10)
  })
  default  = {}
  nullable = false
}

variable "test_listener_port" {
  description = "BLUE_GREEN, CANARY, LINEAR: port of a test listener on the load balancer that reaches the new revision before production traffic does; null: none."
  type        = number
  default     = null
}

variable "service_cpu" {
  description = "Fargate task CPU units (256, 512, 1024, 2048, 4096, ...)."
  type        = number
  default     = 256
  nullable    = false

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.service_cpu)
    error_message = "service_cpu must be one of the Fargate values 256, 512, 1024, 2048, 4096, 8192, 16384."
  }
}

variable "service_memory" {
  description = "Fargate task memory in MiB (a valid combination with service_cpu, e.g. 512 with 256 CPU units)."
  type        = number
  default     = 512
  nullable    = false

  validation {
    condition     = var.service_memory >= 512 && floor(var.service_memory) == var.service_memory
    error_message = "service_memory must be a whole number of MiB, at least 512."
  }
}

variable "desired_count" {
  description = "Initial number of tasks; afterwards auto scaling owns it within min_capacity..max_capacity."
  type        = number
  default     = 2
  nullable    = false

  validation {
    condition     = var.desired_count >= 1 && floor(var.desired_count) == var.desired_count
    error_message = "desired_count must be a whole number of at least 1."
  }
}

variable "min_capacity" {
  description = "Minimum number of tasks auto scaling keeps running (also the threshold of the running-tasks alarm)."
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition     = var.min_capacity >= 1 && floor(var.min_capacity) == var.min_capacity
    error_message = "min_capacity must be a whole number of at least 1."
  }
}

variable "max_capacity" {
  description = "Maximum number of tasks auto scaling may run."
  type        = number
  default     = 4
  nullable    = false

  validation {
    condition     = floor(var.max_capacity) == var.max_capacity && var.max_capacity >= var.min_capacity && var.max_capacity >= var.desired_count
    error_message = "max_capacity must be a whole number at least min_capacity and desired_count."
  }
}

variable "cpu_target_value" {
  description = "Average CPU utilization (percent) auto scaling keeps the service at."
  type        = number
  default     = 70
  nullable    = false

  validation {
    condition     = var.cpu_target_value >= 10 && var.cpu_target_value <= 90
    error_message = "cpu_target_value must be between 10 and 90 percent."
  }
}

variable "log_retention_in_days" {
  description = "Retention of the service's log group in days (a value CloudWatch Logs accepts)."
  type        = number
  default     = 30
  nullable    = false
}

################################################################################
# Database
################################################################################

variable "db_instance_class" {
  description = "RDS instance class, e.g. db.t4g.micro (dev) or db.m7g.large (prod)."
  type        = string
  default     = "db.t4g.micro"
  nullable    = false

  validation {
    condition     = can(regex("^db\\.[a-z0-9-]+\\.[a-z0-9]+$", var.db_instance_class))
    error_message = "db_instance_class must look like db.<family>.<size>, e.g. db.t4g.micro."
  }
}

variable "db_allocated_storage" {
  description = "Initial database storage in GiB (storage autoscaling goes up to db_max_allocated_storage)."
  type        = number
  default     = 20
  nullable    = false

  validation {
    condition     = var.db_allocated_storage >= 20 && floor(var.db_allocated_storage) == var.db_allocated_storage
    error_message = "db_allocated_storage must be a whole number of GiB, at least 20."
  }
}

variable "db_max_allocated_storage" {
  description = "Upper limit of database storage autoscaling in GiB."
  type        = number
  default     = 100
  nullable    = false

  validation {
    condition     = var.db_max_allocated_storage >= var.db_allocated_storage
    error_message = "db_max_allocated_storage must be at least db_allocated_storage."
  }
}

variable "db_engine_version" {
  description = "PostgreSQL major (or major.minor) version."
  type        = string
  default     = "17"
  nullable    = false
}

variable "db_name" {
  description = "Name of the application database."
  type        = string
  default     = "app"
  nullable    = false
}

variable "db_backup_retention_period" {
  description = "Days automated database backups are kept (1-35)."
  type        = number
  default     = 7
  nullable    = false

  validation {
    condition     = var.db_backup_retention_period >= 1 && var.db_backup_retention_period <= 35 && floor(var.db_backup_retention_period) == var.db_backup_retention_period
    error_message = "db_backup_retention_period must be a whole number of days from 1 to 35."
  }
}

variable "multi_az" {
  description = "Run a standby database in a second availability zone (prod)."
  type        = bool
  default     = false
  nullable    = false
}

variable "deletion_protection" {
  description = "Protect the database and the load balancer from deletion, and keep the ECR repository from being deleted while it holds images. Turn off (and apply) before destroying an environment."
  type        = bool
  default     = true
  nullable    = false
}

################################################################################
# Monitoring
################################################################################

variable "alarm_emails" {
  description = "Email addresses notified of alarms (each confirms its subscription)."
  type        = set(string)
  default     = []
  nullable    = false
}
