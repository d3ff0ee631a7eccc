locals {
  name        = coalesce(var.name, "${var.cluster_name}-${var.service_name}")
  resource_id = "service/${var.cluster_name}/${var.service_name}"

  dimensions = {
    ClusterName = var.cluster_name
    ServiceName = var.service_name
  }
}

resource "aws_appautoscaling_target" "this" {
  service_namespace  = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id        = local.resource_id
  min_capacity       = var.min_capacity
  max_capacity       = var.max_capacity

  tags = merge(var.tags, { Name = local.name })
}

################################################################################
# Target tracking (AWS creates and owns the TargetTracking-* alarms behind these)
################################################################################

locals {
  # One target-tracking policy per enabled metric, keyed by a stable name.
  target_tracking = {
    for key, policy in {
      cpu    = { enabled = var.enable_cpu_target_tracking, target = var.cpu_target_value, metric = "ECSServiceAverageCPUUtilization" }
      memory = { enabled = var.enable_memory_target_tracking, target = var.memory_target_value, metric = "ECSServiceAverageMemoryUtilization" }
    } : key => policy if policy.enabled
  }
}

resource "aws_appautoscaling_policy" "target_tracking" {
  for_each = local.target_tracking

  name               = "${local.name}-${each.key}-target-tracking"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this.service_namespace
  scalable_dimension = aws_appautoscaling_target.this.scalable_dimension
  resource_id        = aws_appautoscaling_target.this.resource_id

  target_tracking_scaling_policy_configuration {
    target_value       = each.value.target
    scale_in_cooldown  = var.scale_in_cooldown
    scale_out_cooldown = var.scale_out_cooldown
    disable_scale_in   = var.disable_scale_in

    predefined_metric_specification {
      predefined_metric_type = each.value.metric
    }
  }
}

################################################################################
# Step scaling: "cpu high" alarm -> scale out, "cpu low" alarm -> scale in
################################################################################

resource "aws_appautoscaling_policy" "scale_out" {
  count = var.enable_step_scaling ? 1 : 0

  name               = "${local.name}-cpu-high-scale-out"
  policy_type        = "StepScaling"
  service_namespace  = aws_appautoscaling_target.this.service_namespace
  scalable_dimension = aws_appautoscaling_target.this.scalable_dimension
  resource_id        = aws_appautoscaling_target.this.resource_id

  step_scaling_policy_configuration {
    adjustment_type         = "ChangeInCapacity"
    cooldown                = var.step_scaling.scale_out_cooldown
    metric_aggregation_type = var.step_scaling.metric_aggregation_type

    dynamic "step_adjustment" {
      for_each = var.step_scaling.scale_out_steps

      content {
        metric_interval_lower_bound = step_adjustment.value.lower_bound
        metric_interval_upper_bound = step_adjustment.value.upper_bound
        scaling_adjustment          = step_adjustment.value.adjustment
      }
    }
  }
}

resource "aws_appautoscaling_policy" "scale_in" {
  count = var.enable_step_scaling ? 1 : 0

  name               = "${local.name}-cpu-low-scale-in"
  policy_type        = "StepScaling"
  service_namespace  = aws_appautoscaling_target.this.service_namespace
  scalable_dimension = aws_appautoscaling_target.this.scalable_dimension
  resource_id        = aws_appautoscaling_target.this.resource_id

  step_scaling_policy_configuration {
    adjustment_type         = "ChangeInCapacity"
    cooldown                = var.step_scaling.scale_in_cooldown
    metric_aggregation_type = var.step_scaling.metric_aggregation_type

    step_adjustment {
      metric_interval_upper_bound = 0
      scaling_adjustment          = -var.step_scaling.scale_in_adjustment
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "cpu_high" {
  count = var.enable_step_scaling ? 1 : 0

  alarm_name          = "${local.name}-cpu-high"
  alarm_description   = "Average CPU of ${var.service_name} above ${var.step_scaling.high_threshold}% for ${var.step_scaling.evaluation_periods} x ${var.step_scaling.period}s: scale out."
  namespace           = "AWS/ECS"
  metric_name         = "CPUUtilization"
  dimensions          = local.dimensions
  statistic           = "Average"
  period              = var.step_scaling.period
  evaluation_periods  = var.step_scaling.evaluation_periods
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.step_scaling.high_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_appautoscaling_policy.scale_out[0].arn]

  tags = merge(var.tags, { Name = "${local.name}-cpu-high" })
}

resource "aws_cloudwatch_metric_alarm" "cpu_low" {
  count = var.enable_step_scaling ? 1 : 0

  alarm_name          = "${local.name}-cpu-low"
  alarm_description   = "Average CPU of ${var.service_name} below ${var.step_scaling.low_threshold}% for ${var.step_scaling.low_evaluation_periods} x ${var.step_scaling.period}s: scale in."
  namespace           = "AWS/ECS"
  metric_name         = "CPUUtilization"
  dimensions          = local.dimensions
  statistic           = "Average"
  period              = var.step_scaling.period
  evaluation_periods  = var.step_scaling.low_evaluation_periods
  comparison_operator = "LessThanThreshold"
  threshold           = var.step_scaling.low_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_appautoscaling_policy.scale_in[0].arn]

  tags = merge(var.tags, { Name = "${local.name}-cpu-low" })
}
