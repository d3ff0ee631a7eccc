mock_provider "aws" {
  override_during = plan

  # The provider validates policy JSON even under a mock; the mock's random string is not JSON.
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{}"
    }
  }

  mock_resource "aws_iam_openid_connect_provider" {
    defaults = {
      arn = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
    }
  }
}

variables {
  role_name_prefix = "gha-"
  tags = {
    Team = "platform"
  }
  roles = {
    "prod-apply" = {
      repository  = "acme/app"
      subjects    = ["environment:prod"]
      policy_arns = ["arn:aws:iam::aws:policy/PowerUserAccess", "arn:aws:iam::111122223333:policy/state-write"]
    }
    "plan" = {
      repository           = "acme/app"
      subjects             = ["pull_request", "repo:acme/app:ref:refs/heads/main"]
      policy_arns          = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
      inline_policy_json   = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::acme-tfstate/*\"}]}"
      max_session_duration = 7200
    }
  }
}

run "oidc_provider" {
  command = plan

  assert {
    condition     = aws_iam_openid_connect_provider.this[0].url == "https://token.actions.githubusercontent.com"
    error_message = "The provider URL must be GitHub's token endpoint."
  }

  assert {
    condition     = aws_iam_openid_connect_provider.this[0].client_id_list == toset(["sts.amazonaws.com"])
    error_message = "The provider's only client ID must be sts.amazonaws.com."
  }

  assert {
    condition     = aws_iam_openid_connect_provider.this[0].tags == tomap({ Team = "platform", Name = "token.actions.githubusercontent.com" })
    error_message = "The provider must carry merged tags."
  }

  assert {
    condition     = output.oidc_provider_arn == "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
    error_message = "oidc_provider_arn must be the created provider's ARN."
  }
}

run "trust_policy_conditions" {
  command = plan

  assert {
    condition     = one(data.aws_iam_policy_document.assume["prod-apply"].statement[0].principals).identifiers == toset(["arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"])
    error_message = "The trust policy must federate the OIDC provider."
  }

  assert {
    condition     = data.aws_iam_policy_document.assume["prod-apply"].statement[0].actions == toset(["sts:AssumeRoleWithWebIdentity"])
    error_message = "The trust policy must only allow sts:AssumeRoleWithWebIdentity."
  }

  assert {
    condition = anytrue([
      for c in data.aws_iam_policy_document.assume["prod-apply"].statement[0].condition :
      c.test == "StringEquals" && c.variable == "token.actions.githubusercontent.com:aud" && c.values == tolist(["sts.amazonaws.com"])
    ])
    error_message = "The trust policy must require aud = sts.amazonaws.com."
  }

  assert {
    condition = anytrue([
      for c in data.aws_iam_policy_document.assume["prod-apply"].statement[0].condition :
      c.test == "StringLike" && c.variable == "token.actions.githubusercontent.com:sub" && c.values == tolist(["repo:acme/app:environment:prod"])
    ])
    error_message = "Short subjects must be prefixed with repo:<owner>/<repo>:."
  }

  assert {
    condition = anytrue([
      for c in data.aws_iam_policy_document.assume["plan"].statement[0].condition :
      c.variable == "token.actions.githubusercontent.com:sub" && c.values == tolist(["repo:acme/app:pull_request", "repo:acme/app:ref:refs/heads/main"])
    ])
    error_message = "Full subjects must be kept and short ones prefixed."
  }
}

run "roles_and_policies" {
  command = plan

  assert {
    condition     = aws_iam_role.this["prod-apply"].name == "gha-prod-apply" && aws_iam_role.this["plan"].name == "gha-plan"
    error_message = "Role names must be role_name_prefix + key."
  }

  assert {
    condition     = aws_iam_role.this["prod-apply"].max_session_duration == 3600 && aws_iam_role.this["plan"].max_session_duration == 7200
    error_message = "max_session_duration must default to 3600 and be overridable."
  }

  assert {
    condition     = aws_iam_role.this["prod-apply"].tags == tomap({ Team = "platform", Name = "gha-prod-apply" })
    error_message = "Roles must carry merged tags."
  }

  assert {
    condition = keys(aws_iam_role_policy_attachment.this) == [
      "plan/arn:aws:iam::aws:policy/ReadOnlyAccess",
      "prod-apply/arn:aws:iam::111122223333:policy/state-write",
      "prod-apply/arn:aws:iam::aws:policy/PowerUserAccess",
    ]
    error_message = "Policy attachments must be keyed by role key and policy ARN."
  }

  assert {
    condition     = aws_iam_role_policy_attachment.this["plan/arn:aws:iam::aws:policy/ReadOnlyAccess"].role == "gha-plan"
    error_message = "Attachments must target their role."
  }

  assert {
    condition     = keys(aws_iam_role_policy.this) == ["plan"] && jsondecode(aws_iam_role_policy.this["plan"].policy).Statement[0].Action == "s3:GetObject"
    error_message = "Only roles with inline_policy_json get an inline policy."
  }

  assert {
    condition     = keys(output.role_arns) == ["plan", "prod-apply"] && output.role_names["plan"] == "gha-plan"
    error_message = "role_arns and role_names must be keyed by role key."
  }
}

run "reuse_existing_provider" {
  command = plan

  variables {
    create_oidc_provider = false
    oidc_provider_arn    = "arn:aws:iam::444455556666:oidc-provider/token.actions.githubusercontent.com"
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.this) == 0
    error_message = "No provider may be created when reusing one."
  }

  assert {
    condition     = one(data.aws_iam_policy_document.assume["plan"].statement[0].principals).identifiers == toset(["arn:aws:iam::444455556666:oidc-provider/token.actions.githubusercontent.com"])
    error_message = "Roles must trust the existing provider."
  }

  assert {
    condition     = output.oidc_provider_arn == "arn:aws:iam::444455556666:oidc-provider/token.actions.githubusercontent.com"
    error_message = "oidc_provider_arn must be the reused ARN."
  }
}

run "provider_only" {
  command = plan

  variables {
    roles = {}
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.this) == 1 && length(aws_iam_role.this) == 0 && output.role_arns == {}
    error_message = "The module must work with no roles."
  }
}

run "rejects_empty_subjects" {
  command = plan

  variables {
    roles = {
      bad = { repository = "acme/app", subjects = [] }
    }
  }

  expect_failures = [var.roles]
}

run "rejects_star_subject" {
  command = plan

  variables {
    roles = {
      bad = { repository = "acme/app", subjects = ["*"] }
    }
  }

  expect_failures = [var.roles]
}

run "rejects_all_repositories_subject" {
  command = plan

  variables {
    roles = {
      bad = { repository = "acme/app", subjects = ["repo:*"] }
    }
  }

  expect_failures = [var.roles]
}

run "rejects_any_repository_wildcard_subject" {
  command = plan

  variables {
    roles = {
      bad = { repository = "acme/app", subjects = ["repo:*:environment:prod"] }
    }
  }

  expect_failures = [var.roles]
}

run "rejects_other_repository_subject" {
  command = plan

  variables {
    roles = {
      bad = { repository = "acme/app", subjects = ["repo:evil/app:environment:prod"] }
    }
  }

  expect_failures = [var.roles]
}

run "rejects_repository_name_prefix_subject" {
  command = plan

  variables {
    roles = {
      bad = { repository = "acme/app", subjects = ["repo:acme/app-fork:environment:prod"] }
    }
  }

  expect_failures = [var.roles]
}

run "rejects_owner_wildcard_subject" {
  command = plan

  variables {
    roles = {
      bad = { repository = "acme/app", subjects = ["repo:acme/*:environment:prod"] }
    }
  }

  expect_failures = [var.roles]
}

run "rejects_whole_repository_wildcard_subject" {
  command = plan

  variables {
    roles = {
      bad = { repository = "acme/app", subjects = ["repo:acme/app:*"] }
    }
  }

  expect_failures = [var.roles]
}

run "rejects_unknown_subject_form" {
  command = plan

  variables {
    roles = {
      bad = { repository = "acme/app", subjects = ["workflow:deploy"] }
    }
  }

  expect_failures = [var.roles]
}

run "rejects_wildcard_repository" {
  command = plan

  variables {
    roles = {
      bad = { repository = "acme/*", subjects = ["environment:prod"] }
    }
  }

  expect_failures = [var.roles]
}

run "rejects_short_max_session_duration" {
  command = plan

  variables {
    roles = {
      bad = { repository = "acme/app", subjects = ["environment:prod"], max_session_duration = 900 }
    }
  }

  expect_failures = [var.roles]
}

run "rejects_invalid_inline_policy_json" {
  command = plan

  variables {
    roles = {
      bad = { repository = "acme/app", subjects = ["environment:prod"], inline_policy_json = "{\"Version\":" }
    }
  }

  expect_failures = [var.roles]
}

run "rejects_invalid_policy_arn" {
  command = plan

  variables {
    roles = {
      bad = { repository = "acme/app", subjects = ["environment:prod"], policy_arns = ["ReadOnlyAccess"] }
    }
  }

  expect_failures = [var.roles]
}

run "rejects_too_long_role_name" {
  command = plan

  variables {
    roles = {
      "a-role-key-that-is-far-too-long-for-iam-once-the-prefix-is-added" = { repository = "acme/app", subjects = ["environment:prod"] }
    }
  }

  expect_failures = [var.roles]
}

run "rejects_invalid_role_name_prefix" {
  command = plan

  variables {
    role_name_prefix = "gha/"
  }

  expect_failures = [var.role_name_prefix]
}

run "rejects_missing_provider_arn" {
  command = plan

  variables {
    create_oidc_provider = false
  }

  expect_failures = [var.oidc_provider_arn]
}

run "rejects_invalid_provider_arn" {
  command = plan

  variables {
    create_oidc_provider = false
    oidc_provider_arn    = "arn:aws:iam::444455556666:oidc-provider/example.com"
  }

  expect_failures = [var.oidc_provider_arn]
}

run "rejects_invalid_thumbprint" {
  command = plan

  variables {
    thumbprint_list = ["not-a-thumbprint"]
  }

  expect_failures = [var.thumbprint_list]
}

run "subjects_bound_to_reusable_workflows" {
  command = plan

  variables {
    roles = {
      apply = {
        repository        = "acme/app"
        subjects          = ["environment:prod", "repo:acme/app:environment:prod-infra"]
        job_workflow_refs = ["slipway-platform/slipway/.github/workflows/infra-environment.yml@refs/tags/v0"]
      }
      deploy = {
        repository = "acme/app"
        subjects   = ["environment:prod"]
        job_workflow_refs = [
          "slipway-platform/slipway/.github/workflows/app-deploy.yml@refs/tags/v0",
          "acme/app/.github/workflows/deploy.yml@*",
        ]
      }
    }
  }

  assert {
    condition = anytrue([
      for c in data.aws_iam_policy_document.assume["apply"].statement[0].condition :
      c.values == tolist([
        "repo:acme/app:environment:prod:job_workflow_ref:slipway-platform/slipway/.github/workflows/infra-environment.yml@refs/tags/v0",
        "repo:acme/app:environment:prod-infra:job_workflow_ref:slipway-platform/slipway/.github/workflows/infra-environment.yml@refs/tags/v0",
      ])
      if c.variable == "token.actions.githubusercontent.com:sub"
    ])
    error_message = "Each subject must carry the job_workflow_ref claim of the customised subject template."
  }

  assert {
    condition = anytrue([
      for c in data.aws_iam_policy_document.assume["deploy"].statement[0].condition :
      c.test == "StringLike" && c.values == tolist([
        "repo:acme/app:environment:prod:job_workflow_ref:slipway-platform/slipway/.github/workflows/app-deploy.yml@refs/tags/v0",
        "repo:acme/app:environment:prod:job_workflow_ref:acme/app/.github/workflows/deploy.yml@*",
      ])
      if c.variable == "token.actions.githubusercontent.com:sub"
    ])
    error_message = "Every workflow must be allowed for every subject: apply and deploy roles of one environment stay apart."
  }
}

run "rejects_job_workflow_ref_with_wildcard_repository" {
  command = plan

  variables {
    roles = {
      bad = { repository = "acme/app", subjects = ["environment:prod"], job_workflow_refs = ["acme/*/.github/workflows/deploy.yml@refs/heads/main"] }
    }
  }

  expect_failures = [var.roles]
}

