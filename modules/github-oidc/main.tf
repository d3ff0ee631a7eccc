locals {
  oidc_url      = "https://token.actions.githubusercontent.com"
  oidc_host     = "token.actions.githubusercontent.com"
  oidc_audience = "sts.amazonaws.com"

  oidc_provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.this[0].arn : var.oidc_provider_arn

  # Every subject is scoped to the role's repository: short forms get the "repo:<owner>/<repo>:" prefix.
  # With job_workflow_refs (a subject template of repo, context, job_workflow_ref), each subject
  # is also bound to the reusable workflows the job must run in.
  role_subjects = {
    for k, r in var.roles : k => distinct(flatten([
      for s in r.subjects : [
        for w in coalescelist(r.job_workflow_refs, [""]) :
        "${startswith(s, "repo:") ? s : "repo:${r.repository}:${s}"}${w == "" ? "" : ":job_workflow_ref:${w}"}"
      ]
    ]))
  }

  policy_attachments = merge([
    for k, r in var.roles : {
      for arn in distinct(r.policy_arns) : "${k}/${arn}" => { role = k, policy_arn = arn }
    }
  ]...)

  # Keyed by role and policy name only, so documents computed during apply are fine.
  named_inline_policies = merge([
    for k, r in var.roles : {
      for name, policy in r.inline_policies : "${k}/${name}" => { role = k, name = name, policy = policy }
    }
  ]...)
}

################################################################################
# OIDC provider
################################################################################

resource "aws_iam_openid_connect_provider" "this" {
  count = var.create_oidc_provider ? 1 : 0

  url             = local.oidc_url
  client_id_list  = [local.oidc_audience]
  thumbprint_list = length(var.thumbprint_list) > 0 ? var.thumbprint_list : null

  tags = merge(var.tags, { Name = local.oidc_host })
}

################################################################################
# Roles
################################################################################

data "aws_iam_policy_document" "assume" {
  for_each = var.roles

  statement {
    sid     = "GitHubActionsOIDC"
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:aud"
      values   = [local.oidc_audience]
    }

    condition {
      test     = "StringLike"
      variable = "${local.oidc_host}:sub"
      values   = local.role_subjects[each.key]
    }
  }
}

resource "aws_iam_role" "this" {
  for_each = var.roles

  name                 = "${var.role_name_prefix}${each.key}"
  description          = coalesce(each.value.description, "GitHub Actions (${each.value.repository}) via OIDC")
  path                 = each.value.path
  assume_role_policy   = data.aws_iam_policy_document.assume[each.key].json
  max_session_duration = each.value.max_session_duration
  permissions_boundary = each.value.permissions_boundary_arn

  tags = merge(var.tags, { Name = "${var.role_name_prefix}${each.key}" })
}

resource "aws_iam_role_policy_attachment" "this" {
  for_each = local.policy_attachments

  role       = aws_iam_role.this[each.value.role].name
  policy_arn = each.value.policy_arn
}

resource "aws_iam_role_policy" "this" {
  for_each = { for k, r in var.roles : k => r if r.inline_policy_json != null }

  name   = "inline"
  role   = aws_iam_role.this[each.key].name
  policy = each.value.inline_policy_json
}

resource "aws_iam_role_policy" "named" {
  for_each = local.named_inline_policies

  name   = each.value.name
  role   = aws_iam_role.this[each.value.role].name
  policy = each.value.policy
}
