variable "name" {
  description = "Name of the load balancer (also the default target group name and the security group prefix)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z0-9]([a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?$", var.name)) && !startswith(lower(var.name), "internal-")
    error_message = "name must be 1-32 letters, digits and hyphens, must not start or end with a hyphen and must not start with \"internal-\"."
  }
}

variable "vpc_id" {
  description = "ID of the VPC of the load balancer and its targets."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must be a VPC ID such as vpc-0123456789abcdef0."
  }
}

variable "vpc_cidr_block" {
  description = "IPv4 CIDR of the VPC. The load balancer's egress is limited to it (on the target and health check ports) unless target_security_group_ids is set."
  type        = string
  nullable    = false

  validation {
    condition     = try(cidrhost(var.vpc_cidr_block, 0) == split("/", var.vpc_cidr_block)[0], false)
    error_message = "vpc_cidr_block must be an IPv4 network address such as 10.0.0.0/16."
  }
}

variable "subnet_ids" {
  description = "Subnets of the load balancer, at least two in different AZs: public subnets for an internet-facing one, private subnets when internal = true."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.subnet_ids) >= 2 && length(distinct(var.subnet_ids)) == length(var.subnet_ids)
    error_message = "subnet_ids must list at least two distinct subnets (an Application Load Balancer needs two AZs)."
  }
}

variable "internal" {
  description = "Create an internal load balancer (private IPs only) instead of an internet-facing one."
  type        = bool
  default     = false
  nullable    = false
}

variable "certificate_arn" {
  description = "ACM certificate ARN. When set, the module creates an HTTPS listener and turns the HTTP listener into a redirect to HTTPS. When null, HTTP is forwarded to the targets in plain text: for development only."
  type        = string
  default     = null

  validation {
    condition     = var.certificate_arn == null || can(regex("^arn:aws[a-z-]*:(acm|iam):[a-z0-9-]*:[0-9]{12}:(certificate|server-certificate)/.+$", coalesce(var.certificate_arn, "-")))
    error_message = "certificate_arn must be an ACM (or IAM server) certificate ARN."
  }
}

variable "ssl_policy" {
  description = "TLS security policy of the HTTPS listener. Only the ELBSecurityPolicy-TLS13-* policies (TLS 1.3, no TLS 1.0/1.1), including the FIPS and post-quantum (PQ-2025-09) variants, are accepted."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  nullable    = false

  validation {
    condition = contains([
      "ELBSecurityPolicy-TLS13-1-2-2021-06",
      "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
      "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
      "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
      "ELBSecurityPolicy-TLS13-1-3-2021-06",
      "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
      "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
      "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04",
      "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04",
      "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04",
      "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
      "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
      "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
      "ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09",
      "ELBSecurityPolicy-TLS13-1-2-Ext2-PQ-2025-09",
      "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
      "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09",
      "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
      "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-PQ-2025-09",
      "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-PQ-2025-09",
      "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-PQ-2025-09",
      "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
    ], var.ssl_policy)
    error_message = "ssl_policy must be one of the ELBSecurityPolicy-TLS13-* policies, e.g. ELBSecurityPolicy-TLS13-1-2-2021-06 (TLS 1.2 and 1.3) or ELBSecurityPolicy-TLS13-1-3-2021-06 (TLS 1.3 only)."
  }
}

variable "create_http_listener" {
  description = "Create the port 80 listener (a redirect to HTTPS when certificate_arn is set, else a plain HTTP forward). Must stay true without a certificate."
  type        = bool
  default     = true
  nullable    = false

  validation {
    condition     = var.create_http_listener || var.certificate_arn != null
    error_message = "create_http_listener = false needs certificate_arn, otherwise the load balancer has no listener."
  }
}

variable "https_ingress_cidr_blocks" {
  description = "IPv4 CIDRs allowed to reach port 443 (only used with a certificate)."
  type        = list(string)
  default     = ["0.0.0.0/0"]
  nullable    = false

  validation {
    condition     = alltrue([for c in var.https_ingress_cidr_blocks : try(cidrhost(c, 0) == split("/", c)[0], false)])
    error_message = "https_ingress_cidr_blocks must contain IPv4 network addresses such as 0.0.0.0/0 or 10.0.0.0/8."
  }
}

variable "http_ingress_cidr_blocks" {
  description = "IPv4 CIDRs allowed to reach port 80 (the HTTPS redirect, or plain HTTP without a certificate)."
  type        = list(string)
  default     = ["0.0.0.0/0"]
  nullable    = false

  validation {
    condition     = alltrue([for c in var.http_ingress_cidr_blocks : try(cidrhost(c, 0) == split("/", c)[0], false)])
    error_message = "http_ingress_cidr_blocks must contain IPv4 network addresses such as 0.0.0.0/0 or 10.0.0.0/8."
  }
}