run "rejects_job_workflow_ref_without_ref" {
  command = plan

  variables {
    roles = {
      bad = { repository = "acme/app", subjects = ["environment:prod"], job_workflow_refs = ["acme/app/.github/workflows/deploy.yml"] }
    }
  }

  expect_failures = [var.roles]
}

run "named_inline_policies" {
  command = plan

  variables {
    roles = {
      plan = {
        repository         = "acme/app"
        subjects           = ["environment:prod-plan"]
        inline_policy_json = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:ListBucket\",\"Resource\":\"*\"}]}"
        inline_policies = {
          state-bucket = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::acme-tfstate/prod/*\"}]}"
          kms          = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"kms:Decrypt\",\"Resource\":\"*\"}]}"
        }
      }
    }
  }

  assert {
    condition     = toset(keys(aws_iam_role_policy.named)) == toset(["plan/state-bucket", "plan/kms"])
    error_message = "Named inline policies must be keyed by role and name."
  }

  assert {
    condition = (
      aws_iam_role_policy.named["plan/state-bucket"].name == "state-bucket" &&
      aws_iam_role_policy.named["plan/state-bucket"].role == "gha-plan" &&
      jsondecode(aws_iam_role_policy.named["plan/state-bucket"].policy).Statement[0].Resource == "arn:aws:s3:::acme-tfstate/prod/*"
    )
    error_message = "Each named policy must carry its name and document on its role."
  }

  assert {
    condition     = keys(aws_iam_role_policy.this) == ["plan"] && aws_iam_role_policy.this["plan"].name == "inline"
    error_message = "inline_policy_json stays the policy named inline."
  }
}

run "rejects_inline_policies_named_inline_next_to_inline_policy_json" {
  command = plan

  variables {
    roles = {
      bad = {
        repository         = "acme/app"
        subjects           = ["environment:prod"]
        inline_policy_json = "{\"Statement\":[]}"
        inline_policies    = { inline = "{\"Statement\":[]}" }
      }
    }
  }

  expect_failures = [var.roles]
}

run "rejects_invalid_inline_policy_name" {
  command = plan

  variables {
    roles = {
      bad = { repository = "acme/app", subjects = ["environment:prod"], inline_policies = { "state bucket" = "{\"Statement\":[]}" } }
    }
  }

  expect_failures = [var.roles]
}

run "rejects_invalid_inline_policy_document" {
  command = plan

  variables {
    roles = {
      bad = { repository = "acme/app", subjects = ["environment:prod"], inline_policies = { state = "{\"Version\":" } }
    }
  }

  expect_failures = [var.roles]
}
