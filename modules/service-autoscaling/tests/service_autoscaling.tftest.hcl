mock_provider "aws" {
  mock_resource "aws_appautoscaling_policy" {
    override_during = plan
    defaults = {
      arn = "arn:aws:autoscaling:eu-west-1:123456789012:scalingPolicy:00000000-0000-0000-0000-000000000000:resource/ecs/service/app-prod/web:policyName/mock"
    }
  }
}

variables {
  cluster_name = "app-prod"
  service_name = "web"
  tags = {
    Environment = "prod"
  }
}

run "defaults" {
  command = plan

  assert {
    condition     = aws_appautoscaling_target.this.resource_id == "service/app-prod/web" && aws_appautoscaling_target.this.scalable_dimension == "ecs:service:DesiredCount" && aws_appautoscaling_target.this.service_namespace == "ecs"
    error_message = "Scalable target must be the service's desired count."
  }

  assert {
    condition     = aws_appautoscaling_target.this.min_capacity == 1 && aws_appautoscaling_target.this.max_capacity == 4
    error_message = "Default capacity must be 1..4."
  }

  assert {
    condition     = aws_appautoscaling_target.this.tags == tomap({ Environment = "prod", Name = "app-prod-web" })
    error_message = "Tags must merge var.tags with Name."
  }

  assert {
    condition     = keys(aws_appautoscaling_policy.target_tracking) == ["cpu"]
    error_message = "Only CPU target tracking by default."
  }

  assert {
    condition     = aws_appautoscaling_policy.target_tracking["cpu"].policy_type == "TargetTrackingScaling" && aws_appautoscaling_policy.target_tracking["cpu"].name == "app-prod-web-cpu-target-tracking"
    error_message = "CPU policy type or name wrong."
  }

  assert {
    condition     = aws_appautoscaling_policy.target_tracking["cpu"].target_tracking_scaling_policy_configuration[0].target_value == 70 && aws_appautoscaling_policy.target_tracking["cpu"].target_tracking_scaling_policy_configuration[0].predefined_metric_specification[0].predefined_metric_type == "ECSServiceAverageCPUUtilization"
    error_message = "CPU target tracking must aim at 70% average CPU."
  }

  assert {
    condition     = aws_appautoscaling_policy.target_tracking["cpu"].target_tracking_scaling_policy_configuration[0].scale_in_cooldown == 300 && aws_appautoscaling_policy.target_tracking["cpu"].target_tracking_scaling_policy_configuration[0].scale_out_cooldown == 60
    error_message = "Default cooldowns must be 300 in / 60 out."
  }

  assert {
    condition     = length(aws_appautoscaling_policy.scale_out) == 0 && length(aws_cloudwatch_metric_alarm.cpu_high) == 0 && length(aws_cloudwatch_metric_alarm.cpu_low) == 0
    error_message = "No step scaling by default."
  }

  assert {
    condition     = output.alarm_names == [] && output.scale_out_policy_arn == null && output.memory_policy_arn == null
    error_message = "Outputs of switched-off parts must be empty or null."
  }

  assert {
    condition     = keys(output.policy_arns) == ["cpu"] && output.target_resource_id == "service/app-prod/web"
    error_message = "policy_arns must list only the CPU policy."
  }
}

run "memory_and_cooldowns" {
  command = plan

  variables {
    enable_memory_target_tracking = true
    memory_target_value           = 75
    cpu_target_value              = 60
    scale_in_cooldown             = 600
    scale_out_cooldown            = 0
    disable_scale_in              = true
    min_capacity                  = 2
    max_capacity                  = 2
  }

  assert {
    condition     = aws_appautoscaling_policy.target_tracking["memory"].target_tracking_scaling_policy_configuration[0].target_value == 75 && aws_appautoscaling_policy.target_tracking["memory"].target_tracking_scaling_policy_configuration[0].predefined_metric_specification[0].predefined_metric_type == "ECSServiceAverageMemoryUtilization"
    error_message = "Memory target tracking must follow memory_target_value."
  }

  assert {
    condition     = aws_appautoscaling_policy.target_tracking["cpu"].target_tracking_scaling_policy_configuration[0].target_value == 60
    error_message = "CPU target value must follow the input."
  }

  assert {
    condition     = aws_appautoscaling_policy.target_tracking["memory"].target_tracking_scaling_policy_configuration[0].scale_in_cooldown == 600 && aws_appautoscaling_policy.target_tracking["memory"].target_tracking_scaling_policy_configuration[0].scale_out_cooldown == 0 && aws_appautoscaling_policy.target_tracking["memory"].target_tracking_scaling_policy_configuration[0].disable_scale_in
    error_message = "Cooldowns and disable_scale_in must follow the inputs."
  }

  assert {
    condition     = toset(keys(output.policy_arns)) == toset(["cpu", "memory"])
    error_message = "policy_arns must list the CPU and memory policies."
  }
}