variable "target_security_group_ids" {
  description = "Security groups of the targets, keyed by a stable name (e.g. { app = \"sg-...\" }). When set, egress is limited to these groups instead of the VPC CIDR."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for id in values(var.target_security_group_ids) : id == null ? false : can(regex("^sg-[0-9a-f]+$", id))])
    error_message = "target_security_group_ids values must be security group IDs such as sg-0123456789abcdef0."
  }
}

variable "enable_deletion_protection" {
  description = "Protect the load balancer from deletion (turn off before destroying it)."
  type        = bool
  default     = true
  nullable    = false
}

variable "desync_mitigation_mode" {
  description = "How the load balancer handles requests that might pose an HTTP desync risk: \"monitor\", \"defensive\" or \"strictest\"."
  type        = string
  default     = "defensive"
  nullable    = false

  validation {
    condition     = contains(["monitor", "defensive", "strictest"], var.desync_mitigation_mode)
    error_message = "desync_mitigation_mode must be one of \"monitor\", \"defensive\" or \"strictest\"."
  }
}

variable "idle_timeout" {
  description = "Idle connection timeout in seconds (1-4000)."
  type        = number
  default     = 60
  nullable    = false

  validation {
    condition     = var.idle_timeout >= 1 && var.idle_timeout <= 4000 && floor(var.idle_timeout) == var.idle_timeout
    error_message = "idle_timeout must be a whole number from 1 to 4000."
  }
}

variable "access_logs" {
  description = "Access logs to S3: bucket (whose policy must allow the regional ELB log delivery) and an optional key prefix; null disables them."
  type = object({
    bucket = string
    prefix = optional(string)
  })
  default = null

  validation {
    condition     = var.access_logs == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", try(var.access_logs.bucket, "")))
    error_message = "access_logs.bucket must be an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)."
  }

  validation {
    condition = var.access_logs == null || try(
      var.access_logs.prefix == null || (
        !startswith(var.access_logs.prefix, "/") &&
        !endswith(var.access_logs.prefix, "/") &&
        !strcontains(var.access_logs.prefix, "AWSLogs")
      ),
      false
    )
    error_message = "access_logs.prefix must not start or end with \"/\" and must not contain \"AWSLogs\"."
  }
}

variable "target_group_name" {
  description = "Name of the target group; null uses name."
  type        = string
  default     = null

  validation {
    condition     = var.target_group_name == null || can(regex("^[a-zA-Z0-9]([a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?$", coalesce(var.target_group_name, "-")))
    error_message = "target_group_name must be 1-32 letters, digits and hyphens and must not start or end with a hyphen."
  }
}

variable "target_port" {
  description = "Port the targets (e.g. Fargate tasks) listen on."
  type        = number
  default     = 8080
  nullable    = false

  validation {
    condition     = var.target_port >= 1 && var.target_port <= 65535 && floor(var.target_port) == var.target_port
    error_message = "target_port must be a whole number from 1 to 65535."
  }
}

variable "target_protocol" {
  description = "Protocol between the load balancer and its targets (and of the health check): \"HTTP\" or \"HTTPS\"."
  type        = string
  default     = "HTTP"
  nullable    = false

  validation {
    condition     = contains(["HTTP", "HTTPS"], var.target_protocol)
    error_message = "target_protocol must be \"HTTP\" or \"HTTPS\"."
  }
}

variable "deregistration_delay" {
  description = "Seconds the load balancer keeps draining a deregistering target (0-3600)."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.deregistration_delay >= 0 && var.deregistration_delay <= 3600 && floor(var.deregistration_delay) == var.deregistration_delay
    error_message = "deregistration_delay must be a whole number from 0 to 3600."
  }
}

