# Plan-level tests of the composed stack. terraform test cannot read tfvars files, so each
# run repeats the values of env/<env>.tfvars in its variables block.

mock_provider "aws" {
  mock_data "aws_region" {
    defaults = {
      region = "eu-west-1"
    }
  }

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_availability_zones" {
    defaults = {
      names = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{}"
    }
  }
}

# Known IDs at plan time where the test compares them across modules.
override_resource {
  target          = module.ecs_service.aws_security_group.this
  override_during = plan
  values = {
    id = "sg-0a1b2c3d4e5f60001"
  }
}

override_resource {
  target          = module.rds.aws_security_group.this
  override_during = plan
  values = {
    id = "sg-0a1b2c3d4e5f60003"
  }
}

override_resource {
  target          = module.alb.aws_lb_target_group.alternate
  override_during = plan
  values = {
    arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/prod-alt/0123456789abcdef"
  }
}

override_resource {
  target          = module.alb.aws_lb_listener_rule.production
  override_during = plan
  values = {
    arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/prod/0123456789abcdef/0123456789abcdef/1111111111111111"
  }
}

override_resource {
  target          = module.ecs_service.aws_iam_role.load_balancer
  override_during = plan
  values = {
    arn = "arn:aws:iam::123456789012:role/prod-web-lb-0001"
  }
}

override_resource {
  target          = module.alb.aws_security_group.this
  override_during = plan
  values = {
    id = "sg-0a1b2c3d4e5f60002"
  }
}


variables {
  environment = "dev"
  name        = "dev"
  region      = "eu-west-1"
}

run "dev_plan" {
  command = plan

  # Mirrors env/dev.tfvars.
  variables {
    environment          = "dev"
    name                 = "dev"
    azs                  = ["eu-west-1a", "eu-west-1b"]
    nat_gateway_mode     = "single"
    service_cpu          = 256
    service_memory       = 512
    desired_count        = 1
    min_capacity         = 1
    max_capacity         = 2
    db_instance_class    = "db.t4g.micro"
    db_allocated_storage = 20
    multi_az             = false
    deletion_protection  = false
  }

  assert {
    condition     = length(module.network.nat_gateway_ids) == 1
    error_message = "dev must have exactly one NAT gateway."
  }

  assert {
    condition     = keys(module.network.nat_gateway_ids) == ["eu-west-1a"]
    error_message = "The single NAT gateway must live in the first AZ."
  }

  assert {
    condition     = local.protection.db_multi_az == false
    error_message = "dev must not run a Multi-AZ database."
  }

  assert {
    condition     = local.protection.db_deletion_protection == false
    error_message = "dev must not protect the database from deletion."
  }

  assert {
    condition     = local.protection.alb_deletion_protection == false
    error_message = "dev must not protect the load balancer from deletion."
  }

  assert {
    condition     = local.protection.ecr_force_delete == true
    error_message = "dev's ECR repository must be deletable with images in it."
  }

  assert {
    condition     = var.db_instance_class == "db.t4g.micro" && module.rds.instance_id == "dev-db"
    error_message = "dev must use the small database instance class and its own identifier."
  }

  assert {
    condition     = module.ecs_cluster.cluster_name == "dev" && module.ecs_service.service_name == "dev-web"
    error_message = "Cluster and service names must be derived from name."
  }

  assert {
    condition     = output.cluster_name == "dev" && output.service_name == "dev-web"
    error_message = "The stack must output the cluster and service names for ecs-deploy."
  }
}

run "prod_plan" {
  command = plan

  # Mirrors env/prod.tfvars.
  variables {
    environment          = "prod"
    name                 = "prod"
    azs                  = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    nat_gateway_mode     = "one_per_az"
    service_cpu          = 1024
    service_memory       = 2048
    desired_count        = 3
    min_capacity         = 3
    max_capacity         = 12
    db_instance_class    = "db.m7g.large"
    db_allocated_storage = 100
    multi_az             = true
    deletion_protection  = true
    deployment_strategy  = "CANARY"
    canary               = { percent = 10, bake_time_in_minutes = 5 }
    bake_time_in_minutes = 10
  }

  assert {
    condition     = module.ecs_service.deployment_strategy == "CANARY" && output.deployment_strategy == "CANARY"
    error_message = "prod must deploy as a canary."
  }

  assert {
    condition     = module.alb.alternate_target_group_arn == "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/prod-alt/0123456789abcdef" && endswith(module.alb.production_listener_rule_arn, "/1111111111111111") && module.ecs_service.load_balancer_role_arn == "arn:aws:iam::123456789012:role/prod-web-lb-0001"
    error_message = "prod's load balancer needs the alternate target group and the production rule ECS shifts, and ECS a role to shift them with."
  }

  assert {
    condition     = !contains(output.alarm_names, "prod-alb-unhealthy-hosts")
    error_message = "With traffic moving between two target groups, no single-target-group alarm."
  }

  assert {
    condition     = length(module.network.nat_gateway_ids) == 3
    error_message = "prod must have one NAT gateway per AZ."
  }

  assert {
    condition     = toset(keys(module.network.nat_gateway_ids)) == toset(["eu-west-1a", "eu-west-1b", "eu-west-1c"])
    error_message = "prod's NAT gateways must cover every AZ."
  }

  assert {
    condition     = length(module.network.private_subnet_ids) == 3 && length(module.network.public_subnet_ids) == 3
    error_message = "prod must have a public and a private subnet in each of its three AZs."
  }

  assert {
    condition     = local.protection.db_multi_az == true
    error_message = "prod must run a Multi-AZ database."
  }

  assert {
    condition     = local.protection.db_deletion_protection == true
    error_message = "prod must protect the database from deletion."
  }

  assert {
    condition     = local.protection.alb_deletion_protection == true
    error_message = "prod must protect the load balancer from deletion."
  }

  assert {
    condition     = local.protection.ecr_force_delete == false
    error_message = "prod's ECR repository must not be deletable while it holds images."
  }

  assert {
    condition     = module.service_autoscaling.min_capacity == 3 && module.service_autoscaling.max_capacity == 12
    error_message = "prod's auto scaling range must come from min_capacity/max_capacity."
  }

  assert {
    condition     = module.ecs_service.task_definition_family == "prod-web" && contains(output.alarm_names, "prod-rds-cpu-high")
    error_message = "prod's task definition family and alarm names must follow the naming scheme."
  }
}

