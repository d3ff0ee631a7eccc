# Onboarding one AWS account: the Terraform state bucket (S3 native locking, SSE-KMS, a
# bucket policy that confines each environment's roles to its own objects), the roles GitHub
# Actions assume through OIDC per GitHub environment, and the image push role of the
# application's build job. Its outputs are the variables to set on each GitHub environment
# and on the repository (see the repository README, "Onboarding an account").

provider "aws" {
  region = var.region

  default_tags {
    tags = merge(var.tags, { ManagedBy = "slipway" })
  }
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  # Environments of this account that host personal environments <env>-<name>.
  personal = [for e in var.environments : e if contains(var.personal_environments, e)]

  # Each environment's state and plans are reachable by its own plan and apply roles only.
  state_environments = {
    for e in var.environments : e => {
      plan_role_arns        = [module.github_oidc.role_arns["${e}-terraform-plan"]]
      apply_role_arns       = [module.github_oidc.role_arns["${e}-terraform-apply"]]
      personal_environments = contains(local.personal, e)
    }
  }
}

module "state_backend" {
  source = "../../modules/state-backend"

  bucket_name    = var.state_bucket_name
  force_destroy  = var.force_destroy_state
  create_kms_key = var.create_state_kms_key

  environments       = local.state_environments
  administrator_arns = var.state_administrator_arns
  plan_key_prefix    = var.plan_key_prefix
  plan_repositories  = [var.repository]

  tags = var.tags
}

################################################################################
# Plan roles: read-only, plus their own environment's locks and plans
################################################################################

locals {
  # The objects of each environment, in the state-backend module's key layout (its bucket
  # policy enforces the same split; see modules/state-backend/main.tf).
  bucket_objects = "${module.state_backend.bucket_arn}/"
  segments       = { for e in var.environments : e => concat([e], contains(local.personal, e) ? ["${e}-*"] : []) }
  plans = {
    for e in var.environments : e => flatten([
      for s in local.segments[e] : [
        "${local.bucket_objects}${var.plan_key_prefix}/*/*/${s}/pull-requests/*",
        "${local.bucket_objects}${var.plan_key_prefix}/*/*/${s}/default-branch/*",
      ]
    ])
  }
  state = {
    for e in var.environments : e => flatten([
      for s in local.segments[e] : ["${local.bucket_objects}${s}/*", "${local.bucket_objects}env:/*/${s}/*"]
    ])
  }
  locks = {
    for e in var.environments : e => flatten([
      for s in local.segments[e] : ["${local.bucket_objects}${s}/*.tflock", "${local.bucket_objects}env:/*/${s}/*.tflock"]
    ])
  }
}

# The plan roles keep plan_policy_arns (ReadOnlyAccess by default: a plan refreshes every
# resource of the stack), which reads every S3 object of the account; the state bucket's
# policy and the Deny below keep them out of the other environments' state and plans.
data "aws_iam_policy_document" "plan" {
  for_each = toset(var.environments)

  statement {
    sid       = "ReadItsStateAndPlans"
    actions   = ["s3:GetObject"]
    resources = concat(local.state[each.key], local.plans[each.key])
  }

  statement {
    sid       = "WriteItsLocksAndPlans"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = concat(local.locks[each.key], local.plans[each.key])
  }

  statement {
    sid       = "ListStateBucket"
    actions   = ["s3:ListBucket"]
    resources = [module.state_backend.bucket_arn]
  }

  dynamic "statement" {
    for_each = length(var.environments) > 1 ? [1] : []

    content {
      sid     = "NoOtherEnvironment"
      effect  = "Deny"
      actions = ["s3:GetObject*", "s3:PutObject*", "s3:DeleteObject*"]
      resources = flatten([
        for other in var.environments : concat(local.state[other], local.plans[other]) if other != each.key
      ])
    }
  }
}

################################################################################
# Deploy roles: what ecs-deploy, ecr-build-push and cw-alarms-check call, nothing more
################################################################################

