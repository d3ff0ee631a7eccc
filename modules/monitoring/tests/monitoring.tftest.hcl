mock_provider "aws" {
  mock_data "aws_region" {
    defaults = {
      region = "eu-west-1"
      name   = "eu-west-1"
    }
  }

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111122223333"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{}"
    }
  }

  mock_resource "aws_sns_topic" {
    override_during = plan
    defaults = {
      arn = "arn:aws:sns:eu-west-1:111122223333:shop-prod-alarms"
    }
  }
}

variables {
  name_prefix = "shop-prod"
  tags = {
    Environment = "prod"
  }
}

run "topic_only_by_default" {
  command = plan

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.this) == 0 && length(aws_cloudwatch_dashboard.this) == 0
    error_message = "No alarms or dashboard without alb/ecs/rds inputs."
  }

  assert {
    condition     = aws_sns_topic.this[0].name == "shop-prod-alarms" && aws_sns_topic.this[0].tags["Environment"] == "prod"
    error_message = "Topic name or tags are wrong."
  }

  assert {
    condition     = length(aws_kms_key.this) == 1 && aws_kms_key.this[0].enable_key_rotation == true
    error_message = "A customer managed key with rotation must encrypt the topic by default."
  }

  assert {
    condition     = aws_kms_alias.this[0].name == "alias/shop-prod-alarms"
    error_message = "KMS alias is wrong."
  }

  assert {
    condition     = anytrue([for s in data.aws_iam_policy_document.kms[0].statement : contains(flatten([for p in s.principals : p.identifiers]), "cloudwatch.amazonaws.com") && toset(s.actions) == toset(["kms:Decrypt", "kms:GenerateDataKey*"])])
    error_message = "The key policy must let CloudWatch alarms use the key."
  }

  assert {
    condition     = output.alarm_names == [] && output.deployment_alarm_names == [] && output.dashboard_name == null
    error_message = "Outputs must be empty/null when nothing is enabled."
  }

  assert {
    condition     = length(aws_sns_topic_subscription.email) == 0
    error_message = "No subscriptions by default."
  }
}

run "email_subscriptions" {
  command = plan

  variables {
    email_subscriptions = ["oncall@example.com", "team@example.com"]
  }

  assert {
    condition     = length(aws_sns_topic_subscription.email) == 2 && aws_sns_topic_subscription.email["oncall@example.com"].protocol == "email"
    error_message = "One email subscription per address expected."
  }
}