variable "health_check" {
  description = "Target group health check. port is \"traffic-port\" or a port number; matcher is HTTP codes such as \"200\", \"200,204\" or \"200-299\"; timeout must be shorter than interval."
  type = object({
    path                = optional(string, "/")
    port                = optional(string, "traffic-port")
    matcher             = optional(string, "200")
    interval            = optional(number, 15)
    timeout             = optional(number, 5)
    healthy_threshold   = optional(number, 3)
    unhealthy_threshold = optional(number, 3)
  })
  default  = {}
  nullable = false

  validation {
    condition     = startswith(var.health_check.path, "/") && length(var.health_check.path) <= 1024
    error_message = "health_check.path must start with \"/\" and be at most 1024 characters."
  }

  validation {
    condition     = var.health_check.port == "traffic-port" || try(tonumber(var.health_check.port) >= 1 && tonumber(var.health_check.port) <= 65535 && floor(tonumber(var.health_check.port)) == tonumber(var.health_check.port), false)
    error_message = "health_check.port must be \"traffic-port\" or a port number from 1 to 65535."
  }

  validation {
    condition = can(regex("^[0-9]{3}(-[0-9]{3})?(,[0-9]{3}(-[0-9]{3})?)*$", var.health_check.matcher)) && alltrue([
      for code in regexall("[0-9]{3}", var.health_check.matcher) : tonumber(code) >= 200 && tonumber(code) <= 499
    ])
    error_message = "health_check.matcher must be HTTP codes from 200 to 499 such as \"200\", \"200,204\" or \"200-299\"."
  }

  validation {
    condition     = var.health_check.interval >= 5 && var.health_check.interval <= 300 && floor(var.health_check.interval) == var.health_check.interval
    error_message = "health_check.interval must be a whole number of seconds from 5 to 300."
  }

  validation {
    condition     = var.health_check.timeout >= 2 && var.health_check.timeout <= 120 && var.health_check.timeout < var.health_check.interval && floor(var.health_check.timeout) == var.health_check.timeout
    error_message = "health_check.timeout must be a whole number of seconds from 2 to 120 and shorter than health_check.interval."
  }

  validation {
    condition = alltrue([
      for t in [var.health_check.healthy_threshold, var.health_check.unhealthy_threshold] : t >= 2 && t <= 10 && floor(t) == t
    ])
    error_message = "health_check.healthy_threshold and health_check.unhealthy_threshold must be whole numbers from 2 to 10."
  }
}

variable "tags" {
  description = "Tags applied to every resource that supports them."
  type        = map(string)
  default     = {}
  nullable    = false
}

################################################################################
# Blue/green, canary and linear deployments (ECS shifts traffic between two target groups)
################################################################################

variable "create_alternate_target_group" {
  description = "Create what ECS needs to shift traffic in BLUE_GREEN, CANARY and LINEAR deployments (the ecs-service module's deployment_strategy): a second target group like the first, and a production listener rule on the serving listener (HTTPS with a certificate, else HTTP) that forwards to both with weights 100/0. ECS moves the weights during a deployment; Terraform ignores them afterwards."
  type        = bool
  default     = false
  nullable    = false
}

variable "alternate_target_group_name" {
  description = "Name of the alternate target group; null uses the target group's name with an \"-alt\" suffix (shortened to 32 characters)."
  type        = string
  default     = null

  validation {
    condition     = var.alternate_target_group_name == null || can(regex("^[a-zA-Z0-9]([a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?$", coalesce(var.alternate_target_group_name, "-")))
    error_message = "alternate_target_group_name must be 1-32 letters, digits and hyphens and must not start or end with a hyphen."
  }
}

variable "production_rule_priority" {
  description = "Priority of the production listener rule (1-50000, lower is evaluated first). It matches every path, so rules of your own that must win need a lower number."
  type        = number
  default     = 100
  nullable    = false

  validation {
    condition     = var.production_rule_priority >= 1 && var.production_rule_priority <= 50000 && floor(var.production_rule_priority) == var.production_rule_priority
    error_message = "production_rule_priority must be a whole number from 1 to 50000."
  }
}

variable "test_listener_port" {
  description = "Port of a test listener whose rule sends test traffic to the new revision before production traffic moves (TEST_TRAFFIC_SHIFT); null creates none. Needs create_alternate_target_group. HTTPS with a certificate, else HTTP."
  type        = number
  default     = null

  validation {
    condition     = var.test_listener_port == null || try(var.test_listener_port >= 1 && var.test_listener_port <= 65535 && floor(var.test_listener_port) == var.test_listener_port && !contains([80, 443], var.test_listener_port), false)
    error_message = "test_listener_port must be a whole number from 1 to 65535 other than 80 and 443, or null."
  }

  validation {
    condition     = var.test_listener_port == null || var.create_alternate_target_group
    error_message = "test_listener_port needs create_alternate_target_group = true (test traffic goes to the alternate target group)."
  }
}

variable "test_ingress_cidr_blocks" {
  description = "IPv4 CIDRs allowed to reach the test listener (testers, a VPN, the CI runners). Empty: nobody from outside the load balancer's security group."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for c in var.test_ingress_cidr_blocks : try(cidrhost(c, 0) == split("/", c)[0], false)])
    error_message = "test_ingress_cidr_blocks must contain IPv4 network addresses such as 10.0.0.0/8."
  }
}
