output "alb_arn" {
  description = "ARN of the load balancer."
  value       = aws_lb.this.arn
}

output "alb_arn_suffix" {
  description = "ARN suffix of the load balancer, for CloudWatch metrics."
  value       = aws_lb.this.arn_suffix
}

output "alb_dns_name" {
  description = "DNS name of the load balancer."
  value       = aws_lb.this.dns_name
}

output "alb_zone_id" {
  description = "Route 53 hosted zone ID of the load balancer, for alias records."
  value       = aws_lb.this.zone_id
}

output "security_group_id" {
  description = "ID of the load balancer's security group (allow it as a source in the targets' security group)."
  value       = aws_security_group.this.id
}

output "target_group_arn" {
  description = "ARN of the target group (target_type = \"ip\")."
  value       = aws_lb_target_group.this.arn
}

output "target_group_arn_suffix" {
  description = "ARN suffix of the target group, for CloudWatch metrics."
  value       = aws_lb_target_group.this.arn_suffix
}

output "target_group_name" {
  description = "Name of the target group."
  value       = aws_lb_target_group.this.name
}

output "https_listener_arn" {
  description = "ARN of the HTTPS listener; null without certificate_arn."
  value       = try(aws_lb_listener.https[0].arn, null)
}

output "http_listener_arn" {
  description = "ARN of the HTTP listener (redirect or development forward); null when create_http_listener = false."
  value       = try(aws_lb_listener.http[0].arn, null)
}

output "alternate_target_group_arn" {
  description = "ARN of the alternate target group (the ecs-service module's alternate_target_group_arn); null without create_alternate_target_group."
  value       = try(aws_lb_target_group.alternate[0].arn, null)
}

output "alternate_target_group_arn_suffix" {
  description = "ARN suffix of the alternate target group, for CloudWatch metrics; null without create_alternate_target_group."
  value       = try(aws_lb_target_group.alternate[0].arn_suffix, null)
}

output "production_listener_rule_arn" {
  description = "ARN of the production listener rule whose weights ECS shifts (the ecs-service module's production_listener_rule_arn); null without create_alternate_target_group."
  value       = try(aws_lb_listener_rule.production[0].arn, null)
}

output "test_listener_arn" {
  description = "ARN of the test listener; null without test_listener_port."
  value       = try(aws_lb_listener.test[0].arn, null)
}

output "test_listener_rule_arn" {
  description = "ARN of the test listener rule (the ecs-service module's test_listener_rule_arn); null without test_listener_port."
  value       = try(aws_lb_listener_rule.test[0].arn, null)
}