run "all_groups" {
  command = plan

  variables {
    alb = {
      load_balancer_arn_suffix = "app/shop-prod/0123456789abcdef"
      target_group_arn_suffix  = "targetgroup/shop-web/fedcba9876543210"
    }
    ecs = {
      cluster_name      = "shop-prod"
      service_name      = "web"
      min_running_tasks = 2
    }
    rds = {
      instance_id           = "shop-prod-db"
      connections_threshold = 150
    }
  }

  assert {
    condition = output.alarm_names == [
      "shop-prod-alb-elb-5xx",
      "shop-prod-alb-target-5xx",
      "shop-prod-alb-target-response-time",
      "shop-prod-alb-unhealthy-hosts",
      "shop-prod-ecs-cpu-high",
      "shop-prod-ecs-memory-high",
      "shop-prod-ecs-running-tasks-low",
      "shop-prod-rds-connections-high",
      "shop-prod-rds-cpu-high",
      "shop-prod-rds-free-storage-low",
      "shop-prod-rds-freeable-memory-low",
    ]
    error_message = "All eleven alarms expected, sorted and prefixed."
  }

  assert {
    condition = output.deployment_alarm_names == [
      "shop-prod-alb-elb-5xx",
      "shop-prod-alb-target-5xx",
      "shop-prod-alb-target-response-time",
      "shop-prod-alb-unhealthy-hosts",
      "shop-prod-ecs-running-tasks-low",
    ]
    error_message = "Deployment alarms must be 5xx, latency, unhealthy hosts and running tasks."
  }

  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.this : a.alarm_actions == toset(["arn:aws:sns:eu-west-1:111122223333:shop-prod-alarms"]) && a.ok_actions == toset(["arn:aws:sns:eu-west-1:111122223333:shop-prod-alarms"])])
    error_message = "Every alarm must notify the topic on ALARM and OK."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["alb-target-5xx"].treat_missing_data == "notBreaching" && aws_cloudwatch_metric_alarm.this["alb-elb-5xx"].treat_missing_data == "notBreaching"
    error_message = "5XX count alarms must treat missing data as not breaching."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["ecs-running-tasks-low"].treat_missing_data == "breaching"
    error_message = "The running tasks alarm must treat missing data as breaching by default."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.this["ecs-running-tasks-low"].namespace == "ECS/ContainerInsights" &&
      aws_cloudwatch_metric_alarm.this["ecs-running-tasks-low"].metric_name == "RunningTaskCount" &&
      aws_cloudwatch_metric_alarm.this["ecs-running-tasks-low"].comparison_operator == "LessThanThreshold" &&
      aws_cloudwatch_metric_alarm.this["ecs-running-tasks-low"].threshold == 2 &&
      aws_cloudwatch_metric_alarm.this["ecs-running-tasks-low"].dimensions == tomap({ ClusterName = "shop-prod", ServiceName = "web" })
    )
    error_message = "Running tasks alarm must compare Container Insights RunningTaskCount with min_running_tasks."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["alb-target-response-time"].extended_statistic == "p95" && aws_cloudwatch_metric_alarm.this["alb-target-response-time"].statistic == null && aws_cloudwatch_metric_alarm.this["alb-target-response-time"].threshold == 1
    error_message = "Latency alarm must use the p95 extended statistic and 1 s by default."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["alb-target-5xx"].dimensions == tomap({ LoadBalancer = "app/shop-prod/0123456789abcdef", TargetGroup = "targetgroup/shop-web/fedcba9876543210" })
    error_message = "Target 5XX alarm must be scoped to the target group when one is given."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["alb-elb-5xx"].dimensions == tomap({ LoadBalancer = "app/shop-prod/0123456789abcdef" }) && aws_cloudwatch_metric_alarm.this["alb-elb-5xx"].metric_name == "HTTPCode_ELB_5XX_Count"
    error_message = "ELB 5XX alarm must use the load balancer dimension only."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["alb-unhealthy-hosts"].metric_name == "UnHealthyHostCount" && aws_cloudwatch_metric_alarm.this["alb-unhealthy-hosts"].threshold == 0
    error_message = "Unhealthy hosts alarm must fire on any unhealthy target."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["rds-free-storage-low"].comparison_operator == "LessThanThreshold" && aws_cloudwatch_metric_alarm.this["rds-free-storage-low"].dimensions == tomap({ DBInstanceIdentifier = "shop-prod-db" })
    error_message = "Free storage alarm must fire below the threshold for the instance."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["rds-connections-high"].threshold == 150 && aws_cloudwatch_metric_alarm.this["ecs-cpu-high"].threshold == 80
    error_message = "Thresholds must come from inputs and defaults."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["ecs-cpu-high"].tags["Name"] == "shop-prod-ecs-cpu-high" && aws_cloudwatch_metric_alarm.this["ecs-cpu-high"].tags["Environment"] == "prod"
    error_message = "Alarm tags must merge var.tags with Name."
  }

  assert {
    condition     = aws_cloudwatch_dashboard.this[0].dashboard_name == "shop-prod" && output.dashboard_name == "shop-prod"
    error_message = "Dashboard must be named after name_prefix."
  }

  assert {
    condition     = length(jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets) == 11
    error_message = "One dashboard widget per alarm metric expected."
  }

  assert {
    condition     = contains([for w in jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets : w.properties.metrics[0]], ["ECS/ContainerInsights", "RunningTaskCount", "ClusterName", "shop-prod", "ServiceName", "web"])
    error_message = "Dashboard must graph RunningTaskCount for the service."
  }

  assert {
    condition     = alltrue([for w in jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets : w.properties.region == "eu-west-1"])
    error_message = "Every widget must carry the region."
  }
}

run "group_toggles_and_optional_alarms" {
  command = plan

  variables {
    alb = {
      load_balancer_arn_suffix = "app/shop-prod/0123456789abcdef"
      enable_5xx_alarms        = false
      latency_statistic        = "p99"
    }
    ecs = {
      cluster_name        = "shop-prod"
      service_name        = "web"
      enable_memory_alarm = false
    }
    rds = {
      instance_id                  = "shop-prod-db"
      enable_cpu_alarm             = false
      enable_freeable_memory_alarm = false
    }
    create_dashboard = false
  }

  assert {
    condition     = output.alarm_names == ["shop-prod-alb-target-response-time", "shop-prod-ecs-cpu-high", "shop-prod-rds-free-storage-low"]
    error_message = "Only enabled alarms expected: no unhealthy hosts without a target group, no running tasks without min_running_tasks, no connections without a threshold."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["alb-target-response-time"].extended_statistic == "p99" && aws_cloudwatch_metric_alarm.this["alb-target-response-time"].dimensions == tomap({ LoadBalancer = "app/shop-prod/0123456789abcdef" })
    error_message = "Latency alarm must use p99 and the load balancer dimension without a target group."
  }

  assert {
    condition     = output.deployment_alarm_names == ["shop-prod-alb-target-response-time"]
    error_message = "Deployment alarms must follow the toggles."
  }

  assert {
    condition     = length(aws_cloudwatch_dashboard.this) == 0 && output.dashboard_name == null
    error_message = "Dashboard must be off when create_dashboard = false."
  }
}

