# Plan-level tests of the account onboarding root.

mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = {
      json          = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
      minified_json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111122223333"
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
      "prod-terraform-plan", "prod-terraform-apply", "prod-deploy", "image-push",
    ])
    error_message = "each environment gets a plan, an apply and a deploy role; the account one image push role"
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

run "plan_roles_reach_only_their_environment" {
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
    condition = (
      keys(local.roles["prod-terraform-plan"].inline_policies) == ["state-bucket"] &&
      keys(local.roles["staging-deploy"].inline_policies) == ["deploy"] &&
      lookup(local.roles["prod-terraform-apply"], "inline_policies", null) == null
    )
    error_message = "plan roles carry the state-bucket policy and deploy roles the deploy policy; apply roles none"
  }

  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.plan["prod"].statement :
      s.actions == toset(["s3:PutObject", "s3:DeleteObject"]) && s.resources == toset([
        "arn:aws:s3:::acme-shop-tfstate-prod/prod/*.tflock",
        "arn:aws:s3:::acme-shop-tfstate-prod/env:/*/prod/*.tflock",
        "arn:aws:s3:::acme-shop-tfstate-prod/slipway/plans/*/*/prod/pull-requests/*",
        "arn:aws:s3:::acme-shop-tfstate-prod/slipway/plans/*/*/prod/default-branch/*",
      ])
      if s.sid == "WriteItsLocksAndPlans"
    ])
    error_message = "plan roles write their environment's lock objects and plans, never its state"
  }

  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.plan["prod"].statement :
      s.effect == "Deny" && contains(s.resources, "arn:aws:s3:::acme-shop-tfstate-prod/staging/*") &&
      contains(s.resources, "arn:aws:s3:::acme-shop-tfstate-prod/slipway/plans/*/*/staging/default-branch/*") &&
      !contains(s.resources, "arn:aws:s3:::acme-shop-tfstate-prod/prod/*")
      if s.sid == "NoOtherEnvironment"
    ])
    error_message = "the prod plan role is denied staging's state and plans"
  }

  assert {
    condition     = local.roles["prod-terraform-plan"].policy_arns == tolist(["arn:aws:iam::aws:policy/ReadOnlyAccess"])
    error_message = "plan roles keep read access for the refresh"
  }
}

run "state_bucket_confines_each_environment" {
  command = plan

  variables {
    environments             = ["dev", "prod"]
    state_administrator_arns = ["arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Admin_*"]
  }

  assert {
    condition     = keys(local.state_environments) == ["dev", "prod"] && alltrue([for e in values(local.state_environments) : length(e.plan_role_arns) == 1 && length(e.apply_role_arns) == 1])
    error_message = "each environment hands its own plan and apply role to the state bucket"
  }

  assert {
    condition     = local.state_environments["dev"].personal_environments && !local.state_environments["prod"].personal_environments
    error_message = "dev hosts the personal environments dev-<name> by default, prod does not"
  }

  assert {
    condition     = local.segments["dev"] == ["dev", "dev-*"] && local.segments["prod"] == ["prod"]
    error_message = "dev's roles reach dev-<name> objects too"
  }

  assert {
    condition     = output.state_bucket == "acme-shop-tfstate-prod"
    error_message = "the state bucket is named from state_bucket_name"
  }
}

