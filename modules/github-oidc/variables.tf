variable "create_oidc_provider" {
  description = "Create the GitHub Actions OIDC provider (one per AWS account). Set false and pass oidc_provider_arn to reuse an existing one."
  type        = bool
  default     = true
  nullable    = false
}

variable "oidc_provider_arn" {
  description = "ARN of an existing token.actions.githubusercontent.com OIDC provider. Required when create_oidc_provider is false; ignored otherwise."
  type        = string
  default     = null

  validation {
    condition     = var.create_oidc_provider || var.oidc_provider_arn != null
    error_message = "oidc_provider_arn is required when create_oidc_provider is false."
  }

  validation {
    condition     = var.oidc_provider_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/token\\.actions\\.githubusercontent\\.com$", var.oidc_provider_arn))
    error_message = "oidc_provider_arn must be the ARN of the token.actions.githubusercontent.com OIDC provider (arn:<partition>:iam::<account>:oidc-provider/token.actions.githubusercontent.com)."
  }
}

variable "thumbprint_list" {
  description = "Server certificate thumbprints for the OIDC provider. Empty lets AWS manage them (IAM trusts GitHub's certificate through its own root CA library)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for t in var.thumbprint_list : can(regex("^[0-9a-fA-F]{40}$", t))])
    error_message = "thumbprint_list must contain 40-character hexadecimal SHA-1 thumbprints."
  }
}

variable "role_name_prefix" {
  description = "Prefix prepended to every role key to form the IAM role name, e.g. \"gha-\"."
  type        = string
  default     = ""
  nullable    = false

  validation {
    condition     = can(regex("^[\\w+=,.@-]*$", var.role_name_prefix))
    error_message = "role_name_prefix may only contain letters, digits and + = , . @ _ -."
  }
}

variable "roles" {
  description = <<-EOT
    IAM roles GitHub Actions can assume, keyed by a stable name (the role name is role_name_prefix + key).
    - repository: "owner/repo" allowed to assume the role.
    - subjects: at least one token subject, written either in full ("repo:owner/repo:environment:prod") or as the part after
      "repo:owner/repo:" ("environment:prod", "ref:refs/heads/main", "ref:refs/tags/v*", "pull_request"). Matched with StringLike.
    - policy_arns: managed policies to attach (must be known at plan time: they form for_each keys).
    - inline_policy_json: optional inline policy document (named "inline"); whether it is set must be known at plan time.
    - inline_policies: more inline policies by name, for documents known only after apply (an aws_iam_policy_document of
      resources created in the same run): the names are the for_each keys, the documents may be unknown while planning.
    - max_session_duration: seconds, 3600-43200.
    - job_workflow_refs: for repositories whose OIDC subject template is customised to ["repo", "context", "job_workflow_ref"]
      (see the README): the reusable workflows a job must run in, as "owner/repo/.github/workflows/<file>.yml@<ref>" (the ref may
      hold wildcards, e.g. "@refs/tags/v*"). Each subject then becomes "repo:<owner>/<repo>:<subject>:job_workflow_ref:<workflow>".
      Empty (the default): GitHub's default subject template.
  EOT
  type = map(object({
    repository               = string
    subjects                 = list(string)
    policy_arns              = optional(list(string), [])
    inline_policy_json       = optional(string)
    max_session_duration     = optional(number, 3600)
    description              = optional(string)
    path                     = optional(string, "/")
    permissions_boundary_arn = optional(string)
    job_workflow_refs        = optional(list(string), [])
    inline_policies          = optional(map(string), {})
  }))
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for k, r in var.roles : can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", r.repository))])
    error_message = "Each role's repository must be a literal \"owner/repo\" (no wildcards)."
  }

  validation {
    condition     = alltrue([for k, r in var.roles : length(r.subjects) > 0])
    error_message = "Each role needs at least one subject: a role without a subject condition could be assumed from any repository."
  }

  validation {
    condition = alltrue(flatten([
      for k, r in var.roles : [for s in r.subjects : !(trimspace(s) == "*" || startswith(s, "*") || startswith(s, "repo:*"))]
    ]))
    error_message = "Subjects must not be wildcards that cover every repository (\"*\", \"repo:*...\")."
  }

  validation {
    condition = alltrue(flatten([
      for k, r in var.roles : [for s in r.subjects : !startswith(s, "repo:") || startswith(s, "repo:${r.repository}:")]
    ]))
    error_message = "A subject written in full must start with \"repo:<owner>/<repo>:\" of the role's own repository."
  }

  validation {
    condition = alltrue(flatten([
      for k, r in var.roles : [
        # Full subjects of another repository are reported by the rule above.
        for s in r.subjects : (startswith(s, "repo:") && !startswith(s, "repo:${r.repository}:")) || can(regex(
          "^(environment:[^:]+|ref:refs/(heads|tags)/.+|pull_request)$",
          startswith(s, "repo:${r.repository}:") ? substr(s, length("repo:${r.repository}:"), -1) : s
        ))
      ]
    ]))
    error_message = "Each subject must be (optionally prefixed by \"repo:<owner>/<repo>:\") one of \"environment:<name>\", \"ref:refs/heads/<branch>\", \"ref:refs/tags/<tag>\" or \"pull_request\"."
  }

  validation {
    condition = alltrue(flatten([
      for k, r in var.roles : [
        for w in r.job_workflow_refs : can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/\\.github/workflows/[A-Za-z0-9_.-]+\\.ya?ml@[^:\\s]+$", w))
      ]
    ]))
    error_message = "job_workflow_refs must be \"owner/repo/.github/workflows/<file>.yml@<ref>\" with a literal owner, repository and file (wildcards only in the ref, no ':')."
  }

  validation {
    condition     = alltrue([for k, r in var.roles : r.max_session_duration >= 3600 && r.max_session_duration <= 43200])
    error_message = "max_session_duration must be between 3600 and 43200 seconds."
  }

  validation {
    condition     = alltrue([for k, r in var.roles : r.inline_policy_json == null || can(jsondecode(r.inline_policy_json).Statement)])
    error_message = "inline_policy_json must be a JSON policy document with a Statement."
  }

  validation {
    condition = alltrue(flatten([
      for k, r in var.roles : [
        for name, policy in r.inline_policies : can(regex("^[\\w+=,.@-]{1,128}$", name)) && can(jsondecode(policy).Statement)
      ]
    ]))
    error_message = "inline_policies must map policy names (1-128 letters, digits and + = , . @ _ -) to JSON policy documents with a Statement."
  }

  validation {
    condition     = alltrue([for k, r in var.roles : r.inline_policy_json == null || !contains(keys(r.inline_policies), "inline")])
    error_message = "inline_policies may not use the name \"inline\" when inline_policy_json is set: that is its policy's name."
  }

  validation {
    condition = alltrue(flatten([
      for k, r in var.roles : [for a in r.policy_arns : can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$", a))]
    ]))
    error_message = "policy_arns must contain IAM policy ARNs (arn:<partition>:iam::<account|aws>:policy/<name>)."
  }

  validation {
    condition     = alltrue([for k, r in var.roles : can(regex("^[\\w+=,.@-]{1,64}$", "${var.role_name_prefix}${k}"))])
    error_message = "role_name_prefix + key must form a valid IAM role name: 1-64 characters of letters, digits and + = , . @ _ -."
  }
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
  nullable    = false
}
