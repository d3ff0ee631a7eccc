environment = "prod"
name        = "prod"
region      = "eu-west-1"
azs         = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]

nat_gateway_mode = "one_per_az"

# certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/<id>"

# A canary: 10 % of production traffic for 5 minutes, then all of it, then a 10-minute bake,
# all under the deployment alarms; ECS rolls back on one.
deployment_strategy  = "CANARY"
canary               = { percent = 10, bake_time_in_minutes = 5 }
bake_time_in_minutes = 10

service_cpu    = 1024
service_memory = 2048
desired_count  = 3
min_capacity   = 3
max_capacity   = 12

db_instance_class          = "db.m7g.large"
db_allocated_storage       = 100
db_max_allocated_storage   = 500
db_backup_retention_period = 14
multi_az                   = true
deletion_protection        = true

log_retention_in_days = 90
