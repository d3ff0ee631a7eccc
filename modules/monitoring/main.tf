data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  create_kms_key = var.create_sns_topic && var.create_kms_key
  topic_arn      = var.create_sns_topic ? try(aws_sns_topic.this[0].arn, null) : var.sns_topic_arn

  alb_enabled = var.alb != null
  ecs_enabled = var.ecs != null
  rds_enabled = var.rds != null

  # Dimensions of the ALB metrics: scoped to the service's target group when one is given
  # (so the alarms suit a shared ALB and ECS deployment alarms), else the whole load balancer.
  alb_dimensions = local.alb_enabled ? merge(
    { LoadBalancer = var.alb.load_balancer_arn_suffix },
    var.alb.target_group_arn_suffix == null ? {} : { TargetGroup = var.alb.target_group_arn_suffix },
  ) : {}

  ecs_dimensions = local.ecs_enabled ? {
    ClusterName = var.ecs.cluster_name
    ServiceName = var.ecs.service_name
  } : {}

  rds_dimensions = local.rds_enabled ? { DBInstanceIdentifier = var.rds.instance_id } : {}

  # Every alarm the module can create, keyed by a stable name that also suffixes the alarm
  # name. `enabled` decides whether it exists; `deployment` marks alarms suitable for the
  # ECS deployment circuit breaker (service-level symptoms of a bad release).
  alarm_definitions = {
    "alb-target-5xx" = {
      enabled             = local.alb_enabled && try(var.alb.enable_5xx_alarms, false)
      deployment          = true
      title               = "ALB target 5XX responses"
      description         = "Targets behind the load balancer returned more than ${try(var.alb.target_5xx_threshold, 0)} 5XX responses per minute."
      namespace           = "AWS/ApplicationELB"
      metric_name         = "HTTPCode_Target_5XX_Count"
      dimensions          = tomap(local.alb_dimensions)
      statistic           = "Sum"
      extended_statistic  = null
      comparison_operator = "GreaterThanThreshold"
      threshold           = try(var.alb.target_5xx_threshold, 0)
      period              = 60
      evaluation_periods  = 5
      datapoints_to_alarm = 3
      treat_missing_data  = "notBreaching" # no requests, no datapoint: nothing failed
    }
    "alb-elb-5xx" = {
      enabled             = local.alb_enabled && try(var.alb.enable_5xx_alarms, false)
      deployment          = true
      title               = "ALB 5XX responses (load balancer)"
      description         = "The load balancer itself returned more than ${try(var.alb.elb_5xx_threshold, 0)} 5XX responses per minute (e.g. no healthy targets, 502/503/504)."
      namespace           = "AWS/ApplicationELB"
      metric_name         = "HTTPCode_ELB_5XX_Count"
      dimensions          = tomap(local.alb_enabled ? { LoadBalancer = var.alb.load_balancer_arn_suffix } : {})
      statistic           = "Sum"
      extended_statistic  = null
      comparison_operator = "GreaterThanThreshold"
      threshold           = try(var.alb.elb_5xx_threshold, 0)
      period              = 60
      evaluation_periods  = 5
      datapoints_to_alarm = 3
      treat_missing_data  = "notBreaching" # no requests, no datapoint: nothing failed
    }
    "alb-target-response-time" = {
      enabled             = local.alb_enabled && try(var.alb.enable_latency_alarm, false)
      deployment          = true
      title               = "ALB target response time (${try(var.alb.latency_statistic, "p95")})"
      description         = "${try(var.alb.latency_statistic, "p95")} target response time above ${try(var.alb.latency_threshold_seconds, 0)} s."
      namespace           = "AWS/ApplicationELB"
      metric_name         = "TargetResponseTime"
      dimensions          = tomap(local.alb_dimensions)
      statistic           = null
      extended_statistic  = try(var.alb.latency_statistic, "p95")
      comparison_operator = "GreaterThanThreshold"
      threshold           = try(var.alb.latency_threshold_seconds, 0)
      period              = 60
      evaluation_periods  = 5
      datapoints_to_alarm = 3
      treat_missing_data  = "notBreaching" # no requests, no latency to judge
    }
    "alb-unhealthy-hosts" = {
      # An explicit true/false decides without looking at the target group suffix, which is
      # unknown until apply when the ALB is created in the same run; null means "when a
      # target group is given" (fine when it already exists).
      enabled = local.alb_enabled && (
        try(var.alb.enable_unhealthy_hosts_alarm, null) != null
        ? var.alb.enable_unhealthy_hosts_alarm
        : try(var.alb.target_group_arn_suffix, null) != null
      )
      deployment          = true
      title               = "Unhealthy targets"
      description         = "More than ${try(var.alb.unhealthy_hosts_threshold, 0)} targets of the target group failed health checks."
      namespace           = "AWS/ApplicationELB"
      metric_name         = "UnHealthyHostCount"
      dimensions          = tomap(local.alb_dimensions)
      statistic           = "Maximum"
      extended_statistic  = null
      comparison_operator = "GreaterThanThreshold"
      threshold           = try(var.alb.unhealthy_hosts_threshold, 0)
      period              = 60
      evaluation_periods  = 3
      datapoints_to_alarm = 2
      treat_missing_data  = "notBreaching" # no datapoint when no target group traffic/registration; running tasks covers absence
    }
    "ecs-cpu-high" = {
      enabled             = local.ecs_enabled && try(var.ecs.enable_cpu_alarm, false)
      deployment          = false
      title               = "ECS service CPU utilization"
      description         = "Average CPU utilization of the service above ${try(var.ecs.cpu_threshold, 0)}%."
      namespace           = "AWS/ECS"
      metric_name         = "CPUUtilization"
      dimensions          = tomap(local.ecs_dimensions)
      statistic           = "Average"
      extended_statistic  = null
      comparison_operator = "GreaterThanThreshold"
      threshold           = try(var.ecs.cpu_threshold, 0)
      period              = 60
      evaluation_periods  = 5
      datapoints_to_alarm = 5
      treat_missing_data  = "missing" # keep the last state; absence is caught by running tasks
    }
    "ecs-memory-high" = {
      enabled             = local.ecs_enabled && try(var.ecs.enable_memory_alarm, false)
      deployment          = false
      title               = "ECS service memory utilization"
      description         = "Average memory utilization of the service above ${try(var.ecs.memory_threshold, 0)}%."
      namespace           = "AWS/ECS"
      metric_name         = "MemoryUtilization"
      dimensions          = tomap(local.ecs_dimensions)
      statistic           = "Average"
      extended_statistic  = null
      comparison_operator = "GreaterThanThreshold"
      threshold           = try(var.ecs.memory_threshold, 0)
      period              = 60
      evaluation_periods  = 5
      datapoints_to_alarm = 5
      treat_missing_data  = "missing" # keep the last state; absence is caught by running tasks
    }
    "ecs-running-tasks-low" = {
      enabled             = local.ecs_enabled && try(var.ecs.min_running_tasks, null) != null
      deployment          = true
      title               = "ECS running tasks"
      description         = "Fewer than ${coalesce(try(var.ecs.min_running_tasks, null), 0)} tasks of the service are running (Container Insights RunningTaskCount)."
      namespace           = "ECS/ContainerInsights"
      metric_name         = "RunningTaskCount"
      dimensions          = tomap(local.ecs_dimensions)
      statistic           = "Minimum"
      extended_statistic  = null
      comparison_operator = "LessThanThreshold"
      threshold           = coalesce(try(var.ecs.min_running_tasks, null), 0)
      period              = 60
      evaluation_periods  = 3
      datapoints_to_alarm = 3
      treat_missing_data  = try(var.ecs.running_tasks_treat_missing_data, "breaching") # no datapoint: service gone or not reporting
    }
    "rds-cpu-high" = {
      enabled             = local.rds_enabled && try(var.rds.enable_cpu_alarm, false)
      deployment          = false
      title               = "RDS CPU utilization"
      description         = "Average CPU utilization of the database above ${try(var.rds.cpu_threshold, 0)}%."
      namespace           = "AWS/RDS"
      metric_name         = "CPUUtilization"
      dimensions          = tomap(local.rds_dimensions)
      statistic           = "Average"
      extended_statistic  = null
      comparison_operator = "GreaterThanThreshold"
      threshold           = try(var.rds.cpu_threshold, 0)
      period              = 300
      evaluation_periods  = 3
      datapoints_to_alarm = 3
      treat_missing_data  = "missing"
    }
    "rds-free-storage-low" = {
      enabled             = local.rds_enabled && try(var.rds.enable_free_storage_alarm, false)
      deployment          = false
      title               = "RDS free storage space"
      description         = "Free storage space of the database below ${try(var.rds.free_storage_threshold_bytes, 0)} bytes."
      namespace           = "AWS/RDS"
      metric_name         = "FreeStorageSpace"
      dimensions          = tomap(local.rds_dimensions)
      statistic           = "Minimum"
      extended_statistic  = null
      comparison_operator = "LessThanThreshold"
      threshold           = try(var.rds.free_storage_threshold_bytes, 0)
      period              = 300
      evaluation_periods  = 1
      datapoints_to_alarm = 1
      treat_missing_data  = "missing"
    }
    "rds-connections-high" = {
      enabled             = local.rds_enabled && try(var.rds.connections_threshold, null) != null
      deployment          = false
      title               = "RDS database connections"
      description         = "Database connections above ${coalesce(try(var.rds.connections_threshold, null), 0)}."
      namespace           = "AWS/RDS"
      metric_name         = "DatabaseConnections"
      dimensions          = tomap(local.rds_dimensions)
      statistic           = "Maximum"
      extended_statistic  = null
      comparison_operator = "GreaterThanThreshold"
      threshold           = coalesce(try(var.rds.connections_threshold, null), 0)
      period              = 300
      evaluation_periods  = 2
      datapoints_to_alarm = 2
      treat_missing_data  = "missing"
    }
    "rds-freeable-memory-low" = {
      enabled             = local.rds_enabled && try(var.rds.enable_freeable_memory_alarm, false)
      deployment          = false
      title               = "RDS freeable memory"
      description         = "Freeable memory of the database below ${try(var.rds.freeable_memory_threshold_bytes, 0)} bytes."
      namespace           = "AWS/RDS"
      metric_name         = "FreeableMemory"
      dimensions          = tomap(local.rds_dimensions)
      statistic           = "Minimum"
      extended_statistic  = null
      comparison_operator = "LessThanThreshold"
      threshold           = try(var.rds.freeable_memory_threshold_bytes, 0)
      period              = 300
      evaluation_periods  = 3
      datapoints_to_alarm = 3
      treat_missing_data  = "missing"
    }
  }

  alarms = { for k, v in local.alarm_definitions : k => v if v.enabled }

  # Same order for names and ARNs.
  alarm_keys = sort(keys(local.alarms))

  dashboard_keys = [for k in keys(local.alarm_definitions) : k if local.alarm_definitions[k].enabled]

  dashboard_widgets = [
    for i, k in local.dashboard_keys : {
      type   = "metric"
      x      = (i % 2) * 12
      y      = floor(i / 2) * 6
      width  = 12
      height = 6
      properties = {
        title   = local.alarm_definitions[k].title
        region  = data.aws_region.current.region
        view    = "timeSeries"
        stacked = false
        period  = local.alarm_definitions[k].period
        stat    = coalesce(local.alarm_definitions[k].extended_statistic, local.alarm_definitions[k].statistic)
        metrics = [
          concat(
            [local.alarm_definitions[k].namespace, local.alarm_definitions[k].metric_name],
            flatten([for name in sort(keys(local.alarm_definitions[k].dimensions)) : [name, local.alarm_definitions[k].dimensions[name]]]),
          )
        ]
        annotations = {
          horizontal = [{ label = "Alarm threshold", value = local.alarm_definitions[k].threshold }]
        }
      }
    }
  ]
}

