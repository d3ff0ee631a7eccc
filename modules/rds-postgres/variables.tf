variable "identifier" {
  description = "DB instance identifier; also names the subnet group, security group, parameter group and final snapshot (`<identifier>-final`)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,62}$", var.identifier)) && !endswith(var.identifier, "-") && !strcontains(var.identifier, "--")
    error_message = "identifier must be 1-63 characters of lowercase letters, digits and hyphens, start with a letter, and contain neither a trailing hyphen nor two consecutive hyphens."
  }
}

variable "vpc_id" {
  description = "ID of the VPC the database security group is created in."
  type        = string
  nullable    = false
}

variable "subnet_ids" {
  description = "Private subnet IDs for the DB subnet group (at least two, in different Availability Zones)."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids must contain at least two private subnet IDs (RDS requires subnets in two Availability Zones)."
  }
}

variable "allowed_security_group_ids" {
  description = "Security groups allowed to connect on the database port, keyed by a stable name (e.g. `{ app = module.service.security_group_id }`). The only ingress the database gets: there is no CIDR ingress. Must be non-empty unless `allow_no_ingress = true`."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = length(var.allowed_security_group_ids) > 0 || var.allow_no_ingress
    error_message = "allowed_security_group_ids is empty, so nothing could reach the database: give at least one source security group, or set allow_no_ingress = true to create the database with no ingress on purpose."
  }

  validation {
    condition     = alltrue([for id in values(var.allowed_security_group_ids) : can(regex("^sg-[0-9a-f]+$", id))])
    error_message = "Every value of allowed_security_group_ids must be a security group ID (sg-...)."
  }
}

variable "allow_no_ingress" {
  description = "Explicitly allow an empty `allowed_security_group_ids` (a database nothing can reach until rules are added)."
  type        = bool
  default     = false
  nullable    = false
}

variable "engine_version" {
  description = "PostgreSQL engine version: a major version (`16`, lets RDS pick the default minor) or major.minor (`16.4`). The parameter group family is derived from the major version (`postgres16`)."
  type        = string
  default     = "17"
  nullable    = false

  validation {
    condition     = can(regex("^[1-9][0-9](\\.[0-9]+)?$", var.engine_version)) && tonumber(split(".", var.engine_version)[0]) >= 11
    error_message = "engine_version must be a PostgreSQL major version of 11 or later, optionally with a minor version: e.g. \"16\" or \"16.4\"."
  }
}

variable "instance_class" {
  description = "DB instance class, e.g. `db.t4g.medium` or `db.m7g.large`."
  type        = string
  default     = "db.t4g.medium"
  nullable    = false

  validation {
    condition     = can(regex("^db\\.[a-z0-9-]+\\.[a-z0-9]+$", var.instance_class))
    error_message = "instance_class must look like db.<family>.<size>, e.g. db.t4g.medium."
  }
}

variable "db_name" {
  description = "Name of the database created with the instance; null creates none."
  type        = string
  default     = "app"

  validation {
    condition     = var.db_name == null || can(regex("^[A-Za-z][A-Za-z0-9_]{0,62}$", var.db_name))
    error_message = "db_name must be 1-63 characters of letters, digits and underscores, starting with a letter."
  }
}

variable "master_username" {
  description = "Master user name. Its password is generated and rotated by RDS in Secrets Manager (`manage_master_user_password`); the module takes no password input."
  type        = string
  default     = "postgres"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_]{0,62}$", var.master_username)) && !contains(["rdsadmin", "rds_superuser"], lower(var.master_username))
    error_message = "master_username must be 1-63 characters of letters, digits and underscores, start with a letter, and not be a reserved RDS name (rdsadmin, rds_superuser)."
  }
}

variable "master_user_secret_kms_key_id" {
  description = "KMS key (ARN, ID or alias) for the Secrets Manager secret holding the master password; null uses the AWS managed key aws/secretsmanager."
  type        = string
  default     = null
}

variable "port" {
  description = "Port the database listens on."
  type        = number
  default     = 5432
  nullable    = false

  validation {
    condition     = var.port >= 1150 && var.port <= 65535
    error_message = "port must be between 1150 and 65535 (the range RDS allows)."
  }
}

variable "allocated_storage" {
  description = "Allocated storage in GiB."
  type        = number
  default     = 20
  nullable    = false

  validation {
    condition     = var.allocated_storage >= 20 && var.allocated_storage <= 65536
    error_message = "allocated_storage must be between 20 and 65536 GiB."
  }
}

variable "max_allocated_storage" {
  description = "Upper limit in GiB for storage autoscaling; 0 disables autoscaling."
  type        = number
  default     = 100
  nullable    = false

  validation {
    condition     = var.max_allocated_storage == 0 || var.max_allocated_storage >= var.allocated_storage
    error_message = "max_allocated_storage must be 0 (autoscaling off) or at least allocated_storage."
  }
}

