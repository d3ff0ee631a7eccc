locals {
  oidc_url      = "https://token.actions.githubusercontent.com"
  oidc_host     = "token.actions.githubusercontent.com"
  oidc_audience = "sts.amazonaws.com"

  oidc_provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.this[0].arn : var.oidc_provider_arn

  # Every subject is scoped to the role's repository: short forms get the "repo:<owner>/<repo>:" prefix.
  role_subjects = {
    for k, r in var.roles : k => distinct([
      for s in r.subjects : startswith(s, "repo:") ? s : "repo:${r.repository}:${s}"
    ])
  }

  policy_attachments = merge([
    for k, r in var.roles : {
      for arn in distinct(r.policy_arns) : "${k}/${arn}" => { role = k, policy_arn = arn }
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
