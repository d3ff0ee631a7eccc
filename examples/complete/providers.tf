# Credentials come from the environment (GitHub OIDC role in the pipeline, SSO or a
# profile on a workstation). Never put access keys here.
provider "aws" {
  region = var.region

  default_tags {
    tags = merge(var.tags, {
      Environment = var.environment
      ManagedBy   = "slipway"
    })
  }
}
