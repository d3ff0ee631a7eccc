# Plan-level tests of the account onboarding root.

mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }
}

variables {
  region            = "eu-west-1"
  repository        = "acme/shop"
  environments      = ["staging", "prod"]
  state_bucket_name = "acme-shop-tfstate-prod"
}

run "three_roles_per_environment" {
  command = plan

  assert {
    condition = toset(keys(module.github_oidc.role_names)) == toset([
      "staging-terraform-plan", "staging-terraform-apply", "staging-deploy",
      "prod-terraform-plan", "prod-terraform-apply", "prod-deploy",
    ])
    error_message = "each environment gets a plan, an apply and a deploy role"
  }

  assert {
    condition     = module.github_oidc.role_names["prod-deploy"] == "github-prod-deploy"
    error_message = "role names carry the github- prefix"
  }

  assert {
    condition     = toset(keys(output.github_environment_variables)) == toset(["staging", "prod"])
    error_message = "one set of GitHub variables per environment"
  }

  assert {
    condition     = output.github_environment_variables["prod"].AWS_REGION == "eu-west-1" && output.github_environment_variables["prod"].TF_STATE_BUCKET == "acme-shop-tfstate-prod"
    error_message = "the GitHub variables carry the region and the state bucket"
  }
}

run "plan_roles_can_lock_state_and_store_plans" {
  command = plan

  # The bucket ARN is only known after apply; the policy is checked with a known one.
  override_module {
    target = module.state_backend
    outputs = {
      bucket_name    = "acme-shop-tfstate-prod"
      bucket_arn     = "arn:aws:s3:::acme-shop-tfstate-prod"
      backend_config = {}
    }
  }

  assert {
    condition     = toset([for k, r in local.roles : k if lookup(r, "inline_policy_json", null) != null]) == toset(["staging-terraform-plan", "prod-terraform-plan"])
    error_message = "only the plan roles carry the inline state-bucket policy"
  }

  assert {
    condition     = contains(jsondecode(local.roles["prod-terraform-plan"].inline_policy_json).Statement[0].Action, "s3:PutObject")
    error_message = "plan roles write the lock file and the reviewed plan"
  }

  assert {
    condition     = jsondecode(local.roles["prod-terraform-plan"].inline_policy_json).Statement[0].Resource == "arn:aws:s3:::acme-shop-tfstate-prod/*"
    error_message = "plan roles write only to the state bucket"
  }
}

run "state_bucket_is_protected" {
  command = plan

  assert {
    condition     = output.state_bucket == "acme-shop-tfstate-prod"
    error_message = "the state bucket is named from state_bucket_name"
  }

  assert {
    condition     = output.backend_config.use_lockfile == true && output.backend_config.encrypt == true
    error_message = "the backend locks with S3 native lock files and encrypts state"
  }

  assert {
    condition     = local.roles["prod-terraform-plan"].subjects == ["environment:prod-plan"] && local.roles["prod-terraform-apply"].subjects == ["environment:prod"]
    error_message = "plan roles trust the unprotected <env>-plan environment, apply roles only the protected one"
  }
}

run "reuses_an_existing_oidc_provider" {
  command = plan

  variables {
    create_oidc_provider = false
    oidc_provider_arn    = "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com"
  }

  assert {
    condition     = module.github_oidc.oidc_provider_arn == "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com"
    error_message = "an existing OIDC provider is reused"
  }
}

run "rejects_bad_environment_names" {
  command = plan

  variables {
    environments = ["prod/eu"]
  }

  expect_failures = [var.environments]
}

run "rejects_no_environment" {
  command = plan

  variables {
    environments = []
  }

  expect_failures = [var.environments]
}