locals {
  ecs_arn = "arn:${local.partition}:ecs:${var.region}:${local.account_id}"
  deploy = {
    for e in var.environments : e => {
      clusters     = [for n in var.deploy_permissions.ecs_cluster_names : replace(n, "{environment}", e)]
      services     = [for n in var.deploy_permissions.ecs_service_names : replace(n, "{environment}", e)]
      repositories = [for n in var.deploy_permissions.ecr_repository_names : replace(n, "{environment}", e)]
      pass_roles = [
        for n in var.deploy_permissions.pass_role_names :
        startswith(n, "arn:") ? replace(n, "{environment}", e) : "arn:${local.partition}:iam::${local.account_id}:role/${replace(n, "{environment}", e)}"
      ]
    }
  }
}

data "aws_iam_policy_document" "deploy" {
  # checkov:skip=CKV_AWS_356:Two reads keep "*": ecs:ListTasks is scoped by its ecs:cluster condition (no task ARN exists before the call), and cw-alarms-check selects alarms by prefix or by tag at run time, so no alarm ARN is known here.
  for_each = toset(var.environments)

  # ecr-build-push (ship builds and deploys in one step): the same statements as the image
  # push role's, on the environment's repositories.
  source_policy_documents = [data.aws_iam_policy_document.ecr_push["${each.key}-deploy"].json]

  # ecs-deploy: a new task definition revision with the new image (the previous one on
  # rollback), tags copied from the current revision.
  statement {
    sid = "TaskDefinitions"
    actions = [
      "ecs:DeregisterTaskDefinition",
      "ecs:DescribeTaskDefinition",
      "ecs:ListTaskDefinitions",
      "ecs:RegisterTaskDefinition",
    ]
    resources = ["*"]
  }

  statement {
    sid     = "TagOnlyWhatItCreates"
    actions = ["ecs:TagResource"]
    resources = concat(
      [for s in local.deploy[each.key].services : "${local.ecs_arn}:task-definition/${s}:*"],
      [for c in local.deploy[each.key].clusters : "${local.ecs_arn}:task/${c}/*"],
    )

    condition {
      test     = "StringEquals"
      variable = "ecs:CreateAction"
      values   = ["RegisterTaskDefinition", "RunTask"]
    }
  }

  # ecs-deploy: update the service, then follow its service deployment until ECS says it
  # succeeded (cw-alarms-check reads the same deployments to know which alarms ECS baked).
  statement {
    sid     = "DeployTheService"
    actions = ["ecs:DescribeServices", "ecs:ListServiceDeployments", "ecs:UpdateService"]
    resources = flatten([
      for c in local.deploy[each.key].clusters : [for s in local.deploy[each.key].services : "${local.ecs_arn}:service/${c}/${s}"]
    ])
  }

  # ... and steer it: stop it (rollback: client), continue a paused one (continue-deployment).
  statement {
    sid     = "FollowServiceDeployments"
    actions = ["ecs:ContinueServiceDeployment", "ecs:DescribeServiceDeployments", "ecs:StopServiceDeployment"]
    resources = flatten([
      for c in local.deploy[each.key].clusters : [for s in local.deploy[each.key].services : "${local.ecs_arn}:service-deployment/${c}/${s}/*"]
    ])
  }

  # ecs-deploy's one-off task (migrations) and the diagnosis of stopped tasks.
  statement {
    sid       = "RunOneOffTasks"
    actions   = ["ecs:RunTask"]
    resources = [for s in local.deploy[each.key].services : "${local.ecs_arn}:task-definition/${s}:*"]

    condition {
      test     = "ArnLike"
      variable = "ecs:cluster"
      values   = [for c in local.deploy[each.key].clusters : "${local.ecs_arn}:cluster/${c}"]
    }
  }

  statement {
    sid       = "ReadTasks"
    actions   = ["ecs:DescribeTasks"]
    resources = [for c in local.deploy[each.key].clusters : "${local.ecs_arn}:task/${c}/*"]
  }

  statement {
    sid       = "ListTasks"
    actions   = ["ecs:ListTasks"]
    resources = ["*"]

    condition {
      test     = "ArnLike"
      variable = "ecs:cluster"
      values   = [for c in local.deploy[each.key].clusters : "${local.ecs_arn}:cluster/${c}"]
    }
  }

  # Registering a task definition (or running a task) with roles passes them to ECS tasks:
  # only the service's task and execution roles, and only to ECS tasks.
  statement {
    sid       = "PassOnlyTheServiceRoles"
    actions   = ["iam:PassRole"]
    resources = local.deploy[each.key].pass_roles

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }

  # cw-alarms-check: the alarms (by name prefix or by tag) and their history.
  statement {
    sid       = "ReadAlarms"
    actions   = ["cloudwatch:DescribeAlarmHistory", "cloudwatch:DescribeAlarms", "tag:GetResources"]
    resources = ["*"]
  }
}

