# A consumer's infrastructure root module, used by the act tests of the infra workflows:
# one stack per environment (dev, staging, prod and personal dev-<name> copies). Only
# built-in resources, so no provider is needed.
terraform {
  required_version = ">= 1.10"
  backend "s3" {}
}

variable "environment" {
  description = "Environment the stack belongs to (dev, staging, prod)."
  type        = string
}

variable "name" {
  description = "Name prefix of the stack's resources (default: the environment)."
  type        = string
  default     = ""
}

variable "replicas" {
  description = "Service replicas."
  type        = number
  default     = 1
}

resource "terraform_data" "stack" {
  input = {
    environment = var.environment
    name        = coalesce(var.name, var.environment)
    replicas    = var.replicas
  }
}

output "stack" {
  value = terraform_data.stack.output
}
