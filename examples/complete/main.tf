################################################################################
# Names
#
# Names that other modules need before the resources exist are computed here from
# variables, not taken from module outputs. This breaks the cycle between the service
# (whose deployment alarms come from monitoring) and monitoring (whose ECS alarms need
# the service's name).
################################################################################

data "aws_availability_zones" "available" {
  # checkov:skip=CKV_AWS_394:Only used when no AZs are given; names are then mapped to subnets by the
  # network module's stable per-AZ index, so zone identity does not change placement.
  count = length(var.azs) == 0 ? 1 : 0

  state = "available"
}

locals {
  azs = length(var.azs) > 0 ? var.azs : slice(sort(data.aws_availability_zones.available[0].names), 0, var.az_count)

  cluster_name       = var.name
  service_name       = "${var.name}-${var.service_name}"
  db_identifier      = "${var.name}-db"
  ecr_repository     = "${var.name}/${var.service_name}"
  monitoring_prefix  = var.name
  container_name     = var.service_name
  db_secret_password = "password"
  shifting           = var.deployment_strategy != "ROLLING"

  # Everything that protects stateful resources follows deletion_protection / multi_az.
  protection = {
    db_multi_az             = var.multi_az
    db_deletion_protection  = var.deletion_protection
    alb_deletion_protection = var.deletion_protection
    ecr_force_delete        = !var.deletion_protection
  }
}

################################################################################
# Network: VPC, public and private subnets per AZ, NAT gateway(s)
################################################################################

module "network" {
  source = "../../modules/network"

  name             = var.name
  cidr_block       = var.vpc_cidr_block
  azs              = { for az in local.azs : az => {} }
  nat_gateway_mode = var.nat_gateway_mode

  # Pin the single NAT gateway so that changing the AZ list later is a deliberate choice.
  single_nat_gateway_az = var.nat_gateway_mode == "single" ? sort(local.azs)[0] : null
}

################################################################################
# Load balancer in the public subnets
################################################################################

module "alb" {
  source = "../../modules/alb"

  name                       = var.name
  vpc_id                     = module.network.vpc_id
  vpc_cidr_block             = module.network.vpc_cidr_block
  subnet_ids                 = module.network.public_subnet_ids
  certificate_arn            = var.certificate_arn
  enable_deletion_protection = local.protection.alb_deletion_protection

  target_port = var.container_port
  health_check = {
    path = var.health_check_path
  }

  # BLUE_GREEN, CANARY, LINEAR: the second target group and the rules ECS shifts traffic with.
  create_alternate_target_group = local.shifting
  test_listener_port            = local.shifting ? var.test_listener_port : null
}

################################################################################
# Container registry for the application image (the pipeline pushes to it)
################################################################################

module "ecr" {
  source = "../../modules/ecr-repository"

  name         = local.ecr_repository
  force_delete = local.protection.ecr_force_delete
}

################################################################################
# ECS cluster and service in the private subnets
################################################################################

module "ecs_cluster" {
  source = "../../modules/ecs-cluster"

  name = local.cluster_name

  # The running-tasks alarm reads Container Insights metrics.
  container_insights = "enabled"
}

locals {
  # ECS rejects a target group that is not attached to a load balancer yet. Referencing the
  # listeners makes the service wait for them; the value is the target group's ARN.
  service_target_group_arn = [
    module.alb.target_group_arn,
    module.alb.https_listener_arn,
    module.alb.http_listener_arn,
  ][0]

  service_container = {
    name  = local.container_name
    image = var.image
    port  = var.container_port
    environment = {
      APP_ENV     = var.environment
      DB_HOST     = module.rds.address
      DB_PORT     = tostring(module.rds.port)
      DB_NAME     = var.db_name
      DB_USER     = module.rds.master_username
      DB_SSL_MODE = "require"
    }
    secrets = {
      # The RDS-managed secret is JSON ({"username", "password"}); ECS extracts one key.
      DB_PASSWORD = "${module.rds.master_user_secret_arn}:${local.db_secret_password}::"
    }
  }

  # A deployment that trips one of these alarms is rolled back.
  service_deployment_alarms = {
    alarm_names = module.monitoring.deployment_alarm_names
    enable      = true
    rollback    = true
  }

  # The only source allowed to reach the database.
  db_allowed_security_group_ids = {
    service = module.ecs_service.security_group_id
  }
}