run "step_scaling" {
  command = plan

  variables {
    name                       = "web"
    enable_cpu_target_tracking = false
    enable_step_scaling        = true
  }

  assert {
    condition     = !contains(keys(aws_appautoscaling_policy.target_tracking), "cpu") && output.cpu_policy_arn == null
    error_message = "CPU target tracking must be off."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.cpu_high[0].alarm_name == "web-cpu-high" && aws_cloudwatch_metric_alarm.cpu_high[0].threshold == 70 && aws_cloudwatch_metric_alarm.cpu_high[0].comparison_operator == "GreaterThanThreshold" && aws_cloudwatch_metric_alarm.cpu_high[0].evaluation_periods == 3
    error_message = "cpu high alarm must fire above 70% for 3 periods."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.cpu_high[0].namespace == "AWS/ECS" && aws_cloudwatch_metric_alarm.cpu_high[0].metric_name == "CPUUtilization" && aws_cloudwatch_metric_alarm.cpu_high[0].dimensions == tomap({ ClusterName = "app-prod", ServiceName = "web" })
    error_message = "cpu high alarm must watch the service's CPUUtilization."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.cpu_low[0].alarm_name == "web-cpu-low" && aws_cloudwatch_metric_alarm.cpu_low[0].threshold == 20 && aws_cloudwatch_metric_alarm.cpu_low[0].comparison_operator == "LessThanThreshold"
    error_message = "cpu low alarm must fire below 20%."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.cpu_high[0].alarm_actions == toset([aws_appautoscaling_policy.scale_out[0].arn]) && aws_cloudwatch_metric_alarm.cpu_low[0].alarm_actions == toset([aws_appautoscaling_policy.scale_in[0].arn])
    error_message = "Alarms must trigger their step policies."
  }

  assert {
    condition     = aws_appautoscaling_policy.scale_out[0].policy_type == "StepScaling" && aws_appautoscaling_policy.scale_out[0].step_scaling_policy_configuration[0].adjustment_type == "ChangeInCapacity"
    error_message = "Scale-out must be a ChangeInCapacity step policy."
  }

  assert {
    condition     = [for s in aws_appautoscaling_policy.scale_out[0].step_scaling_policy_configuration[0].step_adjustment : s.scaling_adjustment] == [1] && [for s in aws_appautoscaling_policy.scale_out[0].step_scaling_policy_configuration[0].step_adjustment : s.metric_interval_lower_bound] == ["0"]
    error_message = "Default scale-out must add one task from the threshold on."
  }

  assert {
    condition     = [for s in aws_appautoscaling_policy.scale_in[0].step_scaling_policy_configuration[0].step_adjustment : s.scaling_adjustment] == [-1] && [for s in aws_appautoscaling_policy.scale_in[0].step_scaling_policy_configuration[0].step_adjustment : s.metric_interval_upper_bound] == ["0"]
    error_message = "Default scale-in must remove one task below the threshold."
  }

  assert {
    condition     = output.alarm_names == ["web-cpu-high", "web-cpu-low"]
    error_message = "alarm_names must list both step scaling alarms."
  }

  assert {
    condition     = toset(keys(output.policy_arns)) == toset(["scale_out", "scale_in"]) && output.scale_out_policy_arn != null
    error_message = "policy_arns must list the step policies."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.cpu_high[0].tags == tomap({ Environment = "prod", Name = "web-cpu-high" })
    error_message = "Alarm tags must merge var.tags with Name."
  }
}

