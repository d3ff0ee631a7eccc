output "alarm_names" {
  description = "Names of all alarms, sorted (for slipway's cw-alarms-check `alarm-names` input)."
  value       = [for k in local.alarm_keys : aws_cloudwatch_metric_alarm.this[k].alarm_name]
}

output "alarm_arns" {
  description = "ARNs of all alarms, in the order of `alarm_names`."
  value       = [for k in local.alarm_keys : aws_cloudwatch_metric_alarm.this[k].arn]
}

output "deployment_alarm_names" {
  description = "Names of the alarms suited to ECS deployment alarms (rollback): ALB 5XX, latency, unhealthy hosts and running tasks."
  value       = [for k in local.alarm_keys : aws_cloudwatch_metric_alarm.this[k].alarm_name if local.alarms[k].deployment]
}

output "sns_topic_arn" {
  description = "ARN of the SNS topic alarms notify (created or given)."
  value       = local.topic_arn
}

output "kms_key_arn" {
  description = "ARN of the KMS key created for the topic (null when not created)."
  value       = try(aws_kms_key.this[0].arn, null)
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard (null when not created)."
  value       = try(aws_cloudwatch_dashboard.this[0].dashboard_name, null)
}
