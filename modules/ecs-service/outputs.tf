# The service exists as aws_ecs_service.this (Terraform owns desired_count) or
# aws_ecs_service.autoscaled (application auto scaling owns it); never both.
output "service_name" {
  description = "Name of the ECS service."
  value       = try(aws_ecs_service.this[0].name, aws_ecs_service.autoscaled[0].name, null)
}

output "service_arn" {
  description = "ARN of the ECS service."
  value       = try(aws_ecs_service.this[0].arn, aws_ecs_service.autoscaled[0].arn, null)
}

output "service_id" {
  description = "ID of the ECS service."
  value       = try(aws_ecs_service.this[0].id, aws_ecs_service.autoscaled[0].id, null)
}

output "autoscaling_enabled" {
  description = "Whether desired_count is left to application auto scaling."
  value       = var.autoscaling_enabled
}

output "task_definition_arn" {
  description = "ARN of the task definition revision Terraform registered (the initial image). The service runs whatever revision the pipeline deployed last."
  value       = aws_ecs_task_definition.this.arn
}

output "task_definition_family" {
  description = "Task definition family; the pipeline registers its revisions here."
  value       = aws_ecs_task_definition.this.family
}

output "task_definition_revision" {
  description = "Revision of the task definition Terraform registered."
  value       = aws_ecs_task_definition.this.revision
}

output "container_name" {
  description = "Name of the main container (the name ecs-deploy's `images` input uses)."
  value       = var.container.name
}

output "security_group_id" {
  description = "ID of the service's security group."
  value       = aws_security_group.this.id
}

output "execution_role_arn" {
  description = "ARN of the task execution role."
  value       = aws_iam_role.execution.arn
}

output "execution_role_name" {
  description = "Name of the task execution role."
  value       = aws_iam_role.execution.name
}

output "task_role_arn" {
  description = "ARN of the task role."
  value       = aws_iam_role.task.arn
}

output "task_role_name" {
  description = "Name of the task role."
  value       = aws_iam_role.task.name
}

output "log_group_name" {
  description = "Name of the CloudWatch log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "log_group_arn" {
  description = "ARN of the CloudWatch log group."
  value       = aws_cloudwatch_log_group.this.arn
}

output "deployment_strategy" {
  description = "How ECS deploys a new revision: ROLLING, BLUE_GREEN, CANARY or LINEAR."
  value       = var.deployment_strategy
}

output "load_balancer_role_arn" {
  description = "ARN of the role ECS moves traffic between the target groups with (BLUE_GREEN, CANARY, LINEAR); null for ROLLING."
  value       = local.shifting ? local.load_balancer_role_arn : null
}

output "lifecycle_hooks_role_arn" {
  description = "ARN of the role the module created to invoke the lifecycle hooks; null when none was needed."
  value       = try(aws_iam_role.lifecycle_hooks[0].arn, null)
}
