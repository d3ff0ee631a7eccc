environment = "staging"
name        = "staging"
region      = "eu-west-1"
azs         = ["eu-west-1a", "eu-west-1b"]

nat_gateway_mode = "single"

service_cpu    = 512
service_memory = 1024
desired_count  = 2
min_capacity   = 2
max_capacity   = 4

db_instance_class          = "db.t4g.small"
db_allocated_storage       = 20
db_max_allocated_storage   = 100
db_backup_retention_period = 7
multi_az                   = false
deletion_protection        = true

log_retention_in_days = 30
