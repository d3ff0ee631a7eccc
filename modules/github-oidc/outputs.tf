output "oidc_provider_arn" {
  description = "ARN of the GitHub Actions OIDC provider (created or reused)."
  value       = local.oidc_provider_arn
}

output "role_arns" {
  description = "Role ARNs by role key."
  value       = { for k, r in aws_iam_role.this : k => r.arn }
}

output "role_names" {
  description = "Role names by role key."
  value       = { for k, r in aws_iam_role.this : k => r.name }
}
