mock_provider "aws" {}

variables {
  name = "slipway-test"
  tags = { Environment = "test" }
}

run "defaults" {
  command = plan

  assert {
    condition     = aws_ecs_cluster.this.name == "slipway-test"
    error_message = "The cluster must be named after var.name."
  }

  assert {
    condition     = one([for s in aws_ecs_cluster.this.setting : s.value if s.name == "containerInsights"]) == "enabled"
    error_message = "Container Insights must be enabled by default."
  }

  assert {
    condition     = length(aws_ecs_cluster.this.configuration) == 0
    error_message = "No execute-command configuration is set by default."
  }

  assert {
    condition     = toset(aws_ecs_cluster_capacity_providers.this.capacity_providers) == toset(["FARGATE", "FARGATE_SPOT"])
    error_message = "FARGATE and FARGATE_SPOT must be associated with the cluster."
  }

  assert {
    condition     = length(aws_ecs_cluster_capacity_providers.this.default_capacity_provider_strategy) == 1
    error_message = "The default strategy has one entry."
  }

  assert {
    condition = anytrue([
      for s in aws_ecs_cluster_capacity_providers.this.default_capacity_provider_strategy :
      s.capacity_provider == "FARGATE" && s.base == 1 && s.weight == 1
    ])
    error_message = "The default strategy is FARGATE with base 1 and weight 1."
  }

  assert {
    condition     = aws_ecs_cluster.this.tags["Name"] == "slipway-test" && aws_ecs_cluster.this.tags["Environment"] == "test"
    error_message = "Tags must merge var.tags with Name."
  }
}

run "enhanced_insights" {
  command = plan

  variables {
    container_insights = "enhanced"
  }

  assert {
    condition     = one([for s in aws_ecs_cluster.this.setting : s.value if s.name == "containerInsights"]) == "enhanced"
    error_message = "container_insights = enhanced must reach the cluster setting."
  }
}

run "spot_strategy" {
  command = plan

  variables {
    default_capacity_provider_strategy = [
      { capacity_provider = "FARGATE", base = 2, weight = 1 },
      { capacity_provider = "FARGATE_SPOT", weight = 3 },
    ]
  }

  assert {
    condition     = length(aws_ecs_cluster_capacity_providers.this.default_capacity_provider_strategy) == 2
    error_message = "Both strategy entries must be set."
  }

  assert {
    condition = anytrue([
      for s in aws_ecs_cluster_capacity_providers.this.default_capacity_provider_strategy :
      s.capacity_provider == "FARGATE_SPOT" && s.base == 0 && s.weight == 3
    ])
    error_message = "FARGATE_SPOT must get base 0 (default) and weight 3."
  }
}

run "exec_logging_override" {
  command = plan

  variables {
    execute_command_configuration = {
      kms_key_id = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
      logging    = "OVERRIDE"
      log_configuration = {
        cloud_watch_log_group_name = "/ecs/exec/slipway-test"
      }
    }
  }

  assert {
    condition     = aws_ecs_cluster.this.configuration[0].execute_command_configuration[0].logging == "OVERRIDE"
    error_message = "Exec logging must be OVERRIDE."
  }

  assert {
    condition     = aws_ecs_cluster.this.configuration[0].execute_command_configuration[0].log_configuration[0].cloud_watch_log_group_name == "/ecs/exec/slipway-test"
    error_message = "Exec logs must go to the given log group."
  }

  assert {
    condition     = aws_ecs_cluster.this.configuration[0].execute_command_configuration[0].log_configuration[0].cloud_watch_encryption_enabled == true
    error_message = "Exec log encryption must be on by default."
  }
}

run "exec_logging_default_has_no_log_configuration" {
  command = plan

  variables {
    execute_command_configuration = {
      logging = "DEFAULT"
    }
  }

  assert {
    condition     = length(aws_ecs_cluster.this.configuration[0].execute_command_configuration[0].log_configuration) == 0
    error_message = "log_configuration is only sent with OVERRIDE logging."
  }
}

run "invalid_name" {
  command = plan

  variables {
    name = "not a valid name"
  }

  expect_failures = [var.name]
}

run "invalid_container_insights" {
  command = plan

  variables {
    container_insights = "on"
  }

  expect_failures = [var.container_insights]
}

run "invalid_exec_logging" {
  command = plan

  variables {
    execute_command_configuration = { logging = "VERBOSE" }
  }

  expect_failures = [var.execute_command_configuration]
}

run "exec_override_without_destination" {
  command = plan

  variables {
    execute_command_configuration = { logging = "OVERRIDE" }
  }

  expect_failures = [var.execute_command_configuration]
}

run "invalid_capacity_provider" {
  command = plan

  variables {
    default_capacity_provider_strategy = [{ capacity_provider = "EC2", weight = 1 }]
  }

  expect_failures = [var.default_capacity_provider_strategy]
}

run "duplicate_capacity_provider" {
  command = plan

  variables {
    default_capacity_provider_strategy = [
      { capacity_provider = "FARGATE", weight = 1 },
      { capacity_provider = "FARGATE", weight = 2 },
    ]
  }

  expect_failures = [var.default_capacity_provider_strategy]
}

run "negative_weight" {
  command = plan

  variables {
    default_capacity_provider_strategy = [
      { capacity_provider = "FARGATE", weight = 1 },
      { capacity_provider = "FARGATE_SPOT", weight = -1 },
    ]
  }

  expect_failures = [var.default_capacity_provider_strategy]
}

run "all_weights_zero" {
  command = plan

  variables {
    default_capacity_provider_strategy = [
      { capacity_provider = "FARGATE", weight = 0 },
      { capacity_provider = "FARGATE_SPOT", weight = 0 },
    ]
  }

  expect_failures = [var.default_capacity_provider_strategy]
}

run "negative_base" {
  command = plan

  variables {
    default_capacity_provider_strategy = [{ capacity_provider = "FARGATE", base = -1, weight = 1 }]
  }

  expect_failures = [var.default_capacity_provider_strategy]
}

run "two_bases" {
  command = plan

  variables {
    default_capacity_provider_strategy = [
      { capacity_provider = "FARGATE", base = 1, weight = 1 },
      { capacity_provider = "FARGATE_SPOT", base = 1, weight = 1 },
    ]
  }

  expect_failures = [var.default_capacity_provider_strategy]
}
