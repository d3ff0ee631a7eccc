terraform {
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0"
    }
  }

  # Partial configuration: bucket, key and region come from backends/<env>.s3.tfbackend
  # (terraform init -backend-config=backends/dev.s3.tfbackend).
  backend "s3" {}
}
