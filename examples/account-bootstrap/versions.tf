terraform {
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0"
    }
  }
  # Local state on purpose: this root creates the state bucket every other root uses.
  # Keep terraform.tfstate safe (or migrate it into the bucket it created with
  # `terraform init -migrate-state` once the bucket exists).
}
