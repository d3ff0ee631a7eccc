variable "region" {
  description = "Region of the state bucket and of the environments' resources."
  type        = string
}

variable "repository" {
  description = "GitHub repository (owner/repo) whose workflows may assume the roles."
  type        = string
}

variable "environments" {
  description = "GitHub environments deployed into this account (e.g. [\"dev\"] or [\"staging\", \"prod\"]). Each gets a plan, an apply and a deploy role trusted only from that environment."
  type        = list(string)

  validation {
    condition     = length(var.environments) > 0 && alltrue([for e in var.environments : can(regex("^[A-Za-z0-9][A-Za-z0-9_.-]*$", e))])
    error_message = "environments must list at least one GitHub environment name (letters, digits, '.', '_' and '-')."
  }
}

variable "state_bucket_name" {
  description = "Name of the S3 bucket for Terraform state and reviewed plans (globally unique)."
  type        = string
}

variable "plan_environment_suffix" {
  description = "Suffix of the unprotected GitHub environment pull-request plans run in (prod -> prod-plan)."
  type        = string
  default     = "-plan"
}

variable "create_oidc_provider" {
  description = "Create the account's GitHub OIDC provider (false when the account already has one)."
  type        = bool
  default     = true
}

variable "oidc_provider_arn" {
  description = "Existing GitHub OIDC provider, when create_oidc_provider is false."
  type        = string
  default     = null
}

variable "plan_policy_arns" {
  description = "Managed policies of the read-only plan roles."
  type        = list(string)
  default     = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
}

variable "apply_policy_arns" {
  description = "Managed policies of the apply roles (narrow these for production accounts)."
  type        = list(string)
  default     = ["arn:aws:iam::aws:policy/AdministratorAccess"]
}

variable "deploy_policy_arns" {
  description = "Managed policies of the application deploy roles (ECS deploy, ECR push, CloudWatch read)."
  type        = list(string)
  default = [
    "arn:aws:iam::aws:policy/AmazonECS_FullAccess",
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser",
    "arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess",
  ]
}

variable "force_destroy_state" {
  description = "Allow destroying the state bucket with objects in it (personal or demo accounts only)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
