output "target_resource_id" {
  description = "Resource ID of the scalable target (service/<cluster>/<service>)."
  value       = aws_appautoscaling_target.this.resource_id
}

output "min_capacity" {
  description = "Minimum number of tasks."
  value       = aws_appautoscaling_target.this.min_capacity
}

output "max_capacity" {
  description = "Maximum number of tasks."
  value       = aws_appautoscaling_target.this.max_capacity
}

output "cpu_policy_arn" {
  description = "ARN of the CPU target tracking policy (null when disabled)."
  value       = try(aws_appautoscaling_policy.target_tracking["cpu"].arn, null)
}

output "memory_policy_arn" {
  description = "ARN of the memory target tracking policy (null when disabled)."
  value       = try(aws_appautoscaling_policy.target_tracking["memory"].arn, null)
}

output "scale_out_policy_arn" {
  description = "ARN of the step scaling scale-out policy (null without step scaling)."
  value       = try(aws_appautoscaling_policy.scale_out[0].arn, null)
}

output "scale_in_policy_arn" {
  description = "ARN of the step scaling scale-in policy (null without step scaling)."
  value       = try(aws_appautoscaling_policy.scale_in[0].arn, null)
}

output "policy_arns" {
  description = "ARNs of all scaling policies the module created, keyed by cpu, memory, scale_out, scale_in."
  value = merge(
    { for key, p in aws_appautoscaling_policy.target_tracking : key => p.arn },
    { for p in aws_appautoscaling_policy.scale_out : "scale_out" => p.arn },
    { for p in aws_appautoscaling_policy.scale_in : "scale_in" => p.arn },
  )
}

output "alarm_names" {
  description = "Names of the step scaling alarms this module created (cpu high, cpu low). The TargetTracking-* alarms behind target tracking policies are created by AWS and not listed."
  value       = concat(aws_cloudwatch_metric_alarm.cpu_high[*].alarm_name, aws_cloudwatch_metric_alarm.cpu_low[*].alarm_name)
}

output "alarm_arns" {
  description = "ARNs of the step scaling alarms this module created."
  value       = concat(aws_cloudwatch_metric_alarm.cpu_high[*].arn, aws_cloudwatch_metric_alarm.cpu_low[*].arn)
}