# CloudWatch alarms cannot publish to a topic encrypted with the AWS managed key aws/sns
# (its key policy cannot grant cloudwatch.amazonaws.com kms:GenerateDataKey*/Decrypt), so
# the topic gets a customer managed key whose policy allows CloudWatch.
data "aws_iam_policy_document" "kms" {
  # checkov:skip=CKV_AWS_111:A key policy's resource "*" means this key only (KMS key policy semantics).
  # checkov:skip=CKV_AWS_356:A key policy's resource "*" means this key only (KMS key policy semantics).
  # checkov:skip=CKV_AWS_109:The account root statement is what keeps the key manageable through IAM.
  count = local.create_kms_key ? 1 : 0

  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchAlarmsPublish"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
  }
}

resource "aws_kms_key" "this" {
  count = local.create_kms_key ? 1 : 0

  description             = "Encrypts the ${var.name_prefix} alarm SNS topic"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  policy                  = data.aws_iam_policy_document.kms[0].json

  tags = merge(var.tags, { Name = "${var.name_prefix}-alarms" })
}

resource "aws_kms_alias" "this" {
  count = local.create_kms_key ? 1 : 0

  name          = "alias/${var.name_prefix}-alarms"
  target_key_id = aws_kms_key.this[0].key_id
}

resource "aws_sns_topic" "this" {
  count = var.create_sns_topic ? 1 : 0

  name              = "${var.name_prefix}-alarms"
  kms_master_key_id = local.create_kms_key ? aws_kms_key.this[0].arn : var.kms_master_key_id

  tags = merge(var.tags, { Name = "${var.name_prefix}-alarms" })
}

resource "aws_sns_topic_subscription" "email" {
  for_each = var.create_sns_topic ? var.email_subscriptions : toset([])

  topic_arn = aws_sns_topic.this[0].arn
  protocol  = "email"
  endpoint  = each.value
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${var.name_prefix}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric_name
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  extended_statistic  = each.value.extended_statistic
  comparison_operator = each.value.comparison_operator
  threshold           = each.value.threshold
  period              = each.value.period
  evaluation_periods  = each.value.evaluation_periods
  datapoints_to_alarm = each.value.datapoints_to_alarm
  treat_missing_data  = each.value.treat_missing_data

  alarm_actions = [local.topic_arn]
  ok_actions    = [local.topic_arn]

  tags = merge(var.tags, { Name = "${var.name_prefix}-${each.key}" })
}

resource "aws_cloudwatch_dashboard" "this" {
  count = var.create_dashboard && length(local.dashboard_widgets) > 0 ? 1 : 0

  dashboard_name = var.name_prefix
  dashboard_body = jsonencode({ widgets = local.dashboard_widgets })
}