run "existing_topic_and_key" {
  command = plan

  variables {
    create_sns_topic = false
    sns_topic_arn    = "arn:aws:sns:eu-west-1:111122223333:central-alarms"
    ecs = {
      cluster_name                     = "shop-prod"
      service_name                     = "web"
      min_running_tasks                = 1
      running_tasks_treat_missing_data = "missing"
    }
  }

  assert {
    condition     = length(aws_sns_topic.this) == 0 && length(aws_kms_key.this) == 0
    error_message = "No topic or key when an existing topic is given."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["ecs-running-tasks-low"].alarm_actions == toset(["arn:aws:sns:eu-west-1:111122223333:central-alarms"])
    error_message = "Alarms must notify the given topic."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["ecs-running-tasks-low"].treat_missing_data == "missing"
    error_message = "running_tasks_treat_missing_data must be honoured."
  }

  assert {
    condition     = output.sns_topic_arn == "arn:aws:sns:eu-west-1:111122223333:central-alarms" && output.kms_key_arn == null
    error_message = "Outputs must reflect the given topic."
  }
}

run "own_kms_key" {
  command = plan

  variables {
    create_kms_key    = false
    kms_master_key_id = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition     = length(aws_kms_key.this) == 0 && aws_sns_topic.this[0].kms_master_key_id == "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    error_message = "The given key must encrypt the topic."
  }
}

run "invalid_name_prefix" {
  command = plan

  variables {
    name_prefix = "Shop_Prod"
  }

  expect_failures = [var.name_prefix]
}

run "invalid_sns_topic_arn" {
  command = plan

  variables {
    create_sns_topic = false
  }

  expect_failures = [var.sns_topic_arn]
}

run "invalid_kms_master_key_id" {
  command = plan

  variables {
    create_kms_key    = false
    kms_master_key_id = "alias/aws/sns"
  }

  expect_failures = [var.kms_master_key_id]
}

run "invalid_kms_key_deletion_window_in_days" {
  command = plan

  variables {
    kms_key_deletion_window_in_days = 3
  }

  expect_failures = [var.kms_key_deletion_window_in_days]
}

run "invalid_email_subscriptions" {
  command = plan

  variables {
    email_subscriptions = ["not-an-email"]
  }

  expect_failures = [var.email_subscriptions]
}

run "invalid_alb_arn_suffix" {
  command = plan

  variables {
    alb = {
      load_balancer_arn_suffix = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/shop/0123"
    }
  }

  expect_failures = [var.alb]
}

run "invalid_alb_latency_statistic" {
  command = plan

  variables {
    alb = {
      load_balancer_arn_suffix = "app/shop-prod/0123456789abcdef"
      latency_statistic        = "Average"
    }
  }

  expect_failures = [var.alb]
}

run "invalid_alb_thresholds" {
  command = plan

  variables {
    alb = {
      load_balancer_arn_suffix  = "app/shop-prod/0123456789abcdef"
      latency_threshold_seconds = 0
    }
  }

  expect_failures = [var.alb]
}

run "invalid_ecs_thresholds" {
  command = plan

  variables {
    ecs = {
      cluster_name  = "shop-prod"
      service_name  = "web"
      cpu_threshold = 120
    }
  }

  expect_failures = [var.ecs]
}

run "invalid_ecs_min_running_tasks" {
  command = plan

  variables {
    ecs = {
      cluster_name      = "shop-prod"
      service_name      = "web"
      min_running_tasks = 0
    }
  }

  expect_failures = [var.ecs]
}

run "invalid_ecs_treat_missing_data" {
  command = plan

  variables {
    ecs = {
      cluster_name                     = "shop-prod"
      service_name                     = "web"
      min_running_tasks                = 1
      running_tasks_treat_missing_data = "alarm"
    }
  }

  expect_failures = [var.ecs]
}

run "invalid_rds_cpu_threshold" {
  command = plan

  variables {
    rds = {
      instance_id   = "shop-prod-db"
      cpu_threshold = 0
    }
  }

  expect_failures = [var.rds]
}

run "invalid_rds_thresholds" {
  command = plan

  variables {
    rds = {
      instance_id           = "shop-prod-db"
      connections_threshold = -1
    }
  }

  expect_failures = [var.rds]
}

run "unhealthy_hosts_alarm_needs_a_target_group" {
  command = plan

  variables {
    alb = {
      load_balancer_arn_suffix     = "app/shop/0123456789abcdef"
      enable_unhealthy_hosts_alarm = true
    }
  }

  expect_failures = [var.alb]
}
