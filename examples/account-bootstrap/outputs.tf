output "state_bucket" {
  description = "The state bucket."
  value       = module.state_backend.bucket_name
}

output "state_kms_key_arn" {
  description = "The state bucket's KMS key, or null with SSE-S3."
  value       = module.state_backend.kms_key_arn
}

output "backend_config" {
  description = "S3 backend settings (add a key per root module and environment)."
  value       = module.state_backend.backend_config
}

output "role_arns" {
  description = "Role ARNs by role key (<environment>-terraform-plan, -terraform-apply, -deploy, and image-push unless image_push is null)."
  value       = module.github_oidc.role_arns
}

output "github_repository_variables" {
  description = "The repository-level variables of app.yml's build job, which runs in no GitHub environment: ECR_PUSH_ROLE_ARN (the image push role) and AWS_REGION (the registry's). Empty with image_push = null."
  value = {
    for name, value in {
      AWS_REGION        = var.region
      ECR_PUSH_ROLE_ARN = lookup(module.github_oidc.role_arns, "image-push", null)
    } : name => value if var.image_push != null
  }
}

output "github_environment_variables" {
  description = "Per stage, every variable its jobs read (see github_environments for which GitHub environment each belongs to)."
  value = {
    for environment in var.environments : environment => {
      AWS_REGION           = var.region
      TF_STATE_BUCKET      = module.state_backend.bucket_name
      TF_PLAN_ROLE_ARN     = module.github_oidc.role_arns["${environment}-terraform-plan"]
      TF_APPLY_ROLE_ARN    = module.github_oidc.role_arns["${environment}-terraform-apply"]
      DEPLOY_ROLE_ARN      = module.github_oidc.role_arns["${environment}-deploy"]
      TF_PLAN_STORE_BUCKET = module.state_backend.bucket_name
      # Plans hold secrets in clear: stored under the bucket's KMS key (null with SSE-S3:
      # leave the variable unset).
      TF_PLAN_STORE_KMS_KEY = module.state_backend.kms_key_arn
    }
  }
}

output "github_environments" {
  description = "Per GitHub environment, the variables to set on it: <env> (Terraform applies), <env><plan_environment_suffix> (plans), <env><deploy_environment_suffix> (application deploys). Null values are left unset."
  value = merge([
    for environment in var.environments : merge(
      {
        (environment) = {
          AWS_REGION            = var.region
          TF_STATE_BUCKET       = module.state_backend.bucket_name
          TF_APPLY_ROLE_ARN     = module.github_oidc.role_arns["${environment}-terraform-apply"]
          TF_PLAN_STORE_BUCKET  = module.state_backend.bucket_name
          TF_PLAN_STORE_KMS_KEY = module.state_backend.kms_key_arn
        }
        "${environment}${var.plan_environment_suffix}" = {
          AWS_REGION            = var.region
          TF_STATE_BUCKET       = module.state_backend.bucket_name
          TF_PLAN_ROLE_ARN      = module.github_oidc.role_arns["${environment}-terraform-plan"]
          TF_PLAN_STORE_BUCKET  = module.state_backend.bucket_name
          TF_PLAN_STORE_KMS_KEY = module.state_backend.kms_key_arn
        }
      },
      # With no suffix the deploy variables join the apply environment's.
      {
        "${environment}${var.deploy_environment_suffix}" = merge(
          var.deploy_environment_suffix == "" ? {
            TF_STATE_BUCKET       = module.state_backend.bucket_name
            TF_APPLY_ROLE_ARN     = module.github_oidc.role_arns["${environment}-terraform-apply"]
            TF_PLAN_STORE_BUCKET  = module.state_backend.bucket_name
            TF_PLAN_STORE_KMS_KEY = module.state_backend.kms_key_arn
          } : {},
          {
            AWS_REGION      = var.region
            DEPLOY_ROLE_ARN = module.github_oidc.role_arns["${environment}-deploy"]
          }
        )
      }
    )
  ]...)
}
