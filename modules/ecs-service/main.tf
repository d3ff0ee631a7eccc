data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  family         = coalesce(var.family, var.name)
  log_group_name = coalesce(var.log_group_name, "/ecs/${var.name}")
  load_balanced  = var.target_group_arn != null

  # BLUE_GREEN, CANARY, LINEAR: ECS shifts traffic between two target groups and bakes.
  shifting               = var.deployment_strategy != "ROLLING"
  load_balancer_role_arn = var.load_balancer_role_arn != null ? var.load_balancer_role_arn : try(aws_iam_role.load_balancer[0].arn, null)
  hooks_needing_a_role   = [for h in values(var.lifecycle_hooks) : h.lambda_function_arn if h.role_arn == null]

  secret_pattern = "^arn:aws[a-z-]*:secretsmanager:"
  ssm_pattern    = "^arn:aws[a-z-]*:ssm:"

  # Every valueFrom used by any container.
  all_secret_values = distinct(concat(
    values(var.container.secrets),
    flatten([for s in values(var.sidecars) : values(s.secrets)]),
  ))

  # A Secrets Manager valueFrom may carry ":json-key:version-stage:version-id"; the IAM
  # resource is the secret ARN itself (its first seven colon-separated fields).
  secretsmanager_arns = distinct([
    for v in local.all_secret_values : join(":", slice(split(":", v), 0, 7))
    if can(regex(local.secret_pattern, v))
  ])
  ssm_parameter_arns = distinct([for v in local.all_secret_values : v if can(regex(local.ssm_pattern, v))])

  # Decided from how many secrets the containers declare (map sizes are known at plan time)
  # even when their ARNs are not, as for a database secret created in the same apply:
  # matching or de-duplicating the ARNs here would leave the count unknown and make a new
  # environment impossible to plan.
  create_execution_policy = (
    length(var.container.secrets) + length(flatten([for s in values(var.sidecars) : keys(s.secrets)]))
    + length(var.secrets_kms_key_arns) > 0
  )

  log_configuration = {
    for name in concat([var.container.name], keys(var.sidecars)) : name => {
      logDriver = "awslogs"
      options = {
        awslogs-group         = local.log_group_name
        awslogs-region        = data.aws_region.current.region
        awslogs-stream-prefix = name
      }
    }
  }

  main_container_raw = {
    name                   = var.container.name
    image                  = var.container.image
    essential              = true
    cpu                    = var.container.cpu
    memory                 = var.container.memory
    memoryReservation      = var.container.memory_reservation
    command                = var.container.command
    entryPoint             = var.container.entry_point
    workingDirectory       = var.container.working_directory
    user                   = var.container.user
    readonlyRootFilesystem = var.container.readonly_root_filesystem
    stopTimeout            = var.container.stop_timeout
    portMappings = var.container.port == null ? [] : [{
      name          = var.container.name
      containerPort = var.container.port
      hostPort      = var.container.port
      protocol      = "tcp"
    }]
    environment = [for k, v in var.container.environment : { name = k, value = v }]
    secrets     = [for k, v in var.container.secrets : { name = k, valueFrom = v }]
    healthCheck = var.container.health_check == null ? null : {
      command     = var.container.health_check.command
      interval    = var.container.health_check.interval
      timeout     = var.container.health_check.timeout
      retries     = var.container.health_check.retries
      startPeriod = var.container.health_check.start_period
    }
    dependsOn = [
      for k, s in var.sidecars : {
        containerName = k
        condition     = s.health_check != null ? "HEALTHY" : "START"
      } if s.start_before_main
    ]
    logConfiguration = local.log_configuration[var.container.name]
  }

  sidecars_raw = [
    for k, s in var.sidecars : {
      name                   = k
      image                  = s.image
      essential              = s.essential
      cpu                    = s.cpu
      memory                 = s.memory
      memoryReservation      = s.memory_reservation
      command                = s.command
      entryPoint             = s.entry_point
      user                   = s.user
      readonlyRootFilesystem = s.readonly_root_filesystem
      portMappings = s.port == null ? [] : [{
        name          = k
        containerPort = s.port
        hostPort      = s.port
        protocol      = "tcp"
      }]
      environment = [for ek, ev in s.environment : { name = ek, value = ev }]
      secrets     = [for sk, sv in s.secrets : { name = sk, valueFrom = sv }]
      healthCheck = s.health_check == null ? null : {
        command     = s.health_check.command
        interval    = s.health_check.interval
        timeout     = s.health_check.timeout
        retries     = s.health_check.retries
        startPeriod = s.health_check.start_period
      }
      logConfiguration = local.log_configuration[k]
    }
  ]

  # Drop null and empty attributes so the JSON matches what ECS returns and plans stay clean.
  container_definitions = [
    for c in concat([local.main_container_raw], local.sidecars_raw) : {
      for k, v in c : k => v if v != null && try(length(v) > 0, true)
    }
  ]
}

