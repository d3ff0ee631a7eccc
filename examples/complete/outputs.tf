output "vpc_id" {
  description = "ID of the VPC."
  value       = module.network.vpc_id
}

output "nat_gateway_ids" {
  description = "NAT gateway IDs keyed by AZ."
  value       = module.network.nat_gateway_ids
}

output "alb_dns_name" {
  description = "DNS name of the load balancer (point a CNAME or alias record at it)."
  value       = module.alb.alb_dns_name
}

output "ecr_repository_url" {
  description = "URL of the ECR repository the application pipeline pushes images to."
  value       = module.ecr.repository_url
}

output "cluster_name" {
  description = "Name of the ECS cluster (ecs-deploy's `cluster` input)."
  value       = module.ecs_cluster.cluster_name
}

output "service_name" {
  description = "Name of the ECS service (ecs-deploy's `service` input)."
  value       = module.ecs_service.service_name
}

output "deployment_strategy" {
  description = "How ECS deploys the service: ROLLING, BLUE_GREEN, CANARY or LINEAR."
  value       = module.ecs_service.deployment_strategy
}

output "container_name" {
  description = "Name of the service's main container (the key in ecs-deploy's `images` input)."
  value       = module.ecs_service.container_name
}

output "task_definition_family" {
  description = "Task definition family the pipeline registers new revisions in."
  value       = module.ecs_service.task_definition_family
}

output "alarm_names" {
  description = "Names of all CloudWatch alarms of the stack (cw-alarms-check's `alarm-names` input)."
  value       = module.monitoring.alarm_names
}

output "deployment_alarm_names" {
  description = "Alarms that roll back an ECS deployment while in ALARM."
  value       = module.monitoring.deployment_alarm_names
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify."
  value       = module.monitoring.sns_topic_arn
}

output "db_endpoint" {
  description = "Database endpoint (address:port)."
  value       = module.rds.endpoint
}

output "db_master_user_secret_arn" {
  description = "ARN of the Secrets Manager secret holding the database master credentials (managed by RDS)."
  value       = module.rds.master_user_secret_arn
}