################################################################################
# Image pushes: what ecr-build-push calls, for the image push role and the deploy roles
################################################################################

locals {
  # The image push role, when the account holds the registry (image_push not null).
  image_push = var.image_push == null ? [] : [var.image_push]

  # The repositories each pushing role reaches: every deploy role (ship pushes too) and the
  # image push role.
  ecr_pushes = merge(
    { for e in var.environments : "${e}-deploy" => local.deploy[e].repositories },
    { for push in local.image_push : "image-push" => push.ecr_repository_names },
  )
}

# ecr-build-push: registry login, the repository (created when missing, its lifecycle policy
# applied), layer and image uploads, tags added to an existing image, scan findings.
data "aws_iam_policy_document" "ecr_push" {
  for_each = local.ecr_pushes

  statement {
    sid       = "RegistryLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid = "PushImages"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:CreateRepository",
      "ecr:DescribeImageScanFindings",
      "ecr:DescribeImages",
      "ecr:DescribeRepositories",
      "ecr:GetDownloadUrlForLayer",
      "ecr:InitiateLayerUpload",
      "ecr:PutImage",
      "ecr:PutLifecyclePolicy",
      "ecr:UploadLayerPart",
    ]
    resources = [for r in each.value : "arn:${local.partition}:ecr:${var.region}:${local.account_id}:repository/${r}"]
  }
}

################################################################################
# Roles
################################################################################

locals {
  # The application's build job runs in no GitHub environment: its token's subject is the
  # ref it runs on (ref:refs/heads/main for a push to main), never an environment.
  image_push_role = {
    for push in local.image_push : "image-push" => {
      repository        = var.repository
      subjects          = push.subjects
      job_workflow_refs = var.oidc_job_workflow_refs.image_push
      inline_policies   = { ecr-push = data.aws_iam_policy_document.ecr_push["image-push"].json }
      description       = "Image pushes (ecr-build-push) from ${join(", ", push.subjects)}"
    }
  }

  environment_roles = merge([
    for environment in var.environments : {
      "${environment}-terraform-plan" = {
        repository        = var.repository
        subjects          = ["environment:${environment}${var.plan_environment_suffix}"]
        job_workflow_refs = var.oidc_job_workflow_refs.plan
        policy_arns       = var.plan_policy_arns
        inline_policies   = { state-bucket = data.aws_iam_policy_document.plan[environment].json }
        description       = "Read-only Terraform plans for ${environment}"
      }
      "${environment}-terraform-apply" = {
        repository        = var.repository
        subjects          = ["environment:${environment}"]
        job_workflow_refs = var.oidc_job_workflow_refs.apply
        policy_arns       = var.apply_policy_arns
        description       = "Terraform applies for ${environment}"
      }
      "${environment}-deploy" = {
        repository        = var.repository
        subjects          = ["environment:${environment}${var.deploy_environment_suffix}"]
        job_workflow_refs = var.oidc_job_workflow_refs.deploy
        policy_arns       = var.deploy_policy_arns
        inline_policies   = { deploy = data.aws_iam_policy_document.deploy[environment].json }
        description       = "Application deploys to ${environment}"
      }
    }
  ]...)

  roles = merge(local.environment_roles, local.image_push_role)
}

module "github_oidc" {
  source = "../../modules/github-oidc"

  create_oidc_provider = var.create_oidc_provider
  oidc_provider_arn    = var.oidc_provider_arn
  role_name_prefix     = "github-"
  roles                = local.roles
  tags                 = var.tags
}
