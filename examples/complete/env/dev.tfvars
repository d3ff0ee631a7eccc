environment = "dev"
name        = "dev"
region      = "eu-west-1"
azs         = ["eu-west-1a", "eu-west-1b"]

nat_gateway_mode = "single"

service_cpu    = 256
service_memory = 512
desired_count  = 1
min_capacity   = 1
max_capacity   = 2

db_instance_class          = "db.t4g.micro"
db_allocated_storage       = 20
db_max_allocated_storage   = 50
db_backup_retention_period = 1
multi_az                   = false
deletion_protection        = false

log_retention_in_days = 14
