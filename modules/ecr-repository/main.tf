data "aws_partition" "current" {}

resource "aws_ecr_repository" "this" {
  # checkov:skip=CKV_AWS_136:Images are always encrypted at rest (AES256 by default); encryption = "KMS"
  # with kms_key_arn selects a customer managed key where policy requires one.
  name                 = var.name
  image_tag_mutability = var.image_tag_mutability
  force_delete         = var.force_delete

  # The tags that may move to a later image (a branch, latest) on an immutable repository;
  # every other tag names one image forever. Only read with the *_WITH_EXCLUSION settings.
  dynamic "image_tag_mutability_exclusion_filter" {
    for_each = endswith(var.image_tag_mutability, "_WITH_EXCLUSION") ? var.image_tag_mutability_exclusion_filters : []

    content {
      filter      = image_tag_mutability_exclusion_filter.value
      filter_type = "WILDCARD"
    }
  }

  image_scanning_configuration {
    scan_on_push = var.scan_on_push
  }

  encryption_configuration {
    encryption_type = var.encryption_type
    kms_key         = var.kms_key_arn
  }

  tags = merge(var.tags, { Name = var.name })
}

################################################################################
# Lifecycle policy
################################################################################

locals {
  default_lifecycle_policy = {
    rules = [
      {
        rulePriority = 1
        description  = "Expire untagged images after ${var.untagged_expiry_days} days"
        selection = {
          tagStatus   = "untagged"
          countType   = "sinceImagePushed"
          countUnit   = "days"
          countNumber = var.untagged_expiry_days
        }
        action = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "Keep the last ${var.keep_tagged_images} tagged images"
        selection = {
          tagStatus      = "tagged"
          tagPatternList = ["*"]
          countType      = "imageCountMoreThan"
          countNumber    = var.keep_tagged_images
        }
        action = { type = "expire" }
      },
    ]
  }
}

resource "aws_ecr_lifecycle_policy" "this" {
  count = var.enable_lifecycle_policy ? 1 : 0

  repository = aws_ecr_repository.this.name
  policy     = coalesce(var.lifecycle_policy_json, jsonencode(local.default_lifecycle_policy))
}

################################################################################
# Cross-account pull
################################################################################

data "aws_iam_policy_document" "pull" {
  count = length(var.pull_account_ids) > 0 ? 1 : 0

  statement {
    sid    = "CrossAccountPull"
    effect = "Allow"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:GetDownloadUrlForLayer",
    ]

    principals {
      type        = "AWS"
      identifiers = [for id in sort(distinct(var.pull_account_ids)) : "arn:${data.aws_partition.current.partition}:iam::${id}:root"]
    }
  }
}

resource "aws_ecr_repository_policy" "this" {
  count = length(var.pull_account_ids) > 0 ? 1 : 0

  repository = aws_ecr_repository.this.name
  policy     = data.aws_iam_policy_document.pull[0].json
}