################################################################################
# Logs
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.log_kms_key_arn

  tags = merge(var.tags, { Name = local.log_group_name })
}

################################################################################
# IAM: execution role (pulls the image, writes logs, reads the secrets)
################################################################################

data "aws_iam_policy_document" "execution_assume" {
  statement {
    sid     = "EcsTasksAssume"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "execution" {
  name_prefix          = "${var.name}-exec-"
  description          = "ECS task execution role of ${var.name}"
  assume_role_policy   = data.aws_iam_policy_document.execution_assume.json
  permissions_boundary = var.iam_role_permissions_boundary

  tags = merge(var.tags, { Name = "${var.name}-execution" })
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

data "aws_iam_policy_document" "execution" {
  dynamic "statement" {
    for_each = length(local.secretsmanager_arns) > 0 ? [1] : []

    content {
      sid       = "ReadSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = local.secretsmanager_arns
    }
  }

  dynamic "statement" {
    for_each = length(local.ssm_parameter_arns) > 0 ? [1] : []

    content {
      sid       = "ReadParameters"
      actions   = ["ssm:GetParameters"]
      resources = local.ssm_parameter_arns
    }
  }

  dynamic "statement" {
    for_each = length(var.secrets_kms_key_arns) > 0 ? [1] : []

    content {
      sid       = "DecryptSecrets"
      actions   = ["kms:Decrypt"]
      resources = var.secrets_kms_key_arns
    }
  }
}

resource "aws_iam_role_policy" "execution" {
  count = local.create_execution_policy ? 1 : 0

  name   = "secrets"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

################################################################################
# IAM: task role (what the application may do; empty by default)
################################################################################

data "aws_iam_policy_document" "task_assume" {
  statement {
    sid     = "EcsTasksAssume"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${data.aws_partition.current.partition}:ecs:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:*"]
    }
  }
}

resource "aws_iam_role" "task" {
  name_prefix          = "${var.name}-task-"
  description          = "ECS task role of ${var.name}"
  assume_role_policy   = data.aws_iam_policy_document.task_assume.json
  permissions_boundary = var.iam_role_permissions_boundary

  tags = merge(var.tags, { Name = "${var.name}-task" })
}

resource "aws_iam_role_policy" "task" {
  count = var.task_role_policy_json != null ? 1 : 0

  name   = "application"
  role   = aws_iam_role.task.id
  policy = var.task_role_policy_json
}

resource "aws_iam_role_policy_attachment" "task" {
  for_each = var.task_role_policy_arns

  role       = aws_iam_role.task.name
  policy_arn = each.value
}

data "aws_iam_policy_document" "execute_command" {
  statement {
    sid = "EcsExec"
    actions = [
      "ssmmessages:CreateControlChannel",
      "ssmmessages:CreateDataChannel",
      "ssmmessages:OpenControlChannel",
      "ssmmessages:OpenDataChannel",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "execute_command" {
  count = var.enable_execute_command ? 1 : 0

  name   = "ecs-exec"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.execute_command.json
}

################################################################################
# IAM: the roles ECS itself uses in BLUE_GREEN, CANARY and LINEAR deployments: one to move
# traffic between the target groups, one to invoke the lifecycle hooks
################################################################################

data "aws_iam_policy_document" "ecs_assume" {
  statement {
    sid     = "EcsAssume"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "load_balancer" {
  count = local.shifting && var.load_balancer_role_arn == null ? 1 : 0

  name_prefix          = "${var.name}-lb-"
  description          = "ECS moves traffic between the target groups of ${var.name} with this role"
  assume_role_policy   = data.aws_iam_policy_document.ecs_assume.json
  permissions_boundary = var.iam_role_permissions_boundary

  tags = merge(var.tags, { Name = "${var.name}-load-balancer" })
}

resource "aws_iam_role_policy_attachment" "load_balancer" {
  count = length(aws_iam_role.load_balancer)

  role       = aws_iam_role.load_balancer[0].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"
}

data "aws_iam_policy_document" "lifecycle_hooks" {
  count = length(local.hooks_needing_a_role) > 0 ? 1 : 0

  statement {
    sid       = "InvokeHooks"
    actions   = ["lambda:InvokeFunction"]
    resources = distinct(local.hooks_needing_a_role)
  }
}

resource "aws_iam_role" "lifecycle_hooks" {
  count = length(local.hooks_needing_a_role) > 0 ? 1 : 0

  name_prefix          = "${var.name}-hooks-"
  description          = "ECS invokes the deployment lifecycle hooks of ${var.name} with this role"
  assume_role_policy   = data.aws_iam_policy_document.ecs_assume.json
  permissions_boundary = var.iam_role_permissions_boundary

  tags = merge(var.tags, { Name = "${var.name}-lifecycle-hooks" })
}

resource "aws_iam_role_policy" "lifecycle_hooks" {
  count = length(aws_iam_role.lifecycle_hooks)

  name   = "invoke-hooks"
  role   = aws_iam_role.lifecycle_hooks[0].id
  policy = data.aws_iam_policy_document.lifecycle_hooks[0].json
}

################################################################################
# Task definition (the INITIAL revision; the pipeline registers the next ones)
################################################################################

resource "aws_ecs_task_definition" "this" {
  family                   = local.family
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = tostring(var.cpu)
  memory                   = tostring(var.memory)
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  container_definitions    = jsonencode(local.container_definitions)

  runtime_platform {
    operating_system_family = var.runtime_platform.operating_system_family
    cpu_architecture        = var.runtime_platform.cpu_architecture
  }

  dynamic "ephemeral_storage" {
    for_each = var.ephemeral_storage_size != null ? [var.ephemeral_storage_size] : []

    content {
      size_in_gib = ephemeral_storage.value
    }
  }

  # A Terraform change registers a new revision; the old one stays ACTIVE so the circuit
  # breaker and ecs-deploy's rollback can still return to it.
  skip_destroy = true

  tags = merge(var.tags, { Name = local.family })
}

################################################################################
# Security group: ingress only from the load balancer, on the container port
################################################################################

resource "aws_security_group" "this" {
  name_prefix = "${var.name}-"
  description = "ECS service ${var.name}"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = var.name })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "alb" {
  # The count must be known at plan time: an explicit create_alb_ingress_rule decides when the
  # group's ID is not known yet.
  count = coalesce(var.create_alb_ingress_rule, var.alb_security_group_id != null) && var.container.port != null ? 1 : 0

  security_group_id            = aws_security_group.this.id
  description                  = "Container port from the load balancer"
  ip_protocol                  = "tcp"
  from_port                    = var.container.port
  to_port                      = var.container.port
  referenced_security_group_id = var.alb_security_group_id

  tags = merge(var.tags, { Name = "${var.name}-from-alb" })
}

resource "aws_vpc_security_group_egress_rule" "this" {
  for_each = var.egress_rules

  security_group_id            = aws_security_group.this.id
  description                  = each.value.description
  ip_protocol                  = each.value.ip_protocol
  from_port                    = each.value.ip_protocol == "-1" ? null : each.value.from_port
  to_port                      = each.value.ip_protocol == "-1" ? null : each.value.to_port
  cidr_ipv4                    = each.value.cidr_ipv4
  cidr_ipv6                    = each.value.cidr_ipv6
  prefix_list_id               = each.value.prefix_list_id
  referenced_security_group_id = each.value.referenced_security_group_id

  tags = merge(var.tags, { Name = "${var.name}-${each.key}" })
}

################################################################################
# Service
#
# Terraform owns the infrastructure, the pipeline owns the image: task_definition is
# ignored after creation. Terraform cannot make ignore_changes conditional, so the
# service exists in two variants that differ only in whether desired_count is ignored
# too (autoscaled) or owned by Terraform. Keep both blocks identical otherwise.
################################################################################

resource "aws_ecs_service" "this" {
  count = var.autoscaling_enabled ? 0 : 1

  name                               = var.name
  cluster                            = var.cluster_arn
  task_definition                    = aws_ecs_task_definition.this.arn
  desired_count                      = var.desired_count
  launch_type                        = length(var.capacity_provider_strategy) == 0 ? "FARGATE" : null
  platform_version                   = var.platform_version
  deployment_minimum_healthy_percent = var.deployment_minimum_healthy_percent
  deployment_maximum_percent         = var.deployment_maximum_percent
  health_check_grace_period_seconds  = local.load_balanced ? var.health_check_grace_period_seconds : null
  enable_execute_command             = var.enable_execute_command
  enable_ecs_managed_tags            = true
  propagate_tags                     = var.propagate_tags
  wait_for_steady_state              = var.wait_for_steady_state

  dynamic "capacity_provider_strategy" {
    for_each = var.capacity_provider_strategy

    content {
      capacity_provider = capacity_provider_strategy.key
      weight            = capacity_provider_strategy.value.weight
      base              = capacity_provider_strategy.value.base
    }
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = concat([aws_security_group.this.id], var.additional_security_group_ids)
    assign_public_ip = false
  }

  deployment_controller {
    type = "ECS"
  }

  deployment_circuit_breaker {
    enable   = var.deployment_circuit_breaker.enable
    rollback = var.deployment_circuit_breaker.rollback
  }

  # Always sent, strategy included: the attribute is computed, so a configuration that
  # left it out could never switch a service back to ROLLING.
  deployment_configuration {
    strategy             = var.deployment_strategy
    bake_time_in_minutes = local.shifting ? var.bake_time_in_minutes : null

    dynamic "canary_configuration" {
      for_each = var.deployment_strategy == "CANARY" ? [var.canary] : []

      content {
        canary_percent              = canary_configuration.value.percent
        canary_bake_time_in_minutes = canary_configuration.value.bake_time_in_minutes
      }
    }

    dynamic "linear_configuration" {
      for_each = var.deployment_strategy == "LINEAR" ? [var.linear] : []

      content {
        step_percent              = linear_configuration.value.step_percent
        step_bake_time_in_minutes = linear_configuration.value.step_bake_time_in_minutes
      }
    }

    dynamic "lifecycle_hook" {
      for_each = var.lifecycle_hooks

      content {
        hook_target_arn  = lifecycle_hook.value.lambda_function_arn
        lifecycle_stages = lifecycle_hook.value.stages
        role_arn         = lifecycle_hook.value.role_arn != null ? lifecycle_hook.value.role_arn : aws_iam_role.lifecycle_hooks[0].arn
        hook_details     = lifecycle_hook.value.hook_details
      }
    }
  }

  dynamic "alarms" {
    for_each = length(var.deployment_alarms.alarm_names) > 0 ? [var.deployment_alarms] : []

    content {
      alarm_names = alarms.value.alarm_names
      enable      = alarms.value.enable
      rollback    = alarms.value.rollback
    }
  }

  dynamic "load_balancer" {
    for_each = local.load_balanced ? [var.target_group_arn] : []

    content {
      target_group_arn = load_balancer.value
      container_name   = var.container.name
      container_port   = var.container.port

      dynamic "advanced_configuration" {
        for_each = local.shifting && var.alternate_target_group_arn != null ? [1] : []

        content {
          alternate_target_group_arn = var.alternate_target_group_arn
          production_listener_rule   = var.production_listener_rule_arn
          test_listener_rule         = var.test_listener_rule_arn
          role_arn                   = local.load_balancer_role_arn
        }
      }
    }
  }

  tags = merge(var.tags, { Name = var.name })

  depends_on = [
    aws_iam_role_policy_attachment.execution,
    aws_iam_role_policy.execution,
    aws_iam_role_policy_attachment.load_balancer,
    aws_iam_role_policy.lifecycle_hooks,
  ]

  lifecycle {
    ignore_changes = [task_definition]
  }
}

resource "aws_ecs_service" "autoscaled" {
  count = var.autoscaling_enabled ? 1 : 0

  name                               = var.name
  cluster                            = var.cluster_arn
  task_definition                    = aws_ecs_task_definition.this.arn
  desired_count                      = var.desired_count
  launch_type                        = length(var.capacity_provider_strategy) == 0 ? "FARGATE" : null
  platform_version                   = var.platform_version
  deployment_minimum_healthy_percent = var.deployment_minimum_healthy_percent
  deployment_maximum_percent         = var.deployment_maximum_percent
  health_check_grace_period_seconds  = local.load_balanced ? var.health_check_grace_period_seconds : null
  enable_execute_command             = var.enable_execute_command
  enable_ecs_managed_tags            = true
  propagate_tags                     = var.propagate_tags
  wait_for_steady_state              = var.wait_for_steady_state

  dynamic "capacity_provider_strategy" {
    for_each = var.capacity_provider_strategy

    content {
      capacity_provider = capacity_provider_strategy.key
      weight            = capacity_provider_strategy.value.weight
      base              = capacity_provider_strategy.value.base
    }
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = concat([aws_security_group.this.id], var.additional_security_group_ids)
    assign_public_ip = false
  }

  deployment_controller {
    type = "ECS"
  }

  deployment_circuit_breaker {
    enable   = var.deployment_circuit_breaker.enable
    rollback = var.deployment_circuit_breaker.rollback
  }

  # Always sent, strategy included: the attribute is computed, so a configuration that
  # left it out could never switch a service back to ROLLING.
  deployment_configuration {
    strategy             = var.deployment_strategy
    bake_time_in_minutes = local.shifting ? var.bake_time_in_minutes : null

    dynamic "canary_configuration" {
      for_each = var.deployment_strategy == "CANARY" ? [var.canary] : []

      content {
        canary_percent              = canary_configuration.value.percent
        canary_bake_time_in_minutes = canary_configuration.value.bake_time_in_minutes
      }
    }

    dynamic "linear_configuration" {
      for_each = var.deployment_strategy == "LINEAR" ? [var.linear] : []

      content {
        step_percent              = linear_configuration.value.step_percent
        step_bake_time_in_minutes = linear_configuration.value.step_bake_time_in_minutes
      }
    }

    dynamic "lifecycle_hook" {
      for_each = var.lifecycle_hooks

      content {
        hook_target_arn  = lifecycle_hook.value.lambda_function_arn
        lifecycle_stages = lifecycle_hook.value.stages
        role_arn         = lifecycle_hook.value.role_arn != null ? lifecycle_hook.value.role_arn : aws_iam_role.lifecycle_hooks[0].arn
        hook_details     = lifecycle_hook.value.hook_details
      }
    }
  }

  dynamic "alarms" {
    for_each = length(var.deployment_alarms.alarm_names) > 0 ? [var.deployment_alarms] : []

    content {
      alarm_names = alarms.value.alarm_names
      enable      = alarms.value.enable
      rollback    = alarms.value.rollback
    }
  }

  dynamic "load_balancer" {
    for_each = local.load_balanced ? [var.target_group_arn] : []

    content {
      target_group_arn = load_balancer.value
      container_name   = var.container.name
      container_port   = var.container.port

      dynamic "advanced_configuration" {
        for_each = local.shifting && var.alternate_target_group_arn != null ? [1] : []

        content {
          alternate_target_group_arn = var.alternate_target_group_arn
          production_listener_rule   = var.production_listener_rule_arn
          test_listener_rule         = var.test_listener_rule_arn
          role_arn                   = local.load_balancer_role_arn
        }
      }
    }
  }

  tags = merge(var.tags, { Name = var.name })

  depends_on = [
    aws_iam_role_policy_attachment.execution,
    aws_iam_role_policy.execution,
    aws_iam_role_policy_attachment.load_balancer,
    aws_iam_role_policy.lifecycle_hooks,
  ]

  lifecycle {
    ignore_changes = [task_definition, desired_count]
  }
}