run "dev_deploys_rolling" {
  command = plan

  variables {
    environment = "dev"
    name        = "dev"
  }

  assert {
    condition     = output.deployment_strategy == "ROLLING" && module.alb.alternate_target_group_arn == null
    error_message = "dev deploys rolling, with a single target group."
  }

  assert {
    condition     = contains(output.alarm_names, "dev-alb-unhealthy-hosts")
    error_message = "A rolling service keeps its target group's unhealthy hosts alarm."
  }
}

run "db_reachable_only_from_service" {
  command = plan

  assert {
    condition     = length(local.db_allowed_security_group_ids) == 1
    error_message = "The database must allow exactly one source security group."
  }

  assert {
    condition = alltrue([
      for id in values(local.db_allowed_security_group_ids) : id == module.ecs_service.security_group_id
    ])
    error_message = "The service's security group must be the only source allowed to reach the database."
  }

  assert {
    condition     = module.ecs_service.security_group_id == "sg-0a1b2c3d4e5f60001"
    error_message = "The ingress source must be the service's own security group."
  }

  assert {
    condition     = module.rds.security_group_id != module.ecs_service.security_group_id && module.alb.security_group_id != module.ecs_service.security_group_id
    error_message = "The database, the load balancer and the service must have security groups of their own."
  }

}

run "service_uses_monitoring_deployment_alarms" {
  command = plan

  assert {
    condition     = length(module.monitoring.deployment_alarm_names) > 0
    error_message = "monitoring must provide deployment alarms."
  }

  assert {
    condition = length(setsubtract(
      module.monitoring.deployment_alarm_names,
      local.service_deployment_alarms.alarm_names,
    )) == 0
    error_message = "The service's deployment alarms must include every deployment alarm of the monitoring module."
  }

  assert {
    condition     = contains(module.monitoring.deployment_alarm_names, "dev-ecs-running-tasks-low") && contains(module.monitoring.deployment_alarm_names, "dev-alb-target-5xx")
    error_message = "The deployment alarms must cover the ALB and the running tasks."
  }

  assert {
    condition     = alltrue([for n in ["dev-ecs-cpu-high", "dev-rds-cpu-high", "dev-rds-free-storage-low"] : contains(output.alarm_names, n)])
    error_message = "The stack must output ECS and RDS alarm names for cw-alarms-check."
  }

  assert {
    condition     = local.service_deployment_alarms.rollback == true && local.service_deployment_alarms.enable == true
    error_message = "A deployment alarm must roll the deployment back."
  }
}

run "service_gets_db_secret" {
  command = plan

  # The secret ARN is unknown until RDS creates it; here it is given so the wiring can be read.
  override_resource {
    target          = module.rds.aws_db_instance.this
    override_during = plan
    values = {
      address  = "dev-db.abcdefghijkl.eu-west-1.rds.amazonaws.com"
      port     = 5432
      username = "postgres"
      master_user_secret = [{
        secret_arn    = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0123-AbCdEf"
        secret_status = "active"
        kms_key_id    = null
      }]
    }
  }

  assert {
    condition = anytrue([
      for name, arn in local.service_container.secrets :
      name == "DB_PASSWORD" && arn == "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0123-AbCdEf:password::"
    ])
    error_message = "The service must receive the RDS master user secret as a container secret."
  }

  assert {
    condition     = output.db_master_user_secret_arn == "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0123-AbCdEf"
    error_message = "The secret ARN must come from the rds module."
  }
}

run "personal_environment" {
  command = plan

  # Mirrors env/personal.tfvars.example.
  variables {
    environment         = "dev"
    name                = "dev-alice"
    nat_gateway_mode    = "single"
    desired_count       = 1
    min_capacity        = 1
    max_capacity        = 1
    multi_az            = false
    deletion_protection = false
  }

  assert {
    condition     = module.ecs_service.service_name == "dev-alice-web" && module.ecs_cluster.cluster_name == "dev-alice"
    error_message = "A personal environment's names must start with its own name."
  }

  assert {
    condition     = module.rds.instance_id == "dev-alice-db" && module.ecr.repository_name == "dev-alice/web"
    error_message = "A personal environment must get its own database."
  }

  assert {
    condition     = length(module.network.nat_gateway_ids) == 1
    error_message = "A personal environment must use a single NAT gateway."
  }

  assert {
    condition     = join(",", module.network.azs) == "eu-west-1a,eu-west-1b"
    error_message = "Without azs the first az_count available zones must be used."
  }
}

run "rejects_unknown_environment" {
  command = plan

  variables {
    environment = "production"
    name        = "production"
  }

  expect_failures = [var.environment]
}

run "rejects_bad_name" {
  command = plan

  variables {
    name = "Dev_Alice"
  }

  expect_failures = [var.name]
}

run "rejects_name_of_another_environment" {
  command = plan

  variables {
    environment = "prod"
    name        = "dev-alice"
  }

  expect_failures = [var.name]
}

run "rejects_bad_nat_mode" {
  command = plan

  variables {
    nat_gateway_mode = "none"
  }

  expect_failures = [var.nat_gateway_mode]
}