run "deploy_roles_get_exactly_what_the_actions_call" {
  command = plan

  assert {
    condition     = length(local.roles["prod-deploy"].policy_arns) == 0
    error_message = "deploy roles carry no broad managed policy by default"
  }

  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.deploy["prod"].statement :
      s.actions == toset(["ecs:DescribeServices", "ecs:ListServiceDeployments", "ecs:UpdateService"]) &&
      s.resources == toset(["arn:aws:ecs:eu-west-1:111122223333:service/prod*/prod*"])
      if s.sid == "DeployTheService"
    ])
    error_message = "the deploy role updates and watches only its environment's services"
  }

  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.deploy["prod"].statement :
      s.actions == toset(["iam:PassRole"]) &&
      s.resources == toset(["arn:aws:iam::111122223333:role/prod-*"]) &&
      one(s.condition).variable == "iam:PassedToService" && one(s.condition).values == tolist(["ecs-tasks.amazonaws.com"])
      if s.sid == "PassOnlyTheServiceRoles"
    ])
    error_message = "iam:PassRole is limited to the service's roles and to ECS tasks"
  }

  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.deploy["prod"].statement :
      s.resources == toset(["arn:aws:ecs:eu-west-1:111122223333:service-deployment/prod*/prod*/*"])
      if s.sid == "FollowServiceDeployments"
    ])
    error_message = "service deployments are followed, stopped and continued only for the environment's services"
  }

  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.deploy["prod"].statement :
      s.resources == toset(["arn:aws:ecs:eu-west-1:111122223333:task-definition/prod*:*"]) &&
      one(s.condition).variable == "ecs:cluster" && one(s.condition).values == tolist(["arn:aws:ecs:eu-west-1:111122223333:cluster/prod*"])
      if s.sid == "RunOneOffTasks"
    ])
    error_message = "one-off tasks run only the service's task definitions in the environment's cluster"
  }

  assert {
    condition     = data.aws_iam_policy_document.deploy["prod"].source_policy_documents == tolist([data.aws_iam_policy_document.ecr_push["prod-deploy"].json])
    error_message = "the deploy policy takes ecr-build-push's statements from the one document the image push role's comes from"
  }

  assert {
    condition = toset(flatten([
      for s in concat(data.aws_iam_policy_document.deploy["prod"].statement, data.aws_iam_policy_document.ecr_push["prod-deploy"].statement) : tolist(s.actions)
      ])) == toset([
      "ecs:DeregisterTaskDefinition", "ecs:DescribeTaskDefinition", "ecs:ListTaskDefinitions", "ecs:RegisterTaskDefinition",
      "ecs:TagResource", "ecs:DescribeServices", "ecs:ListServiceDeployments", "ecs:UpdateService",
      "ecs:DescribeServiceDeployments", "ecs:StopServiceDeployment", "ecs:ContinueServiceDeployment", "ecs:RunTask", "ecs:DescribeTasks", "ecs:ListTasks", "iam:PassRole",
      "ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload",
      "ecr:CreateRepository", "ecr:DescribeImageScanFindings", "ecr:DescribeImages", "ecr:DescribeRepositories",
      "ecr:GetDownloadUrlForLayer", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:PutLifecyclePolicy", "ecr:UploadLayerPart",
      "cloudwatch:DescribeAlarmHistory", "cloudwatch:DescribeAlarms", "tag:GetResources",
    ])
    error_message = "the deploy policy lists exactly the API calls of ecs-deploy, ecr-build-push and cw-alarms-check"
  }
}

run "deploy_permissions_follow_the_variables" {
  command = plan

  variables {
    deploy_permissions = {
      ecs_cluster_names    = ["shop-{environment}"]
      ecs_service_names    = ["shop-{environment}-web", "shop-{environment}-worker"]
      pass_role_names      = ["arn:aws:iam::111122223333:role/ecs/{environment}-*"]
      ecr_repository_names = ["shop/*"]
    }
  }

  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.deploy["staging"].statement :
      s.resources == toset([
        "arn:aws:ecs:eu-west-1:111122223333:service/shop-staging/shop-staging-web",
        "arn:aws:ecs:eu-west-1:111122223333:service/shop-staging/shop-staging-worker",
      ])
      if s.sid == "DeployTheService"
    ])
    error_message = "service ARNs are built from the cluster and service names"
  }

  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.deploy["staging"].statement :
      s.resources == toset(["arn:aws:iam::111122223333:role/ecs/staging-*"])
      if s.sid == "PassOnlyTheServiceRoles"
    ])
    error_message = "full role ARNs are kept, with the environment filled in"
  }

  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.ecr_push["staging-deploy"].statement :
      s.resources == toset(["arn:aws:ecr:eu-west-1:111122223333:repository/shop/*"])
      if s.sid == "PushImages"
    ])
    error_message = "pushes are limited to the named repositories"
  }
}

run "each_role_trusts_its_own_environment" {
  command = plan

  variables {
    deploy_environment_suffix = "-deploy"
    oidc_job_workflow_refs = {
      apply  = ["slipway-platform/slipway/.github/workflows/infra-environment.yml@refs/tags/v0"]
      deploy = ["slipway-platform/slipway/.github/workflows/app-deploy.yml@refs/tags/v0"]
    }
  }

  assert {
    condition     = local.roles["prod-terraform-plan"].subjects == ["environment:prod-plan"] && local.roles["prod-terraform-apply"].subjects == ["environment:prod"]
    error_message = "plan roles trust the unprotected <env>-plan environment, apply roles only the protected one"
  }

  assert {
    condition     = local.roles["prod-deploy"].subjects == ["environment:prod-deploy"]
    error_message = "deploy_environment_suffix moves the deploy role to its own GitHub environment"
  }

  assert {
    condition = (
      local.roles["prod-terraform-apply"].job_workflow_refs == tolist(["slipway-platform/slipway/.github/workflows/infra-environment.yml@refs/tags/v0"]) &&
      local.roles["prod-deploy"].job_workflow_refs == tolist(["slipway-platform/slipway/.github/workflows/app-deploy.yml@refs/tags/v0"]) &&
      length(local.roles["prod-terraform-plan"].job_workflow_refs) == 0
    )
    error_message = "each kind of role is bound to its own reusable workflow"
  }
}

