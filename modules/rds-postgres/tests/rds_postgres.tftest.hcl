mock_provider "aws" {}

variables {
  identifier = "orders-db"
  vpc_id     = "vpc-0123456789abcdef0"
  subnet_ids = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]
  allowed_security_group_ids = {
    app = "sg-0123456789abcdef0"
  }
  tags = {
    Environment = "test"
  }
}

run "secure_defaults" {
  command = plan

  assert {
    condition     = aws_db_instance.this.engine == "postgres" && aws_db_instance.this.engine_version == "17"
    error_message = "Engine must be postgres at the default version 17."
  }

  assert {
    condition     = aws_db_instance.this.storage_encrypted == true
    error_message = "Storage must be encrypted."
  }

  assert {
    condition     = aws_db_instance.this.manage_master_user_password == true && aws_db_instance.this.password == null
    error_message = "The master password must be managed by RDS in Secrets Manager, never passed in."
  }

  assert {
    condition     = aws_db_instance.this.publicly_accessible == false
    error_message = "The instance must not be publicly accessible."
  }

  assert {
    condition     = aws_db_instance.this.deletion_protection == true
    error_message = "Deletion protection must be on by default."
  }

  assert {
    condition     = aws_db_instance.this.skip_final_snapshot == false && aws_db_instance.this.final_snapshot_identifier == "orders-db-final"
    error_message = "A final snapshot named after the identifier must be taken on deletion."
  }

  assert {
    condition     = aws_db_instance.this.backup_retention_period == 7 && aws_db_instance.this.backup_window == "03:00-04:00"
    error_message = "Backups must be kept 7 days by default in the default window."
  }

  assert {
    condition     = aws_db_instance.this.multi_az == false
    error_message = "multi_az must default to false."
  }

  assert {
    condition     = aws_db_instance.this.performance_insights_enabled == true && aws_db_instance.this.performance_insights_retention_period == 7
    error_message = "Performance Insights must be on with 7 days retention."
  }

  assert {
    condition     = toset(aws_db_instance.this.enabled_cloudwatch_logs_exports) == toset(["postgresql", "upgrade"])
    error_message = "postgresql and upgrade logs must be exported to CloudWatch."
  }

  assert {
    condition     = aws_db_instance.this.auto_minor_version_upgrade == true && aws_db_instance.this.copy_tags_to_snapshot == true
    error_message = "Minor version upgrades and copying tags to snapshots must be on."
  }

  assert {
    condition     = aws_db_instance.this.iam_database_authentication_enabled == false
    error_message = "IAM database authentication must be off by default."
  }

  assert {
    condition     = aws_db_instance.this.db_name == "app" && aws_db_instance.this.username == "postgres" && aws_db_instance.this.port == 5432
    error_message = "Default database name, user and port must be app, postgres and 5432."
  }
}

run "parameter_group_forces_tls" {
  command = plan

  assert {
    condition     = aws_db_parameter_group.this.family == "postgres17"
    error_message = "The parameter group family must be derived from the major version."
  }

  assert {
    condition     = anytrue([for p in aws_db_parameter_group.this.parameter : p.name == "rds.force_ssl" && p.value == "1"])
    error_message = "The parameter group must set rds.force_ssl = 1."
  }

  assert {
    condition     = startswith(aws_db_parameter_group.this.name_prefix, "orders-db-postgres17-")
    error_message = "The parameter group name must start with identifier and family."
  }
}

run "family_from_minor_version_and_extra_parameters" {
  command = plan

  variables {
    engine_version = "16.4"
    parameters = {
      log_min_duration_statement = { value = "500" }
      shared_preload_libraries   = { value = "pg_stat_statements", apply_method = "pending-reboot" }
    }
  }

  assert {
    condition     = aws_db_parameter_group.this.family == "postgres16"
    error_message = "16.4 must map to the postgres16 family."
  }

  assert {
    condition     = length(aws_db_parameter_group.this.parameter) == 3
    error_message = "Extra parameters must be added beside rds.force_ssl."
  }

  assert {
    condition     = anytrue([for p in aws_db_parameter_group.this.parameter : p.name == "shared_preload_libraries" && p.apply_method == "pending-reboot"])
    error_message = "apply_method of extra parameters must be honoured."
  }
}

run "security_group_ingress_only_from_groups" {
  command = plan

  variables {
    allowed_security_group_ids = {
      app    = "sg-0123456789abcdef0"
      worker = "sg-0fedcba9876543210"
    }
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.this) == 2
    error_message = "One ingress rule per allowed security group expected."
  }

  assert {
    condition     = alltrue([for r in aws_vpc_security_group_ingress_rule.this : r.from_port == 5432 && r.to_port == 5432 && r.ip_protocol == "tcp" && r.cidr_ipv4 == null && r.cidr_ipv6 == null])
    error_message = "Ingress must be TCP 5432 with no CIDR."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.this["worker"].referenced_security_group_id == "sg-0fedcba9876543210"
    error_message = "Ingress must reference the given security group."
  }

  assert {
    condition     = aws_security_group.this.name_prefix == "orders-db-rds-" && aws_security_group.this.vpc_id == "vpc-0123456789abcdef0"
    error_message = "Security group name and VPC are wrong."
  }
}

run "no_ingress_when_explicitly_allowed" {
  command = plan

  variables {
    allowed_security_group_ids = {}
    allow_no_ingress           = true
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.this) == 0
    error_message = "No ingress rules expected."
  }
}

