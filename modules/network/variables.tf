variable "name" {
  description = "Name used for the VPC and as a prefix for everything in it."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$", var.name))
    error_message = "name must be 1-63 characters of letters, digits, '.', '_' and '-', starting with a letter or digit."
  }
}

variable "cidr_block" {
  description = "IPv4 CIDR block of the VPC (a /16 to /24 network address such as 10.0.0.0/16)."
  type        = string
  default     = "10.0.0.0/16"
  nullable    = false

  validation {
    condition = (
      can(cidrnetmask(var.cidr_block)) &&
      try(tonumber(split("/", var.cidr_block)[1]) >= 16 && tonumber(split("/", var.cidr_block)[1]) <= 24, false) &&
      try(cidrhost(var.cidr_block, 0) == split("/", var.cidr_block)[0], false)
    )
    error_message = "cidr_block must be an IPv4 network address with a prefix length from /16 to /24, e.g. 10.0.0.0/16 (AWS VPC limits)."
  }
}

variable "azs" {
  description = <<-EOT
    Availability zones, keyed by AZ name. Each AZ gets one public and one private subnet.
    CIDRs not given explicitly are computed with cidrsubnet() from cidr_block and a stable
    per-AZ index: `index` when set, else the AZ's trailing letter (a = 0, b = 1, ...).
      public:  cidrsubnet(cidr_block, public_subnet_newbits, index)
      private: cidrsubnet(cidr_block, private_subnet_newbits, private_subnet_netnum_offset + index)
    Example: { "eu-west-1a" = {}, "eu-west-1b" = {}, "eu-west-1c" = { public_cidr = "10.0.2.0/24" } }
  EOT
  type = map(object({
    index        = optional(number)
    public_cidr  = optional(string)
    private_cidr = optional(string)
  }))
  nullable = false

  validation {
    condition     = length(var.azs) >= 1
    error_message = "azs must contain at least one availability zone."
  }

  validation {
    condition     = alltrue([for az in keys(var.azs) : can(regex("^[a-z]{2}(-[a-z0-9]+)+$", az))])
    error_message = "azs keys must be availability zone names such as \"eu-west-1a\"."
  }

  validation {
    condition = alltrue([
      for az, cfg in var.azs : cfg.index != null || can(regex("[a-z]$", az)) || (cfg.public_cidr != null && cfg.private_cidr != null)
    ])
    error_message = "An AZ whose name does not end in a letter needs an explicit index (or both public_cidr and private_cidr)."
  }

  validation {
    condition     = alltrue([for cfg in values(var.azs) : cfg.index == null || try(cfg.index >= 0 && floor(cfg.index) == cfg.index, false)])
    error_message = "azs[*].index must be a whole number >= 0."
  }

  validation {
    condition = length(var.azs) == length(distinct([
      for az, cfg in var.azs : cfg.index != null ? cfg.index : try(index(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z"], substr(az, -1, 1)), az)
    ]))
    error_message = "Two AZs resolve to the same subnet index; set a distinct azs[*].index for each."
  }

  validation {
    condition = alltrue(flatten([
      for cfg in values(var.azs) : [
        for c in [cfg.public_cidr, cfg.private_cidr] : c == null || try(cidrhost(c, 0) == split("/", c)[0], false)
      ]
    ]))
    error_message = "azs[*].public_cidr and azs[*].private_cidr must be IPv4 network addresses such as 10.0.1.0/24."
  }

  validation {
    condition = alltrue([
      for az, cfg in var.azs : (
        (cfg.public_cidr != null || can(cidrsubnet(var.cidr_block, var.public_subnet_newbits, cfg.index != null ? cfg.index : index(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z"], substr(az, -1, 1))))) &&
        (cfg.private_cidr != null || can(cidrsubnet(var.cidr_block, var.private_subnet_newbits, var.private_subnet_netnum_offset + (cfg.index != null ? cfg.index : index(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z"], substr(az, -1, 1))))))
      )
    ])
    error_message = "A computed subnet CIDR does not fit in cidr_block: lower the AZ index or private_subnet_netnum_offset, or adjust public_subnet_newbits / private_subnet_newbits."
  }
}

variable "public_subnet_newbits" {
  description = "Bits added to the VPC prefix for computed public subnets (8 on a /16 gives /24 subnets)."
  type        = number
  default     = 8
  nullable    = false

  validation {
    condition     = var.public_subnet_newbits >= 1 && var.public_subnet_newbits <= 12 && floor(var.public_subnet_newbits) == var.public_subnet_newbits
    error_message = "public_subnet_newbits must be a whole number from 1 to 12."
  }
}

variable "private_subnet_newbits" {
  description = "Bits added to the VPC prefix for computed private subnets (4 on a /16 gives /20 subnets, room for many Fargate task ENIs)."
  type        = number
  default     = 4
  nullable    = false

  validation {
    condition     = var.private_subnet_newbits >= 1 && var.private_subnet_newbits <= 12 && floor(var.private_subnet_newbits) == var.private_subnet_newbits
    error_message = "private_subnet_newbits must be a whole number from 1 to 12."
  }
}

variable "private_subnet_netnum_offset" {
  description = "Added to the AZ index for computed private subnets. With the defaults (/24 public, /20 private on a /16) offset 1 keeps the first /20 (10.0.0.0/20) for the public /24s."
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition     = var.private_subnet_netnum_offset >= 0 && floor(var.private_subnet_netnum_offset) == var.private_subnet_netnum_offset
    error_message = "private_subnet_netnum_offset must be a whole number >= 0."
  }
}

variable "map_public_ip_on_launch" {
  description = "Give instances launched in the public subnets a public IPv4 address. Off by default: load balancers and NAT gateways do not need it."
  type        = bool
  default     = false
  nullable    = false
}

variable "nat_gateway_mode" {
  description = "NAT gateways for the private subnets: \"one_per_az\" (highly available), \"single\" (one in single_nat_gateway_az, cheaper, AZ-dependent) or \"none\" (private subnets get no internet route)."
  type        = string
  default     = "one_per_az"
  nullable    = false

  validation {
    condition     = contains(["one_per_az", "single", "none"], var.nat_gateway_mode)
    error_message = "nat_gateway_mode must be one of \"one_per_az\", \"single\" or \"none\"."
  }
}

variable "single_nat_gateway_az" {
  description = "AZ of the NAT gateway when nat_gateway_mode = \"single\"; null picks the first AZ by name. Set it explicitly so that removing that AZ later is a deliberate choice."
  type        = string
  default     = null

  validation {
    condition     = var.single_nat_gateway_az == null || contains(keys(var.azs), coalesce(var.single_nat_gateway_az, "-"))
    error_message = "single_nat_gateway_az must be one of the keys of azs."
  }
}

variable "enable_flow_log" {
  description = "Send VPC flow logs to a CloudWatch Logs log group created by the module (with its own IAM role)."
  type        = bool
  default     = true
  nullable    = false
}

variable "flow_log_traffic_type" {
  description = "Traffic captured by the flow log: \"ALL\", \"ACCEPT\" or \"REJECT\"."
  type        = string
  default     = "ALL"
  nullable    = false

  validation {
    condition     = contains(["ALL", "ACCEPT", "REJECT"], var.flow_log_traffic_type)
    error_message = "flow_log_traffic_type must be one of \"ALL\", \"ACCEPT\" or \"REJECT\"."
  }
}

variable "flow_log_max_aggregation_interval" {
  description = "Maximum interval in seconds during which a flow is captured into a record: 60 or 600."
  type        = number
  default     = 600
  nullable    = false

  validation {
    condition     = contains([60, 600], var.flow_log_max_aggregation_interval)
    error_message = "flow_log_max_aggregation_interval must be 60 or 600."
  }
}

variable "flow_log_retention_in_days" {
  description = "Retention of the flow log group in days (a value CloudWatch Logs accepts; 0 keeps logs forever)."
  type        = number
  default     = 90
  nullable    = false

  validation {
    condition     = contains([0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_retention_in_days)
    error_message = "flow_log_retention_in_days must be one of 0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "flow_log_kms_key_id" {
  description = "ARN of a KMS key to encrypt the flow log group with (its key policy must allow CloudWatch Logs); null uses CloudWatch Logs' own encryption."
  type        = string
  default     = null

  validation {
    condition     = var.flow_log_kms_key_id == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", coalesce(var.flow_log_kms_key_id, "-")))
    error_message = "flow_log_kms_key_id must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "tags" {
  description = "Tags applied to every resource that supports them."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "vpc_tags" {
  description = "Extra tags for the VPC."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "public_subnet_tags" {
  description = "Extra tags for the public subnets."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "private_subnet_tags" {
  description = "Extra tags for the private subnets."
  type        = map(string)
  default     = {}
  nullable    = false
}
