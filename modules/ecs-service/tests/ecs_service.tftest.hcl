mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

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

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  mock_resource "aws_iam_role" {
    override_during = plan
    defaults = {
      arn = "arn:aws:iam::123456789012:role/web"
    }
  }

  mock_resource "aws_ecs_task_definition" {
    override_during = plan
    defaults = {
      arn      = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1"
      revision = 1
    }
  }

  mock_resource "aws_ecs_service" {
    override_during = plan
    defaults = {
      arn = "arn:aws:ecs:eu-west-1:123456789012:service/app-prod/web"
      id  = "arn:aws:ecs:eu-west-1:123456789012:service/app-prod/web"
    }
  }
}

variables {
  name        = "web"
  cluster_arn = "arn:aws:ecs:eu-west-1:123456789012:cluster/app-prod"
  vpc_id      = "vpc-0123456789abcdef0"
  subnet_ids  = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]
  container = {
    name  = "web"
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:initial"
    port  = 8080
    environment = {
      LOG_LEVEL = "info"
    }
    secrets = {
      DATABASE_URL = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/db-AbCdEf:url::"
      API_TOKEN    = "arn:aws:ssm:eu-west-1:123456789012:parameter/web/api-token"
    }
    health_check = {
      command = ["CMD-SHELL", "curl -fsS http://localhost:8080/health || exit 1"]
    }
  }
  target_group_arn      = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/0123456789abcdef"
  alb_security_group_id = "sg-0alb0000000000000"
  tags = {
    Environment = "prod"
  }
}

################################################################################
# Defaults and secure defaults
################################################################################

run "defaults" {
  command = plan

  assert {
    condition     = length(aws_ecs_service.this) == 1 && length(aws_ecs_service.autoscaled) == 0
    error_message = "Without autoscaling exactly the non-autoscaled service variant must be planned."
  }

  assert {
    condition     = aws_ecs_service.this[0].name == "web" && aws_ecs_service.this[0].desired_count == 2
    error_message = "Service name or desired_count wrong."
  }

  assert {
    condition     = aws_ecs_service.this[0].launch_type == "FARGATE"
    error_message = "Launch type must be FARGATE without a capacity provider strategy."
  }

  assert {
    condition     = aws_ecs_service.this[0].network_configuration[0].assign_public_ip == false
    error_message = "Tasks must never get a public IP."
  }

  assert {
    condition     = toset(aws_ecs_service.this[0].network_configuration[0].subnets) == toset(["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"])
    error_message = "Service must run in the given subnets."
  }

  assert {
    condition     = aws_ecs_service.this[0].deployment_circuit_breaker[0].enable && aws_ecs_service.this[0].deployment_circuit_breaker[0].rollback
    error_message = "Deployment circuit breaker with rollback must be on by default."
  }

  assert {
    condition     = aws_ecs_service.this[0].deployment_controller[0].type == "ECS"
    error_message = "Deployment controller must be ECS."
  }

  assert {
    condition     = aws_ecs_service.this[0].enable_execute_command == false
    error_message = "ECS Exec must be off by default."
  }

  assert {
    condition     = length(aws_iam_role_policy.execute_command) == 0
    error_message = "No ECS Exec permissions without enable_execute_command."
  }

  assert {
    condition     = aws_ecs_service.this[0].propagate_tags == "SERVICE"
    error_message = "Tags must propagate from the service by default."
  }

  assert {
    condition     = length(aws_ecs_service.this[0].alarms) == 0
    error_message = "No alarms block without alarm names."
  }

  assert {
    condition     = aws_ecs_service.this[0].deployment_minimum_healthy_percent == 100 && aws_ecs_service.this[0].deployment_maximum_percent == 200
    error_message = "Default min/max healthy percent must be 100/200."
  }

  assert {
    condition     = one(aws_ecs_service.this[0].load_balancer).target_group_arn == var.target_group_arn && one(aws_ecs_service.this[0].load_balancer).container_name == "web" && one(aws_ecs_service.this[0].load_balancer).container_port == 8080
    error_message = "Load balancer must attach the main container's port to the target group."
  }

  assert {
    condition     = aws_ecs_service.this[0].health_check_grace_period_seconds == 60
    error_message = "Health check grace period must be set with a load balancer."
  }

  assert {
    condition     = aws_ecs_service.this[0].tags == tomap({ Environment = "prod", Name = "web" })
    error_message = "Service tags must merge var.tags with Name."
  }

  assert {
    condition     = output.service_name == "web" && output.service_arn == "arn:aws:ecs:eu-west-1:123456789012:service/app-prod/web"
    error_message = "Service outputs must come from the non-autoscaled variant."
  }

  assert {
    condition     = output.task_definition_family == "web"
    error_message = "Family must default to name."
  }
}

