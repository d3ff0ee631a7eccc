locals {
  engine_major_version = split(".", var.engine_version)[0]
  parameter_family     = "postgres${local.engine_major_version}"

  # rds.force_ssl is set last so it cannot be overridden by var.parameters.
  parameters = merge(
    var.parameters,
    { "rds.force_ssl" = { value = "1", apply_method = "immediate" } },
  )
}

resource "aws_db_subnet_group" "this" {
  name        = var.identifier
  description = "Subnet group for RDS PostgreSQL ${var.identifier}"
  subnet_ids  = var.subnet_ids

  tags = merge(var.tags, { Name = var.identifier })
}

resource "aws_security_group" "this" {
  name_prefix = "${var.identifier}-rds-"
  description = "RDS PostgreSQL ${var.identifier}: ingress from allowed security groups only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.identifier}-rds" })

  # Replaced (e.g. on a VPC change) while attached to the instance: create the new group first.
  lifecycle {
    create_before_destroy = true
  }
}

# One rule per allowed security group, keyed by a caller-chosen stable name so that the
# keys are known at plan time even when the group ids are not.
resource "aws_vpc_security_group_ingress_rule" "this" {
  for_each = var.allowed_security_group_ids

  security_group_id            = aws_security_group.this.id
  description                  = "PostgreSQL from ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = var.port
  to_port                      = var.port
  referenced_security_group_id = each.value

  tags = merge(var.tags, { Name = "${var.identifier}-rds-${each.key}" })
}

resource "aws_db_parameter_group" "this" {
  name_prefix = "${var.identifier}-${local.parameter_family}-"
  family      = local.parameter_family
  description = "PostgreSQL ${local.engine_major_version} parameters for ${var.identifier} (TLS enforced)"

  dynamic "parameter" {
    for_each = local.parameters

    content {
      name         = parameter.key
      value        = parameter.value.value
      apply_method = parameter.value.apply_method
    }
  }

  tags = merge(var.tags, { Name = var.identifier })

  # A major version upgrade needs a parameter group of the new family before the instance
  # switches to it.
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_db_instance" "this" {
  # checkov:skip=CKV_AWS_118:Performance Insights is on by default and covers query-level load; enhanced
  # monitoring needs its own IAM role and is left to consumers who want OS metrics.
  # checkov:skip=CKV_AWS_161:IAM database authentication is an input (iam_database_authentication_enabled);
  # the master password is managed by Secrets Manager either way.
  identifier     = var.identifier
  engine         = "postgres"
  engine_version = var.engine_version
  instance_class = var.instance_class
  db_name        = var.db_name
  port           = var.port

  username                      = var.master_username
  manage_master_user_password   = true
  master_user_secret_kms_key_id = var.master_user_secret_kms_key_id

  allocated_storage     = var.allocated_storage
  max_allocated_storage = var.max_allocated_storage
  storage_type          = var.storage_type
  iops                  = var.iops
  storage_throughput    = var.storage_throughput
  storage_encrypted     = true
  kms_key_id            = var.kms_key_id

  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.this.id]
  publicly_accessible    = false
  multi_az               = var.multi_az
  parameter_group_name   = aws_db_parameter_group.this.name
  ca_cert_identifier     = var.ca_cert_identifier

  iam_database_authentication_enabled = var.iam_database_authentication_enabled

  backup_retention_period   = var.backup_retention_period
  backup_window             = var.backup_window
  maintenance_window        = var.maintenance_window
  copy_tags_to_snapshot     = true
  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = false
  final_snapshot_identifier = "${var.identifier}-final"
  delete_automated_backups  = false

  auto_minor_version_upgrade  = true
  allow_major_version_upgrade = var.allow_major_version_upgrade
  apply_immediately           = var.apply_immediately

  performance_insights_enabled          = true
  performance_insights_retention_period = var.performance_insights_retention_period
  performance_insights_kms_key_id       = var.performance_insights_kms_key_id

  enabled_cloudwatch_logs_exports = ["postgresql", "upgrade"]

  tags = merge(var.tags, { Name = var.identifier })
}
