variable "region" {
  description = "Region of the state bucket and of the environments' resources."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region such as eu-west-1."
  }
}

variable "repository" {
  description = "GitHub repository (owner/repo) whose workflows may assume the roles."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.repository))
    error_message = "repository must be a literal owner/repo."
  }
}

variable "environments" {
  description = "GitHub environments deployed into this account (e.g. [\"dev\"] or [\"staging\", \"prod\"]). Each gets a plan, an apply and a deploy role trusted only from that environment, and its own prefixes in the state bucket."
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
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+$", var.plan_environment_suffix))
    error_message = "plan_environment_suffix must be non-empty (letters, digits, '.', '_' and '-'): the plan role must not trust the protected environment."
  }
}

variable "deploy_environment_suffix" {
  description = "Suffix of the GitHub environment the deploy role trusts: application deploys run in <env>-deploy, Terraform applies in <env>, so neither kind of job can assume the other's role (\"\" puts both in <env>: an application deploy job could then assume the Terraform apply role)."
  type        = string
  default     = "-deploy"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]*$", var.deploy_environment_suffix)) && var.deploy_environment_suffix != var.plan_environment_suffix
    error_message = "deploy_environment_suffix must be letters, digits, '.', '_' and '-', and differ from plan_environment_suffix."
  }
}

variable "oidc_job_workflow_refs" {
  description = "For a repository whose OIDC subject template is customised to [\"repo\", \"context\", \"job_workflow_ref\"] (see the README): the reusable workflows each kind of role's jobs must run in, as owner/repo/.github/workflows/<file>.yml@<ref> (wildcards in the ref). Empty lists keep GitHub's default subject."
  type = object({
    plan       = optional(list(string), [])
    apply      = optional(list(string), [])
    deploy     = optional(list(string), [])
    image_push = optional(list(string), [])
  })
  default  = {}
  nullable = false
}

variable "personal_environments" {
  description = "Environments of this account that host personal environments <env>-<name> (their state and plans count as <env>'s, and they run with its roles). Names not in environments are ignored."
  type        = list(string)
  default     = ["dev"]
  nullable    = false
}

variable "state_administrator_arns" {
  description = "Principals (ARN patterns, e.g. an SSO administrator role) that may read and write every environment's state and plans by hand. Empty: only each environment's own roles reach its objects (the account's root user can always remove the bucket policy)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.state_administrator_arns : can(regex("^arn:aws[a-z*-]*:(iam|sts)::([0-9]{12}|\\*):.+$", arn))])
    error_message = "state_administrator_arns must hold IAM or STS principal ARNs (patterns with * and ? are allowed)."
  }
}

variable "create_state_kms_key" {
  description = "Encrypt the state bucket with its own KMS key (SSE-KMS; the key policy names the plan and apply roles). false: SSE-S3."
  type        = bool
  default     = true
  nullable    = false
}

variable "plan_key_prefix" {
  description = "Key prefix of the reviewed plans in the state bucket (tf-plan's plan-store-prefix)."
  type        = string
  default     = "slipway/plans"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9!_.'()-]+(/[A-Za-z0-9!_.'()-]+)*$", var.plan_key_prefix))
    error_message = "plan_key_prefix must be one or more '/'-separated parts of letters, digits and !_.'()- (no leading or trailing '/', no wildcards)."
  }
}

variable "create_oidc_provider" {
  description = "Create the account's GitHub OIDC provider (false when the account already has one)."
  type        = bool
  default     = true
  nullable    = false
}

variable "oidc_provider_arn" {
  description = "Existing GitHub OIDC provider, when create_oidc_provider is false."
  type        = string
  default     = null
}

variable "plan_policy_arns" {
  description = "Managed policies of the plan roles: read access to every resource a plan refreshes. Their S3 reach into the state bucket is cut to their own environment by the bucket policy and their inline policy."
  type        = list(string)
  default     = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
  nullable    = false
}

variable "apply_policy_arns" {
  description = "Managed policies of the apply roles (narrow these for production accounts: an apply role with AdministratorAccess administers the whole account, its key and its bucket policy included)."
  type        = list(string)
  default     = ["arn:aws:iam::aws:policy/AdministratorAccess"]
  nullable    = false
}

variable "deploy_policy_arns" {
  description = "Extra managed policies of the application deploy roles. Their inline policy already allows exactly what ecs-deploy, ecr-build-push and cw-alarms-check call (see deploy_permissions)."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "deploy_permissions" {
  description = <<-EOT
    What each environment's deploy role may touch; "{environment}" stands for the environment's name, "*" and "?" are IAM wildcards.
    - ecs_cluster_names, ecs_service_names: the services it deploys (the service names are also the task definition families
      RunTask may start; examples/complete names them <env> and <env>-web).
    - pass_role_names: role names (or full ARNs) iam:PassRole may hand to ECS tasks: the service's task and execution roles
      (the ecs-service module names them <service>-task-… and <service>-exec-…).
    - ecr_repository_names: the ECR repositories ecr-build-push pushes to (and creates when missing).
  EOT
  type = object({
    ecs_cluster_names    = optional(list(string), ["{environment}*"])
    ecs_service_names    = optional(list(string), ["{environment}*"])
    pass_role_names      = optional(list(string), ["{environment}-*"])
    ecr_repository_names = optional(list(string), ["*"])
  })
  default  = {}
  nullable = false

  validation {
    condition = alltrue([
      for kind, names in var.deploy_permissions : length(names) > 0 && (kind == "ecr_repository_names" || !contains(names, "*"))
    ])
    error_message = "deploy_permissions lists must not be empty, and only ecr_repository_names may be \"*\" (a deploy role that passes any role or deploys any service is not scoped)."
  }
}

variable "image_push" {
  description = <<-EOT
    The image push role, github-image-push: app.yml's build job assumes it (the repository variable ECR_PUSH_ROLE_ARN) to
    push the application's image. null: no such role (an account that holds no image registry).
    - subjects: the OIDC subjects it trusts (the build job runs in no GitHub environment, so its token names the ref: a push
      to main is "ref:refs/heads/main"). Never "pull_request": whoever can push a branch controls its pull request's
      workflow and could push any image under a tag that moves (main, latest) or under a commit's SHA before that commit's
      own build; app.yml builds pull requests with push: false, which needs no role. A branch listed here is as trusted as
      main.
    - ecr_repository_names: the ECR repositories it pushes to and creates when missing ("*" and "?" are IAM wildcards).
  EOT
  type = object({
    subjects             = optional(list(string), ["ref:refs/heads/main"])
    ecr_repository_names = optional(list(string), ["*"])
  })
  default = {}

  validation {
    condition = var.image_push == null ? true : (
      length(var.image_push.subjects) > 0 && length(var.image_push.ecr_repository_names) > 0 &&
      alltrue([for s in var.image_push.subjects : can(regex("^(ref:refs/(heads|tags)/|environment:)[^*?]", s))])
    )
    error_message = "image_push.subjects must list refs (ref:refs/heads/<branch>, ref:refs/tags/<tag>) or environments (environment:<name>), never pull_request nor a leading wildcard, and ecr_repository_names must not be empty."
  }
}

variable "force_destroy_state" {
  description = "Allow destroying the state bucket with objects in it (personal or demo accounts only)."
  type        = bool
  default     = false
  nullable    = false
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
  nullable    = false
}