run "task_definition" {
  command = plan

  assert {
    condition     = aws_ecs_task_definition.this.cpu == "256" && aws_ecs_task_definition.this.memory == "512"
    error_message = "Default task size must be 256 CPU / 512 MiB."
  }

  assert {
    condition     = aws_ecs_task_definition.this.network_mode == "awsvpc" && aws_ecs_task_definition.this.requires_compatibilities == toset(["FARGATE"])
    error_message = "Task definition must be a Fargate awsvpc one."
  }

  assert {
    condition     = aws_ecs_task_definition.this.runtime_platform[0].operating_system_family == "LINUX" && aws_ecs_task_definition.this.runtime_platform[0].cpu_architecture == "X86_64"
    error_message = "Runtime platform must default to LINUX/X86_64."
  }

  assert {
    condition     = length(jsondecode(aws_ecs_task_definition.this.container_definitions)) == 1
    error_message = "Only the main container without sidecars."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].image == "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:initial"
    error_message = "Main container must use the initial image."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].essential == true && jsondecode(aws_ecs_task_definition.this.container_definitions)[0].readonlyRootFilesystem == true
    error_message = "Main container must be essential with a read-only root filesystem by default."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].portMappings[0].containerPort == 8080
    error_message = "Main container must map the container port."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment == [{ name = "LOG_LEVEL", value = "info" }]
    error_message = "Environment map must render as name/value pairs."
  }

  assert {
    condition = toset(jsondecode(aws_ecs_task_definition.this.container_definitions)[0].secrets) == toset([
      { name = "API_TOKEN", valueFrom = "arn:aws:ssm:eu-west-1:123456789012:parameter/web/api-token" },
      { name = "DATABASE_URL", valueFrom = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/db-AbCdEf:url::" },
    ])
    error_message = "Secrets map must render as name/valueFrom pairs."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].healthCheck.command[0] == "CMD-SHELL" && jsondecode(aws_ecs_task_definition.this.container_definitions)[0].healthCheck.interval == 30
    error_message = "Health check must render with defaults."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].logConfiguration.options["awslogs-group"] == "/ecs/web" && jsondecode(aws_ecs_task_definition.this.container_definitions)[0].logConfiguration.options["awslogs-region"] == "eu-west-1"
    error_message = "Logs must go to the module's log group."
  }

  assert {
    condition     = !can(jsondecode(aws_ecs_task_definition.this.container_definitions)[0].command) && !can(jsondecode(aws_ecs_task_definition.this.container_definitions)[0].dependsOn)
    error_message = "Unset attributes must be left out of the container definition."
  }

  assert {
    condition     = aws_ecs_task_definition.this.skip_destroy == true
    error_message = "Old revisions must stay registered."
  }
}

run "iam_least_privilege" {
  command = plan

  assert {
    condition     = aws_iam_role_policy_attachment.execution.policy_arn == "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
    error_message = "Execution role must get AmazonECSTaskExecutionRolePolicy."
  }

  assert {
    condition     = length(aws_iam_role_policy.execution) == 1
    error_message = "Execution role needs the secrets policy when secrets are given."
  }

  assert {
    condition = [for s in data.aws_iam_policy_document.execution.statement : s.resources if s.sid == "ReadSecrets"][0] == toset([
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/db-AbCdEf",
    ])
    error_message = "GetSecretValue must be limited to the secret ARN (JSON key suffix stripped)."
  }

  assert {
    condition = [for s in data.aws_iam_policy_document.execution.statement : s.resources if s.sid == "ReadParameters"][0] == toset([
      "arn:aws:ssm:eu-west-1:123456789012:parameter/web/api-token",
    ])
    error_message = "ssm:GetParameters must be limited to the parameter ARN."
  }

  assert {
    condition     = length([for s in data.aws_iam_policy_document.execution.statement : s if s.sid == "DecryptSecrets"]) == 0
    error_message = "No kms:Decrypt without secrets_kms_key_arns."
  }

  assert {
    condition     = length(aws_iam_role_policy.task) == 0 && length(aws_iam_role_policy_attachment.task) == 0
    error_message = "Task role must be empty by default."
  }

  assert {
    condition     = toset(flatten([for s in data.aws_iam_policy_document.task_assume.statement : [for c in s.condition : c.variable]])) == toset(["aws:SourceAccount", "aws:SourceArn"])
    error_message = "Task role trust must be limited to this account's ECS tasks."
  }
}