variable "storage_type" {
  description = "Storage type: gp3, gp2, io1 or io2."
  type        = string
  default     = "gp3"
  nullable    = false

  validation {
    condition     = contains(["gp2", "gp3", "io1", "io2"], var.storage_type)
    error_message = "storage_type must be one of gp2, gp3, io1, io2."
  }
}

variable "iops" {
  description = "Provisioned IOPS (io1/io2, or gp3 at 400 GiB and above); null uses the default."
  type        = number
  default     = null
}

variable "storage_throughput" {
  description = "gp3 storage throughput in MiB/s (gp3 at 400 GiB and above); null uses the default."
  type        = number
  default     = null
}

variable "kms_key_id" {
  description = "KMS key ARN for storage encryption; null uses the AWS managed key aws/rds. Storage is always encrypted."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_id == null || can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_id))
    error_message = "kms_key_id must be a KMS key ARN (arn:aws:kms:...), as aws_db_instance requires an ARN."
  }
}

variable "multi_az" {
  description = "Run a standby in a second Availability Zone."
  type        = bool
  default     = false
  nullable    = false
}

variable "deletion_protection" {
  description = "Protect the instance from deletion. Set to false (and apply) before destroying."
  type        = bool
  default     = true
  nullable    = false
}

variable "backup_retention_period" {
  description = "Days automated backups are kept (1-35)."
  type        = number
  default     = 7
  nullable    = false

  validation {
    condition     = var.backup_retention_period >= 1 && var.backup_retention_period <= 35 && floor(var.backup_retention_period) == var.backup_retention_period
    error_message = "backup_retention_period must be a whole number of days between 1 and 35 (0 would disable backups)."
  }
}

variable "backup_window" {
  description = "Daily backup window in UTC, hh24:mi-hh24:mi (at least 30 minutes, not overlapping the maintenance window)."
  type        = string
  default     = "03:00-04:00"
  nullable    = false

  validation {
    condition     = can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$", var.backup_window))
    error_message = "backup_window must be hh24:mi-hh24:mi in UTC, e.g. \"03:00-04:00\"."
  }
}

variable "maintenance_window" {
  description = "Weekly maintenance window in UTC, ddd:hh24:mi-ddd:hh24:mi."
  type        = string
  default     = "sun:04:30-sun:05:30"
  nullable    = false

  validation {
    condition     = can(regex("^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]$", var.maintenance_window))
    error_message = "maintenance_window must be ddd:hh24:mi-ddd:hh24:mi in UTC with lowercase day names, e.g. \"sun:04:30-sun:05:30\"."
  }
}

variable "performance_insights_retention_period" {
  description = "Performance Insights retention in days: 7 (free tier), a multiple of 31 up to 713 (months), or 731."
  type        = number
  default     = 7
  nullable    = false

  validation {
    condition     = contains([7, 731], var.performance_insights_retention_period) || (var.performance_insights_retention_period % 31 == 0 && var.performance_insights_retention_period >= 31 && var.performance_insights_retention_period <= 713)
    error_message = "performance_insights_retention_period must be 7, a multiple of 31 from 31 to 713 (1-23 months), or 731 (2 years)."
  }
}

variable "performance_insights_kms_key_id" {
  description = "KMS key ARN for Performance Insights data; null uses the AWS managed key aws/rds."
  type        = string
  default     = null
}

variable "iam_database_authentication_enabled" {
  description = "Allow IAM database authentication (tokens instead of passwords for users granted rds_iam)."
  type        = bool
  default     = false
  nullable    = false
}

variable "parameters" {
  description = "Extra DB parameters, keyed by parameter name. `rds.force_ssl` is always 1 and cannot be overridden here."
  type = map(object({
    value        = string
    apply_method = optional(string, "immediate")
  }))
  default  = {}
  nullable = false

  validation {
    condition     = !contains(keys(var.parameters), "rds.force_ssl")
    error_message = "parameters must not set rds.force_ssl: the module always enforces TLS (rds.force_ssl = 1)."
  }

  validation {
    condition     = alltrue([for p in values(var.parameters) : contains(["immediate", "pending-reboot"], p.apply_method)])
    error_message = "Each parameter's apply_method must be \"immediate\" or \"pending-reboot\"."
  }
}

variable "ca_cert_identifier" {
  description = "Certificate authority for the server certificate, e.g. rds-ca-rsa2048-g1; null uses the RDS default."
  type        = string
  default     = null
}

variable "allow_major_version_upgrade" {
  description = "Allow changing engine_version to a new major version."
  type        = bool
  default     = false
  nullable    = false
}

variable "apply_immediately" {
  description = "Apply modifications immediately instead of in the next maintenance window."
  type        = bool
  default     = false
  nullable    = false
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
  nullable    = false
}