run "step_scaling_custom_steps" {
  command = plan

  variables {
    enable_step_scaling = true
    step_scaling = {
      high_threshold      = 80
      low_threshold       = 10
      scale_in_adjustment = 2
      scale_out_steps = [
        { lower_bound = 0, upper_bound = 10, adjustment = 1 },
        { lower_bound = 10, adjustment = 3 },
      ]
    }
  }

  assert {
    condition     = [for s in aws_appautoscaling_policy.scale_out[0].step_scaling_policy_configuration[0].step_adjustment : s.scaling_adjustment] == [1, 3]
    error_message = "Scale-out steps must follow the input."
  }

  assert {
    condition     = [for s in aws_appautoscaling_policy.scale_in[0].step_scaling_policy_configuration[0].step_adjustment : s.scaling_adjustment] == [-2]
    error_message = "Scale-in must remove scale_in_adjustment tasks."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.cpu_high[0].threshold == 80 && aws_cloudwatch_metric_alarm.cpu_low[0].threshold == 10
    error_message = "Thresholds must follow the input."
  }
}

################################################################################
# Validations: one run per rule
################################################################################

run "invalid_cluster_name" {
  command = plan
  variables {
    cluster_name = "arn:aws:ecs:eu-west-1:123456789012:cluster/app-prod"
  }
  expect_failures = [var.cluster_name]
}

run "invalid_service_name" {
  command = plan
  variables {
    service_name = "web service"
  }
  expect_failures = [var.service_name]
}

run "invalid_min_capacity" {
  command = plan
  variables {
    min_capacity = -1
  }
  expect_failures = [var.min_capacity]
}

run "invalid_max_below_min" {
  command = plan
  variables {
    min_capacity = 5
    max_capacity = 2
  }
  expect_failures = [var.max_capacity]
}

run "invalid_cpu_target_value" {
  command = plan
  variables {
    cpu_target_value = 0
  }
  expect_failures = [var.cpu_target_value]
}

run "invalid_memory_target_value" {
  command = plan
  variables {
    memory_target_value = 101
  }
  expect_failures = [var.memory_target_value]
}

run "invalid_scale_in_cooldown" {
  command = plan
  variables {
    scale_in_cooldown = -1
  }
  expect_failures = [var.scale_in_cooldown]
}

run "invalid_scale_out_cooldown" {
  command = plan
  variables {
    scale_out_cooldown = -1
  }
  expect_failures = [var.scale_out_cooldown]
}

run "invalid_step_threshold_range" {
  command = plan
  variables {
    step_scaling = { high_threshold = 120 }
  }
  expect_failures = [var.step_scaling]
}

run "invalid_step_threshold_order" {
  command = plan
  variables {
    step_scaling = { high_threshold = 30, low_threshold = 40 }
  }
  expect_failures = [var.step_scaling]
}

run "invalid_step_cooldown" {
  command = plan
  variables {
    step_scaling = { scale_in_cooldown = -10 }
  }
  expect_failures = [var.step_scaling]
}

run "invalid_step_evaluation_periods" {
  command = plan
  variables {
    step_scaling = { evaluation_periods = 0 }
  }
  expect_failures = [var.step_scaling]
}

run "invalid_step_period" {
  command = plan
  variables {
    step_scaling = { period = 45 }
  }
  expect_failures = [var.step_scaling]
}

run "invalid_scale_out_steps" {
  command = plan
  variables {
    step_scaling = { scale_out_steps = [{ lower_bound = 0, adjustment = -1 }] }
  }
  expect_failures = [var.step_scaling]
}

run "invalid_scale_in_adjustment" {
  command = plan
  variables {
    step_scaling = { scale_in_adjustment = 0 }
  }
  expect_failures = [var.step_scaling]
}

run "invalid_metric_aggregation_type" {
  command = plan
  variables {
    step_scaling = { metric_aggregation_type = "Sum" }
  }
  expect_failures = [var.step_scaling]
}
