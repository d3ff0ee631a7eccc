# Onboarding one AWS account: the Terraform state bucket (S3 native locking) and the roles
# GitHub Actions assume through OIDC, per GitHub environment. Its outputs are the variables
# to set on each GitHub environment (see the repository README, "Onboarding an account").

provider "aws" {
  region = var.region

  default_tags {
    tags = merge(var.tags, { ManagedBy = "slipway" })
  }
}

module "state_backend" {
  source = "../../modules/state-backend"

  bucket_name   = var.state_bucket_name
  force_destroy = var.force_destroy_state
  tags          = var.tags
}

locals {
  # Plans lock the state (a .tflock object) and store the reviewed plan next to it, so the
  # read-only plan role still needs to write to the state bucket.
  state_bucket_access = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "StateAndPlans"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
        Resource = "${module.state_backend.bucket_arn}/*"
      },
      {
        Sid      = "ListState"
        Effect   = "Allow"
        Action   = ["s3:ListBucket"]
        Resource = module.state_backend.bucket_arn
      },
    ]
  })

  roles = merge([
    for environment in var.environments : {
      "${environment}-terraform-plan" = {
        repository         = var.repository
        subjects           = ["environment:${environment}${var.plan_environment_suffix}"]
        policy_arns        = var.plan_policy_arns
        inline_policy_json = local.state_bucket_access
        description        = "Read-only Terraform plans for ${environment}"
      }
      "${environment}-terraform-apply" = {
        repository  = var.repository
        subjects    = ["environment:${environment}"]
        policy_arns = var.apply_policy_arns
        description = "Terraform applies for ${environment}"
      }
      "${environment}-deploy" = {
        repository  = var.repository
        subjects    = ["environment:${environment}"]
        policy_arns = var.deploy_policy_arns
        description = "Application deploys to ${environment}"
      }
    }
  ]...)
}

module "github_oidc" {
  source = "../../modules/github-oidc"

  create_oidc_provider = var.create_oidc_provider
  oidc_provider_arn    = var.oidc_provider_arn
  role_name_prefix     = "github-"
  roles                = local.roles
  tags                 = var.tags
}