run "deploys_and_applies_run_in_separate_environments_by_default" {
  command = plan

  assert {
    condition     = local.roles["staging-deploy"].subjects == ["environment:staging-deploy"] && local.roles["staging-terraform-apply"].subjects == ["environment:staging"]
    error_message = "by default application deploys run in <env>-deploy, apart from the Terraform applies in <env>"
  }

  assert {
    condition = (
      keys(output.github_environments) == ["prod", "prod-deploy", "prod-plan", "staging", "staging-deploy", "staging-plan"] &&
      keys(output.github_environments["prod-deploy"]) == ["AWS_REGION", "DEPLOY_ROLE_ARN"] &&
      !contains(keys(output.github_environments["prod"]), "DEPLOY_ROLE_ARN") &&
      !contains(keys(output.github_environments["prod-plan"]), "TF_APPLY_ROLE_ARN") &&
      !contains(keys(output.github_environments["prod"]), "TF_PLAN_ROLE_ARN")
    )
    error_message = "each GitHub environment gets exactly the variables of the jobs that run in it"
  }
}

run "without_a_deploy_suffix_deploys_share_the_apply_environment" {
  command = plan

  variables {
    deploy_environment_suffix = ""
  }

  assert {
    condition     = local.roles["prod-deploy"].subjects == ["environment:prod"]
    error_message = "an empty deploy_environment_suffix puts deploys in <env>"
  }

  assert {
    condition = (
      keys(output.github_environments["prod"]) == ["AWS_REGION", "DEPLOY_ROLE_ARN", "TF_APPLY_ROLE_ARN", "TF_PLAN_STORE_BUCKET", "TF_PLAN_STORE_KMS_KEY", "TF_STATE_BUCKET"] &&
      !contains(keys(output.github_environments), "prod-deploy")
    )
    error_message = "with no suffix the deploy variables join the apply environment's"
  }
}

run "no_personal_environments_sse_s3_and_another_plan_prefix" {
  command = plan

  variables {
    environments          = ["dev"]
    personal_environments = []
    create_state_kms_key  = false
    plan_key_prefix       = "reviewed"
  }

  override_module {
    target = module.state_backend
    outputs = {
      bucket_name    = "acme-shop-tfstate-prod"
      bucket_arn     = "arn:aws:s3:::acme-shop-tfstate-prod"
      backend_config = {}
      kms_key_arn    = null
    }
  }

  assert {
    condition     = local.segments["dev"] == ["dev"] && !local.state_environments["dev"].personal_environments
    error_message = "without personal_environments dev owns only dev/"
  }

  assert {
    condition     = toset(local.plans["dev"]) == toset(["arn:aws:s3:::acme-shop-tfstate-prod/reviewed/*/*/dev/pull-requests/*", "arn:aws:s3:::acme-shop-tfstate-prod/reviewed/*/*/dev/default-branch/*"])
    error_message = "plan objects follow plan_key_prefix"
  }

  assert {
    condition     = output.state_kms_key_arn == null
    error_message = "create_state_kms_key = false reports no key"
  }
}