module "ecs_service" {
  source = "../../modules/ecs-service"

  name        = local.service_name
  cluster_arn = module.ecs_cluster.cluster_arn
  cpu         = var.service_cpu
  memory      = var.service_memory

  # Only the first task definition uses this image: the application pipeline owns the
  # image afterwards and the module ignores task definition changes on the service.
  container = local.service_container

  vpc_id                = module.network.vpc_id
  subnet_ids            = module.network.private_subnet_ids
  alb_security_group_id = module.alb.security_group_id
  # The load balancer's group is created in the same apply: its ID is unknown at plan time.
  create_alb_ingress_rule = true
  target_group_arn        = local.service_target_group_arn

  desired_count       = var.desired_count
  autoscaling_enabled = true

  deployment_alarms = local.service_deployment_alarms

  # ECS moves traffic between the target groups and bakes under the deployment alarms;
  # the application pipeline follows it stage by stage (ecs-deploy).
  deployment_strategy          = var.deployment_strategy
  bake_time_in_minutes         = local.shifting ? var.bake_time_in_minutes : null
  canary                       = var.canary
  alternate_target_group_arn   = module.alb.alternate_target_group_arn
  production_listener_rule_arn = module.alb.production_listener_rule_arn
  test_listener_rule_arn       = module.alb.test_listener_rule_arn

  log_retention_in_days = var.log_retention_in_days
}

module "service_autoscaling" {
  source = "../../modules/service-autoscaling"

  cluster_name     = module.ecs_cluster.cluster_name
  service_name     = module.ecs_service.service_name
  min_capacity     = var.min_capacity
  max_capacity     = var.max_capacity
  cpu_target_value = var.cpu_target_value
}

################################################################################
# PostgreSQL in the private subnets, reachable only from the service
################################################################################

module "rds" {
  source = "../../modules/rds-postgres"

  identifier = local.db_identifier
  vpc_id     = module.network.vpc_id
  subnet_ids = module.network.private_subnet_ids

  allowed_security_group_ids = local.db_allowed_security_group_ids

  engine_version          = var.db_engine_version
  instance_class          = var.db_instance_class
  allocated_storage       = var.db_allocated_storage
  max_allocated_storage   = var.db_max_allocated_storage
  db_name                 = var.db_name
  multi_az                = local.protection.db_multi_az
  deletion_protection     = local.protection.db_deletion_protection
  backup_retention_period = var.db_backup_retention_period
}

################################################################################
# Alarms (ALB, ECS, RDS), alarm topic and dashboard
################################################################################

module "monitoring" {
  source = "../../modules/monitoring"

  name_prefix         = local.monitoring_prefix
  email_subscriptions = var.alarm_emails

  alb = {
    load_balancer_arn_suffix = module.alb.alb_arn_suffix
    # With BLUE_GREEN, CANARY or LINEAR production traffic moves to the other target group
    # at every deployment: the alarms then watch the whole load balancer, and the unhealthy
    # hosts alarm (one target group's metric) is left out.
    target_group_arn_suffix = local.shifting ? null : module.alb.target_group_arn_suffix
    # Decided here, not from the suffix: the target group is created in the same apply.
    enable_unhealthy_hosts_alarm = !local.shifting
  }

  # Names from variables, not from module.ecs_service (see the top of this file).
  ecs = {
    cluster_name      = local.cluster_name
    service_name      = local.service_name
    min_running_tasks = var.min_capacity
  }

  rds = {
    instance_id = local.db_identifier
  }
}