run "kms_and_task_policies" {
  command = plan

  variables {
    secrets_kms_key_arns  = ["arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"]
    task_role_policy_json = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::bucket/*\"}]}"
    task_role_policy_arns = {
      xray = "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"
    }
    enable_execute_command = true
  }

  assert {
    condition     = [for s in data.aws_iam_policy_document.execution.statement : s.resources if s.sid == "DecryptSecrets"][0] == toset(var.secrets_kms_key_arns)
    error_message = "kms:Decrypt must be limited to the given keys."
  }

  assert {
    condition     = length(aws_iam_role_policy.task) == 1 && aws_iam_role_policy_attachment.task["xray"].policy_arn == "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"
    error_message = "Task role policies must be attached."
  }

  assert {
    condition     = aws_ecs_service.this[0].enable_execute_command && length(aws_iam_role_policy.execute_command) == 1
    error_message = "ECS Exec must be enabled with its task role permissions."
  }
}

run "no_secrets_no_execution_policy" {
  command = plan

  variables {
    container = {
      name  = "worker"
      image = "public.ecr.aws/docker/library/busybox:latest"
    }
    target_group_arn      = null
    alb_security_group_id = null
  }

  assert {
    condition     = length(aws_iam_role_policy.execution) == 0
    error_message = "No inline execution policy without secrets or keys."
  }

  assert {
    condition     = length(aws_ecs_service.this[0].load_balancer) == 0 && aws_ecs_service.this[0].health_check_grace_period_seconds == null
    error_message = "No load balancer without target group."
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.alb) == 0
    error_message = "No ingress at all without a load balancer."
  }

  assert {
    condition     = !can(jsondecode(aws_ecs_task_definition.this.container_definitions)[0].portMappings)
    error_message = "No port mappings without a port."
  }
}

run "security_group" {
  command = plan

  assert {
    condition     = aws_security_group.this.vpc_id == "vpc-0123456789abcdef0" && aws_security_group.this.tags["Name"] == "web"
    error_message = "Security group must be in the VPC and named."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.alb[0].referenced_security_group_id == "sg-0alb0000000000000" && aws_vpc_security_group_ingress_rule.alb[0].cidr_ipv4 == null && aws_vpc_security_group_ingress_rule.alb[0].cidr_ipv6 == null
    error_message = "Ingress must come only from the ALB security group, never from a CIDR."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.alb[0].from_port == 8080 && aws_vpc_security_group_ingress_rule.alb[0].to_port == 8080 && aws_vpc_security_group_ingress_rule.alb[0].ip_protocol == "tcp"
    error_message = "Ingress must be on the container port only."
  }

  assert {
    condition     = keys(aws_vpc_security_group_egress_rule.this) == ["all"] && aws_vpc_security_group_egress_rule.this["all"].ip_protocol == "-1"
    error_message = "Default egress must be all."
  }
}

run "restricted_egress" {
  command = plan

  variables {
    egress_rules = {
      https = {
        description = "HTTPS to VPC endpoints and the internet"
        from_port   = 443
        to_port     = 443
        cidr_ipv4   = "0.0.0.0/0"
      }
      postgres = {
        from_port                    = 5432
        to_port                      = 5432
        referenced_security_group_id = "sg-0db00000000000000"
      }
    }
  }

  assert {
    condition     = toset(keys(aws_vpc_security_group_egress_rule.this)) == toset(["https", "postgres"])
    error_message = "Egress rules must follow the input map."
  }

  assert {
    condition     = aws_vpc_security_group_egress_rule.this["postgres"].from_port == 5432 && aws_vpc_security_group_egress_rule.this["postgres"].referenced_security_group_id == "sg-0db00000000000000"
    error_message = "Egress to a security group must be rendered."
  }
}

run "log_group" {
  command = plan

  variables {
    log_retention_in_days = 90
    log_kms_key_arn       = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.name == "/ecs/web" && aws_cloudwatch_log_group.this.retention_in_days == 90
    error_message = "Log group name or retention wrong."
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.kms_key_id == var.log_kms_key_arn
    error_message = "Log group must use the given KMS key."
  }

  assert {
    condition     = output.log_group_name == "/ecs/web"
    error_message = "log_group_name output wrong."
  }
}

run "autoscaled_variant" {
  command = plan

  variables {
    autoscaling_enabled = true
    desired_count       = 3
  }

  assert {
    condition     = length(aws_ecs_service.this) == 0 && length(aws_ecs_service.autoscaled) == 1
    error_message = "With autoscaling exactly the autoscaled service variant must be planned."
  }

  assert {
    condition     = aws_ecs_service.autoscaled[0].desired_count == 3 && aws_ecs_service.autoscaled[0].network_configuration[0].assign_public_ip == false
    error_message = "Autoscaled variant must carry the same settings."
  }

  assert {
    condition     = aws_ecs_service.autoscaled[0].deployment_circuit_breaker[0].rollback && one(aws_ecs_service.autoscaled[0].load_balancer).container_port == 8080
    error_message = "Autoscaled variant must carry the circuit breaker and the load balancer."
  }

  assert {
    condition     = output.service_name == "web" && output.service_arn == "arn:aws:ecs:eu-west-1:123456789012:service/app-prod/web" && output.autoscaling_enabled
    error_message = "Service outputs must work for the autoscaled variant."
  }
}

run "sidecars_and_options" {
  command = plan

  variables {
    family           = "web-prod"
    cpu              = 1024
    memory           = 4096
    runtime_platform = { cpu_architecture = "ARM64" }
    sidecars = {
      otel = {
        image             = "public.ecr.aws/aws-observability/aws-otel-collector:latest"
        start_before_main = true
        secrets = {
          OTEL_TOKEN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:otel-XyZ123"
        }
        health_check = {
          command = ["CMD", "/healthcheck"]
        }
      }
    }
    capacity_provider_strategy = {
      FARGATE      = { weight = 1, base = 1 }
      FARGATE_SPOT = { weight = 3 }
    }
    deployment_alarms = {
      alarm_names = ["web-5xx", "web-latency"]
    }
    deployment_minimum_healthy_percent = 50
    deployment_maximum_percent         = 150
    propagate_tags                     = "TASK_DEFINITION"
  }

  assert {
    condition     = aws_ecs_task_definition.this.family == "web-prod" && aws_ecs_task_definition.this.cpu == "1024" && aws_ecs_task_definition.this.memory == "4096"
    error_message = "Family and size must follow the inputs."
  }

  assert {
    condition     = aws_ecs_task_definition.this.runtime_platform[0].cpu_architecture == "ARM64"
    error_message = "ARM64 must be set."
  }

  assert {
    condition     = [for c in jsondecode(aws_ecs_task_definition.this.container_definitions) : c.name] == ["web", "otel"]
    error_message = "Main container first, then sidecars."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[1].essential == false && jsondecode(aws_ecs_task_definition.this.container_definitions)[1].logConfiguration.options["awslogs-stream-prefix"] == "otel"
    error_message = "Sidecar must be non-essential with its own log stream prefix."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].dependsOn == [{ containerName = "otel", condition = "HEALTHY" }]
    error_message = "Main container must wait for a healthy sidecar."
  }

  assert {
    condition     = contains([for s in data.aws_iam_policy_document.execution.statement : s.resources if s.sid == "ReadSecrets"][0], "arn:aws:secretsmanager:eu-west-1:123456789012:secret:otel-XyZ123")
    error_message = "Sidecar secrets must be readable by the execution role."
  }

  assert {
    # launch_type is optional+computed, so the mock fills it when unset; assert the strategy.
    condition     = toset([for c in aws_ecs_service.this[0].capacity_provider_strategy : "${c.capacity_provider}:${c.weight}:${c.base}"]) == toset(["FARGATE:1:1", "FARGATE_SPOT:3:0"])
    error_message = "Capacity provider strategy must follow the input map."
  }

  assert {
    condition     = aws_ecs_service.this[0].alarms[0].alarm_names == toset(["web-5xx", "web-latency"]) && aws_ecs_service.this[0].alarms[0].enable && aws_ecs_service.this[0].alarms[0].rollback
    error_message = "Deployment alarms must be set with enable and rollback."
  }

  assert {
    condition     = aws_ecs_service.this[0].deployment_minimum_healthy_percent == 50 && aws_ecs_service.this[0].deployment_maximum_percent == 150 && aws_ecs_service.this[0].propagate_tags == "TASK_DEFINITION"
    error_message = "Deployment percentages and propagate_tags must follow the inputs."
  }
}

################################################################################
# Validations: one run per rule
################################################################################

run "invalid_name" {
  command = plan
  variables {
    name = "-bad name"
  }
  expect_failures = [var.name]
}

run "invalid_cluster_arn" {
  command = plan
  variables {
    cluster_arn = "app-prod"
  }
  expect_failures = [var.cluster_arn]
}

run "invalid_cpu" {
  command = plan
  variables {
    cpu = 300
  }
  expect_failures = [var.cpu]
}

run "invalid_memory_combination" {
  command = plan
  variables {
    cpu    = 256
    memory = 4096
  }
  expect_failures = [var.memory]
}

run "invalid_operating_system_family" {
  command = plan
  variables {
    runtime_platform = { operating_system_family = "WINDOWS_SERVER_2022_CORE" }
  }
  expect_failures = [var.runtime_platform]
}

run "invalid_cpu_architecture" {
  command = plan
  variables {
    runtime_platform = { cpu_architecture = "ARM" }
  }
  expect_failures = [var.runtime_platform]
}

run "invalid_ephemeral_storage_size" {
  command = plan
  variables {
    ephemeral_storage_size = 10
  }
  expect_failures = [var.ephemeral_storage_size]
}

run "invalid_container_name" {
  command = plan
  variables {
    container = { name = "web app", image = "nginx" }
  }
  expect_failures = [var.container]
}

run "invalid_container_image" {
  command = plan
  variables {
    container = { name = "web", image = " " }
  }
  expect_failures = [var.container]
}

run "invalid_container_port" {
  command = plan
  variables {
    container = { name = "web", image = "nginx", port = 70000 }
  }
  expect_failures = [var.container]
}

run "invalid_container_secret_arn" {
  command = plan
  variables {
    container = { name = "web", image = "nginx", port = 8080, secrets = { TOKEN = "my-plain-secret" } }
  }
  expect_failures = [var.container]
}

run "invalid_health_check_command" {
  command = plan
  variables {
    container = { name = "web", image = "nginx", port = 8080, health_check = { command = ["curl", "localhost"] } }
  }
  expect_failures = [var.container]
}

run "invalid_health_check_timing" {
  command = plan
  variables {
    container = { name = "web", image = "nginx", port = 8080, health_check = { command = ["CMD", "true"], interval = 1 } }
  }
  expect_failures = [var.container]
}

run "invalid_sidecar_name" {
  command = plan
  variables {
    sidecars = { "bad name" = { image = "busybox" } }
  }
  expect_failures = [var.sidecars]
}

run "invalid_sidecar_secret_arn" {
  command = plan
  variables {
    sidecars = { otel = { image = "busybox", secrets = { TOKEN = "plain" } } }
  }
  expect_failures = [var.sidecars]
}

run "invalid_sidecar_health_check" {
  command = plan
  variables {
    sidecars = { otel = { image = "busybox", health_check = { command = ["/healthcheck"] } } }
  }
  expect_failures = [var.sidecars]
}

run "invalid_kms_key_arn" {
  command = plan
  variables {
    secrets_kms_key_arns = ["alias/aws/secretsmanager"]
  }
  expect_failures = [var.secrets_kms_key_arns]
}

run "invalid_log_retention" {
  command = plan
  variables {
    log_retention_in_days = 10
  }
  expect_failures = [var.log_retention_in_days]
}

run "invalid_subnet_ids" {
  command = plan
  variables {
    subnet_ids = []
  }
  expect_failures = [var.subnet_ids]
}

run "invalid_egress_destination" {
  command = plan
  variables {
    egress_rules = { both = { from_port = 443, to_port = 443, cidr_ipv4 = "0.0.0.0/0", prefix_list_id = "pl-12345678" } }
  }
  expect_failures = [var.egress_rules]
}

run "invalid_egress_ports" {
  command = plan
  variables {
    egress_rules = { https = { cidr_ipv4 = "0.0.0.0/0" } }
  }
  expect_failures = [var.egress_rules]
}

run "invalid_desired_count" {
  command = plan
  variables {
    desired_count = -1
  }
  expect_failures = [var.desired_count]
}

run "invalid_capacity_provider" {
  command = plan
  variables {
    capacity_provider_strategy = { EC2 = { weight = 1 } }
  }
  expect_failures = [var.capacity_provider_strategy]
}

run "invalid_minimum_healthy_percent" {
  command = plan
  variables {
    deployment_minimum_healthy_percent = 150
  }
  expect_failures = [var.deployment_minimum_healthy_percent]
}

run "invalid_maximum_percent" {
  command = plan
  variables {
    deployment_maximum_percent = 90
  }
  expect_failures = [var.deployment_maximum_percent]
}

run "invalid_target_group_without_port" {
  command = plan
  variables {
    container = { name = "web", image = "nginx" }
  }
  expect_failures = [var.target_group_arn]
}

run "invalid_target_group_without_alb_security_group" {
  command = plan
  variables {
    alb_security_group_id = null
  }
  expect_failures = [var.target_group_arn]
}

run "invalid_health_check_grace_period" {
  command = plan
  variables {
    health_check_grace_period_seconds = -5
  }
  expect_failures = [var.health_check_grace_period_seconds]
}

run "invalid_propagate_tags" {
  command = plan
  variables {
    propagate_tags = "ALL"
  }
  expect_failures = [var.propagate_tags]
}

run "explicit_alb_ingress_rule_with_an_unknown_group" {
  command = plan

  variables {
    create_alb_ingress_rule = true
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.alb) == 1
    error_message = "create_alb_ingress_rule = true creates the rule whatever Terraform knows of the group's ID."
  }
}

run "explicit_alb_ingress_rule_needs_the_group" {
  command = plan

  variables {
    create_alb_ingress_rule = true
    alb_security_group_id   = null
    target_group_arn        = null
  }

  expect_failures = [var.alb_security_group_id]
}

run "alb_ingress_rule_can_be_turned_off" {
  command = plan

  variables {
    create_alb_ingress_rule = false
    target_group_arn        = null
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.alb) == 0
    error_message = "create_alb_ingress_rule = false creates no ingress rule."
  }
}

################################################################################
# Deployment strategies
################################################################################

run "rolling_by_default" {
  command = plan

  assert {
    condition     = aws_ecs_service.this[0].deployment_configuration[0].strategy == "ROLLING"
    error_message = "ROLLING must be the default strategy, and sent explicitly."
  }

  assert {
    condition     = length(aws_ecs_service.this[0].deployment_configuration[0].canary_configuration) == 0 && length(aws_ecs_service.this[0].deployment_configuration[0].linear_configuration) == 0 && length(aws_ecs_service.this[0].deployment_configuration[0].lifecycle_hook) == 0
    error_message = "A rolling service has no canary, linear or hook settings."
  }

  assert {
    condition     = length(one(aws_ecs_service.this[0].load_balancer).advanced_configuration) == 0
    error_message = "A rolling service has a single target group."
  }

  assert {
    condition     = length(aws_iam_role.load_balancer) == 0 && length(aws_iam_role.lifecycle_hooks) == 0 && output.load_balancer_role_arn == null
    error_message = "No role for ECS itself with ROLLING."
  }
}

run "blue_green" {
  command = plan

  variables {
    deployment_strategy          = "BLUE_GREEN"
    bake_time_in_minutes         = 15
    alternate_target_group_arn   = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-alt/0123456789abcdef"
    production_listener_rule_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/prod/0123456789abcdef/0123456789abcdef/1111111111111111"
    test_listener_rule_arn       = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/prod/0123456789abcdef/fedcba9876543210/2222222222222222"
    deployment_alarms = {
      alarm_names = ["web-5xx"]
    }
  }

  assert {
    condition     = aws_ecs_service.this[0].deployment_configuration[0].strategy == "BLUE_GREEN" && aws_ecs_service.this[0].deployment_configuration[0].bake_time_in_minutes == "15"
    error_message = "BLUE_GREEN with a 15-minute bake must be planned."
  }

  assert {
    condition = (
      one(one(aws_ecs_service.this[0].load_balancer).advanced_configuration).alternate_target_group_arn == var.alternate_target_group_arn &&
      one(one(aws_ecs_service.this[0].load_balancer).advanced_configuration).production_listener_rule == var.production_listener_rule_arn &&
      one(one(aws_ecs_service.this[0].load_balancer).advanced_configuration).test_listener_rule == var.test_listener_rule_arn
    )
    error_message = "The load balancer must name the alternate target group and both listener rules."
  }

  assert {
    condition     = one(one(aws_ecs_service.this[0].load_balancer).advanced_configuration).role_arn == aws_iam_role.load_balancer[0].arn && output.load_balancer_role_arn == aws_iam_role.load_balancer[0].arn
    error_message = "ECS must move traffic with the role the module creates."
  }

  assert {
    condition     = aws_iam_role_policy_attachment.load_balancer[0].policy_arn == "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"
    error_message = "The load balancer role must carry ECS's managed policy for load balancers."
  }

  assert {
    condition     = aws_ecs_service.this[0].alarms[0].rollback && aws_ecs_service.this[0].alarms[0].alarm_names == toset(["web-5xx"])
    error_message = "The deployment alarms must roll back (ECS watches them through the bake)."
  }
}

run "canary" {
  command = plan

  variables {
    deployment_strategy          = "CANARY"
    bake_time_in_minutes         = 10
    canary                       = { percent = 5, bake_time_in_minutes = 3 }
    alternate_target_group_arn   = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-alt/0123456789abcdef"
    production_listener_rule_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/prod/0123456789abcdef/0123456789abcdef/1111111111111111"
    load_balancer_role_arn       = "arn:aws:iam::123456789012:role/ecs-infrastructure"
  }

  assert {
    condition     = aws_ecs_service.this[0].deployment_configuration[0].canary_configuration[0].canary_percent == 5 && aws_ecs_service.this[0].deployment_configuration[0].canary_configuration[0].canary_bake_time_in_minutes == "3"
    error_message = "The canary must get 5% for 3 minutes."
  }

  assert {
    condition     = length(aws_ecs_service.this[0].deployment_configuration[0].linear_configuration) == 0
    error_message = "A canary has no linear settings."
  }

  assert {
    condition     = length(aws_iam_role.load_balancer) == 0 && one(one(aws_ecs_service.this[0].load_balancer).advanced_configuration).role_arn == "arn:aws:iam::123456789012:role/ecs-infrastructure"
    error_message = "A given load_balancer_role_arn is used, and no role created."
  }

  assert {
    condition     = one(one(aws_ecs_service.this[0].load_balancer).advanced_configuration).test_listener_rule == null
    error_message = "No test listener rule unless given."
  }
}

run "linear_with_defaults" {
  command = plan

  variables {
    deployment_strategy          = "LINEAR"
    alternate_target_group_arn   = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-alt/0123456789abcdef"
    production_listener_rule_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/prod/0123456789abcdef/0123456789abcdef/1111111111111111"
  }

  assert {
    condition     = aws_ecs_service.this[0].deployment_configuration[0].linear_configuration[0].step_percent == 10 && aws_ecs_service.this[0].deployment_configuration[0].linear_configuration[0].step_bake_time_in_minutes == "6"
    error_message = "LINEAR must default to 10% steps every 6 minutes."
  }

  assert {
    condition     = length(aws_ecs_service.this[0].deployment_configuration[0].canary_configuration) == 0
    error_message = "A linear deployment has no canary settings."
  }
}

run "lifecycle_hooks" {
  command = plan

  variables {
    deployment_strategy          = "BLUE_GREEN"
    autoscaling_enabled          = true
    alternate_target_group_arn   = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-alt/0123456789abcdef"
    production_listener_rule_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/prod/0123456789abcdef/0123456789abcdef/1111111111111111"
    lifecycle_hooks = {
      smoke = {
        lambda_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:smoke-test"
        stages              = ["POST_TEST_TRAFFIC_SHIFT"]
        hook_details        = "{\"path\":\"/healthz\"}"
      }
      approve = {
        lambda_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:approve:live"
        stages              = ["PRE_SCALE_UP", "POST_PRODUCTION_TRAFFIC_SHIFT"]
        role_arn            = "arn:aws:iam::123456789012:role/approver"
      }
    }
  }

  assert {
    condition     = length(aws_ecs_service.autoscaled[0].deployment_configuration[0].lifecycle_hook) == 2
    error_message = "Both hooks must be configured, on the autoscaled variant too."
  }

  assert {
    condition = toset([for h in aws_ecs_service.autoscaled[0].deployment_configuration[0].lifecycle_hook : "${h.hook_target_arn} ${join(",", h.lifecycle_stages)} ${h.role_arn}"]) == toset([
      "arn:aws:lambda:eu-west-1:123456789012:function:smoke-test POST_TEST_TRAFFIC_SHIFT ${aws_iam_role.lifecycle_hooks[0].arn}",
      "arn:aws:lambda:eu-west-1:123456789012:function:approve:live PRE_SCALE_UP,POST_PRODUCTION_TRAFFIC_SHIFT arn:aws:iam::123456789012:role/approver",
    ])
    error_message = "Each hook must keep its stages, and use its own role or the created one."
  }

  assert {
    condition     = data.aws_iam_policy_document.lifecycle_hooks[0].statement[0].resources == toset(["arn:aws:lambda:eu-west-1:123456789012:function:smoke-test"])
    error_message = "The created role may invoke exactly the hooks that use it."
  }
}

run "invalid_deployment_strategy" {
  command = plan
  variables {
    deployment_strategy = "ALL_AT_ONCE"
  }
  expect_failures = [var.deployment_strategy]
}

run "bake_time_needs_a_shifting_strategy" {
  command = plan
  variables {
    bake_time_in_minutes = 5
  }
  expect_failures = [var.bake_time_in_minutes]
}

run "invalid_bake_time" {
  command = plan
  variables {
    deployment_strategy          = "BLUE_GREEN"
    bake_time_in_minutes         = 1441
    alternate_target_group_arn   = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-alt/0123456789abcdef"
    production_listener_rule_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/prod/0123456789abcdef/0123456789abcdef/1111111111111111"
  }
  expect_failures = [var.bake_time_in_minutes]
}

run "invalid_canary_percent" {
  command = plan
  variables {
    canary = { percent = 0 }
  }
  expect_failures = [var.canary]
}

run "invalid_canary_bake_time" {
  command = plan
  variables {
    canary = { bake_time_in_minutes = 2.5 }
  }
  expect_failures = [var.canary]
}

run "invalid_linear_step" {
  command = plan
  variables {
    linear = { step_percent = 2 }
  }
  expect_failures = [var.linear]
}

run "invalid_linear_bake_time" {
  command = plan
  variables {
    linear = { step_bake_time_in_minutes = 2000 }
  }
  expect_failures = [var.linear]
}

run "invalid_hook_function_arn" {
  command = plan
  variables {
    deployment_strategy          = "CANARY"
    alternate_target_group_arn   = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-alt/0123456789abcdef"
    production_listener_rule_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/prod/0123456789abcdef/0123456789abcdef/1111111111111111"
    lifecycle_hooks              = { smoke = { lambda_function_arn = "smoke-test", stages = ["POST_SCALE_UP"] } }
  }
  expect_failures = [var.lifecycle_hooks]
}

run "invalid_hook_stage" {
  command = plan
  variables {
    deployment_strategy          = "CANARY"
    alternate_target_group_arn   = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-alt/0123456789abcdef"
    production_listener_rule_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/prod/0123456789abcdef/0123456789abcdef/1111111111111111"
    lifecycle_hooks              = { smoke = { lambda_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:smoke", stages = ["BAKE_TIME"] } }
  }
  expect_failures = [var.lifecycle_hooks]
}

run "invalid_hook_role_and_details" {
  command = plan
  variables {
    deployment_strategy          = "CANARY"
    alternate_target_group_arn   = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-alt/0123456789abcdef"
    production_listener_rule_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/prod/0123456789abcdef/0123456789abcdef/1111111111111111"
    lifecycle_hooks              = { smoke = { lambda_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:smoke", stages = ["POST_SCALE_UP"], role_arn = "approver", hook_details = "{not json" } }
  }
  expect_failures = [var.lifecycle_hooks]
}

run "hooks_need_a_shifting_strategy" {
  command = plan
  variables {
    lifecycle_hooks = { smoke = { lambda_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:smoke", stages = ["POST_SCALE_UP"] } }
  }
  expect_failures = [var.lifecycle_hooks]
}

run "shifting_behind_a_load_balancer_needs_the_alternate_target_group" {
  command = plan
  variables {
    deployment_strategy = "BLUE_GREEN"
  }
  expect_failures = [var.alternate_target_group_arn]
}

run "alternate_target_group_needs_a_shifting_strategy" {
  command = plan
  variables {
    alternate_target_group_arn   = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-alt/0123456789abcdef"
    production_listener_rule_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/prod/0123456789abcdef/0123456789abcdef/1111111111111111"
  }
  expect_failures = [var.alternate_target_group_arn]
}

run "invalid_alternate_target_group_arn" {
  command = plan
  variables {
    deployment_strategy          = "BLUE_GREEN"
    alternate_target_group_arn   = "web-alt"
    production_listener_rule_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/prod/0123456789abcdef/0123456789abcdef/1111111111111111"
  }
  expect_failures = [var.alternate_target_group_arn]
}

run "production_rule_goes_with_the_alternate_target_group" {
  command = plan
  variables {
    deployment_strategy        = "BLUE_GREEN"
    alternate_target_group_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-alt/0123456789abcdef"
  }
  expect_failures = [var.production_listener_rule_arn]
}

run "invalid_production_listener_rule_arn" {
  command = plan
  variables {
    deployment_strategy          = "BLUE_GREEN"
    alternate_target_group_arn   = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-alt/0123456789abcdef"
    production_listener_rule_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/prod/0123456789abcdef/0123456789abcdef"
  }
  expect_failures = [var.production_listener_rule_arn]
}

run "invalid_test_listener_rule_arn" {
  command = plan
  variables {
    deployment_strategy          = "BLUE_GREEN"
    alternate_target_group_arn   = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-alt/0123456789abcdef"
    production_listener_rule_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/prod/0123456789abcdef/0123456789abcdef/1111111111111111"
    test_listener_rule_arn       = "test"
  }
  expect_failures = [var.test_listener_rule_arn]
}

run "test_rule_needs_the_production_rule" {
  command = plan
  variables {
    test_listener_rule_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/prod/0123456789abcdef/fedcba9876543210/2222222222222222"
  }
  expect_failures = [var.test_listener_rule_arn]
}

run "invalid_load_balancer_role_arn" {
  command = plan
  variables {
    load_balancer_role_arn = "ecs-infrastructure"
  }
  expect_failures = [var.load_balancer_role_arn]
}