run "options" {
  command = plan

  variables {
    multi_az                              = true
    deletion_protection                   = false
    iam_database_authentication_enabled   = true
    backup_retention_period               = 35
    performance_insights_retention_period = 731
    kms_key_id                            = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    master_user_secret_kms_key_id         = "alias/db-secrets"
    instance_class                        = "db.m7g.large"
    port                                  = 5433
  }

  assert {
    condition     = aws_db_instance.this.multi_az && !aws_db_instance.this.deletion_protection && aws_db_instance.this.iam_database_authentication_enabled
    error_message = "Toggles must be passed through."
  }

  assert {
    condition     = aws_db_instance.this.backup_retention_period == 35 && aws_db_instance.this.performance_insights_retention_period == 731
    error_message = "Retention inputs must be passed through."
  }

  assert {
    condition     = aws_db_instance.this.kms_key_id == "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab" && aws_db_instance.this.master_user_secret_kms_key_id == "alias/db-secrets"
    error_message = "KMS keys must be passed through."
  }

  assert {
    condition     = aws_db_instance.this.instance_class == "db.m7g.large" && aws_db_instance.this.port == 5433
    error_message = "Instance class and port must be passed through."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.this["app"].from_port == 5433
    error_message = "Ingress must follow the port."
  }
}

run "tags_and_names" {
  command = plan

  assert {
    condition     = aws_db_instance.this.tags["Name"] == "orders-db" && aws_db_instance.this.tags["Environment"] == "test"
    error_message = "Instance tags must merge var.tags with Name."
  }

  assert {
    condition     = aws_db_subnet_group.this.name == "orders-db" && aws_db_subnet_group.this.tags["Environment"] == "test"
    error_message = "Subnet group name and tags are wrong."
  }

  assert {
    condition     = toset(aws_db_subnet_group.this.subnet_ids) == toset(["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"])
    error_message = "Subnet group must use the given subnets."
  }

  assert {
    condition     = aws_security_group.this.tags["Name"] == "orders-db-rds" && aws_db_parameter_group.this.tags["Environment"] == "test"
    error_message = "Security and parameter group tags are wrong."
  }

  assert {
    condition     = output.instance_id == "orders-db" && output.port == 5432 && output.db_name == "app"
    error_message = "Outputs known at plan time are wrong."
  }
}

run "invalid_identifier" {
  command = plan

  variables {
    identifier = "Orders_DB"
  }

  expect_failures = [var.identifier]
}

run "invalid_identifier_trailing_hyphen" {
  command = plan

  variables {
    identifier = "orders-"
  }

  expect_failures = [var.identifier]
}

run "invalid_subnet_ids" {
  command = plan

  variables {
    subnet_ids = ["subnet-0aaaaaaaaaaaaaaaa"]
  }

  expect_failures = [var.subnet_ids]
}

run "invalid_allowed_security_group_ids" {
  command = plan

  variables {
    allowed_security_group_ids = {}
  }

  expect_failures = [var.allowed_security_group_ids]
}

run "invalid_allowed_security_group_ids_format" {
  command = plan

  variables {
    allowed_security_group_ids = { app = "10.0.0.0/16" }
  }

  expect_failures = [var.allowed_security_group_ids]
}

run "invalid_engine_version" {
  command = plan

  variables {
    engine_version = "postgres16"
  }

  expect_failures = [var.engine_version]
}

run "invalid_engine_version_too_old" {
  command = plan

  variables {
    engine_version = "10.21"
  }

  expect_failures = [var.engine_version]
}

run "invalid_instance_class" {
  command = plan

  variables {
    instance_class = "t4g.medium"
  }

  expect_failures = [var.instance_class]
}

run "invalid_db_name" {
  command = plan

  variables {
    db_name = "1app"
  }

  expect_failures = [var.db_name]
}

run "invalid_master_username" {
  command = plan

  variables {
    master_username = "rdsadmin"
  }

  expect_failures = [var.master_username]
}

run "invalid_port" {
  command = plan

  variables {
    port = 80
  }

  expect_failures = [var.port]
}

run "invalid_allocated_storage" {
  command = plan

  variables {
    allocated_storage = 10
  }

  expect_failures = [var.allocated_storage]
}

run "invalid_max_allocated_storage" {
  command = plan

  variables {
    max_allocated_storage = 15
  }

  expect_failures = [var.max_allocated_storage]
}

run "invalid_storage_type" {
  command = plan

  variables {
    storage_type = "standard"
  }

  expect_failures = [var.storage_type]
}

run "invalid_kms_key_id" {
  command = plan

  variables {
    kms_key_id = "alias/aws/rds"
  }

  expect_failures = [var.kms_key_id]
}

run "invalid_backup_retention_period" {
  command = plan

  variables {
    backup_retention_period = 0
  }

  expect_failures = [var.backup_retention_period]
}

run "invalid_backup_retention_period_max" {
  command = plan

  variables {
    backup_retention_period = 36
  }

  expect_failures = [var.backup_retention_period]
}

run "invalid_backup_window" {
  command = plan

  variables {
    backup_window = "3am-4am"
  }

  expect_failures = [var.backup_window]
}

run "invalid_maintenance_window" {
  command = plan

  variables {
    maintenance_window = "Sun:04:30-Sun:05:30"
  }

  expect_failures = [var.maintenance_window]
}

run "invalid_performance_insights_retention_period" {
  command = plan

  variables {
    performance_insights_retention_period = 30
  }

  expect_failures = [var.performance_insights_retention_period]
}

run "invalid_parameters" {
  command = plan

  variables {
    parameters = { "rds.force_ssl" = { value = "0" } }
  }

  expect_failures = [var.parameters]
}

run "invalid_parameters_apply_method" {
  command = plan

  variables {
    parameters = { work_mem = { value = "65536", apply_method = "later" } }
  }

  expect_failures = [var.parameters]
}