run "the_image_push_role_trusts_the_default_branchs_pushes_only" {
  command = plan

  assert {
    condition = (
      local.roles["image-push"].subjects == tolist(["ref:refs/heads/main"]) &&
      module.github_oidc.role_names["image-push"] == "github-image-push" &&
      length(lookup(local.roles["image-push"], "policy_arns", [])) == 0 &&
      keys(local.roles["image-push"].inline_policies) == ["ecr-push"]
    )
    error_message = "github-image-push trusts pushes to main (never a pull request) and carries the ecr-push policy only"
  }

  assert {
    condition = (
      toset(flatten([for s in data.aws_iam_policy_document.ecr_push["image-push"].statement : tolist(s.actions)])) == toset([
        "ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload",
        "ecr:CreateRepository", "ecr:DescribeImageScanFindings", "ecr:DescribeImages", "ecr:DescribeRepositories",
        "ecr:GetDownloadUrlForLayer", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:PutLifecyclePolicy", "ecr:UploadLayerPart",
      ]) &&
      anytrue([
        for s in data.aws_iam_policy_document.ecr_push["image-push"].statement :
        s.resources == toset(["arn:aws:ecr:eu-west-1:111122223333:repository/*"]) if s.sid == "PushImages"
      ]) &&
      anytrue([
        for s in data.aws_iam_policy_document.ecr_push["image-push"].statement :
        s.resources == toset(["*"]) && s.actions == toset(["ecr:GetAuthorizationToken"]) if s.sid == "RegistryLogin"
      ])
    )
    error_message = "the image push role may make exactly ecr-build-push's calls, on the account's repositories"
  }

  assert {
    condition     = keys(output.github_repository_variables) == ["AWS_REGION", "ECR_PUSH_ROLE_ARN"] && output.github_repository_variables.AWS_REGION == "eu-west-1"
    error_message = "the repository variables of the build job name the push role and the registry's region"
  }
}

run "image_push_follows_the_variable" {
  command = plan

  variables {
    image_push = {
      subjects             = ["ref:refs/heads/main", "ref:refs/tags/v*"]
      ecr_repository_names = ["shop/*"]
    }
    oidc_job_workflow_refs = {
      image_push = ["slipway-platform/slipway/.github/workflows/app.yml@refs/tags/v0"]
    }
  }

  assert {
    condition = (
      local.roles["image-push"].subjects == tolist(["ref:refs/heads/main", "ref:refs/tags/v*"]) &&
      local.roles["image-push"].job_workflow_refs == tolist(["slipway-platform/slipway/.github/workflows/app.yml@refs/tags/v0"])
    )
    error_message = "the push role trusts the subjects given, bound to app.yml when the subject names the workflow"
  }

  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.ecr_push["image-push"].statement :
      s.resources == toset(["arn:aws:ecr:eu-west-1:111122223333:repository/shop/*"]) if s.sid == "PushImages"
    ])
    error_message = "the push role reaches only the repositories named"
  }

  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.ecr_push["prod-deploy"].statement :
      s.resources == toset(["arn:aws:ecr:eu-west-1:111122223333:repository/*"]) if s.sid == "PushImages"
    ])
    error_message = "the deploy roles keep deploy_permissions' repositories"
  }
}

run "no_image_push_role_for_an_account_without_a_registry" {
  command = plan

  variables {
    image_push = null
  }

  assert {
    condition = (
      !contains(keys(module.github_oidc.role_names), "image-push") &&
      keys(data.aws_iam_policy_document.ecr_push) == ["prod-deploy", "staging-deploy"] &&
      length(output.github_repository_variables) == 0
    )
    error_message = "image_push = null creates no push role and names no repository variable"
  }
}

run "rejects_a_pull_request_subject_for_the_image_push_role" {
  command = plan

  variables {
    image_push = {
      subjects = ["ref:refs/heads/main", "pull_request"]
    }
  }

  expect_failures = [var.image_push]
}

run "rejects_a_wildcard_branch_for_the_image_push_role" {
  command = plan

  variables {
    image_push = {
      subjects = ["ref:refs/heads/*"]
    }
  }

  expect_failures = [var.image_push]
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

run "rejects_empty_plan_environment_suffix" {
  command = plan

  variables {
    plan_environment_suffix = ""
  }

  expect_failures = [var.plan_environment_suffix]
}

run "rejects_deploy_suffix_equal_to_plan_suffix" {
  command = plan

  variables {
    deploy_environment_suffix = "-plan"
  }

  expect_failures = [var.deploy_environment_suffix]
}

run "rejects_unscoped_pass_role" {
  command = plan

  variables {
    deploy_permissions = {
      pass_role_names = ["*"]
    }
  }

  expect_failures = [var.deploy_permissions]
}

run "rejects_invalid_region" {
  command = plan

  variables {
    region = "Europe"
  }

  expect_failures = [var.region]
}

run "rejects_wildcard_repository" {
  command = plan

  variables {
    repository = "acme/*"
  }

  expect_failures = [var.repository]
}

run "rejects_invalid_state_administrator" {
  command = plan

  variables {
    state_administrator_arns = ["AWSReservedSSO_Admin"]
  }

  expect_failures = [var.state_administrator_arns]
}

run "rejects_invalid_plan_key_prefix" {
  command = plan

  variables {
    plan_key_prefix = "/slipway/plans"
  }

  expect_failures = [var.plan_key_prefix]
}
