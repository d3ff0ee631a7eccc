mock_provider "aws" {
  override_during = plan

  # The provider validates policy JSON even under a mock; the mock's random string is not JSON.
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{}"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_resource "aws_ecr_repository" {
    defaults = {
      repository_url = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme/api"
      registry_id    = "111122223333"
      arn            = "arn:aws:ecr:eu-west-1:111122223333:repository/acme/api"
    }
  }
}

variables {
  name = "acme/api"
  tags = {
    Team = "platform"
  }
}

run "secure_defaults" {
  command = plan

  assert {
    condition     = aws_ecr_repository.this.name == "acme/api"
    error_message = "The repository must use name."
  }

  assert {
    condition     = aws_ecr_repository.this.image_tag_mutability == "IMMUTABLE_WITH_EXCLUSION"
    error_message = "Tags must be immutable by default, except the moving ones."
  }

  assert {
    condition     = [for f in aws_ecr_repository.this.image_tag_mutability_exclusion_filter : f.filter] == ["latest", "main"] && alltrue([for f in aws_ecr_repository.this.image_tag_mutability_exclusion_filter : f.filter_type == "WILDCARD"])
    error_message = "latest and main must be the default moving tags, as WILDCARD filters."
  }

  assert {
    condition     = aws_ecr_repository.this.image_scanning_configuration[0].scan_on_push == true
    error_message = "Scan on push must be on by default."
  }

  assert {
    condition     = aws_ecr_repository.this.encryption_configuration[0].encryption_type == "AES256"
    error_message = "Encryption must default to AES256."
  }

  assert {
    condition     = aws_ecr_repository.this.force_delete == false
    error_message = "force_delete must default to false."
  }

  assert {
    condition     = aws_ecr_repository.this.tags == tomap({ Team = "platform", Name = "acme/api" })
    error_message = "Tags must merge var.tags with Name."
  }

  assert {
    condition     = length(aws_ecr_repository_policy.this) == 0
    error_message = "No repository policy without pull_account_ids."
  }
}

run "default_lifecycle_policy" {
  command = plan

  variables {
    keep_tagged_images   = 50
    untagged_expiry_days = 3
  }

  assert {
    condition     = jsondecode(aws_ecr_lifecycle_policy.this[0].policy).rules[0].selection == { tagStatus = "untagged", countType = "sinceImagePushed", countUnit = "days", countNumber = 3 }
    error_message = "Rule 1 must expire untagged images after untagged_expiry_days."
  }

  assert {
    condition     = jsondecode(aws_ecr_lifecycle_policy.this[0].policy).rules[1].selection == { tagStatus = "tagged", tagPatternList = ["*"], countType = "imageCountMoreThan", countNumber = 50 }
    error_message = "Rule 2 must keep the last keep_tagged_images tagged images."
  }

  assert {
    condition     = [for r in jsondecode(aws_ecr_lifecycle_policy.this[0].policy).rules : r.rulePriority] == [1, 2]
    error_message = "Rule priorities must be 1 and 2."
  }
}

run "lifecycle_policy_override" {
  command = plan

  variables {
    lifecycle_policy_json = "{\"rules\":[{\"rulePriority\":1,\"selection\":{\"tagStatus\":\"any\",\"countType\":\"imageCountMoreThan\",\"countNumber\":5},\"action\":{\"type\":\"expire\"}}]}"
  }

  assert {
    condition     = length(jsondecode(aws_ecr_lifecycle_policy.this[0].policy).rules) == 1 && jsondecode(aws_ecr_lifecycle_policy.this[0].policy).rules[0].selection.countNumber == 5
    error_message = "lifecycle_policy_json must replace the default policy."
  }
}

run "lifecycle_policy_disabled" {
  command = plan

  variables {
    enable_lifecycle_policy = false
  }

  assert {
    condition     = length(aws_ecr_lifecycle_policy.this) == 0
    error_message = "enable_lifecycle_policy = false must drop the lifecycle policy."
  }
}

run "kms_encryption_and_mutable_tags" {
  command = plan

  variables {
    encryption_type      = "KMS"
    kms_key_arn          = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    image_tag_mutability = "MUTABLE"
  }

  assert {
    condition     = aws_ecr_repository.this.encryption_configuration[0].encryption_type == "KMS" && aws_ecr_repository.this.encryption_configuration[0].kms_key == "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    error_message = "KMS encryption must use kms_key_arn."
  }

  assert {
    condition     = aws_ecr_repository.this.image_tag_mutability == "MUTABLE"
    error_message = "image_tag_mutability must be passed through."
  }
}

run "cross_account_pull" {
  command = plan

  variables {
    pull_account_ids = ["444455556666", "111122223333", "444455556666"]
  }

  assert {
    condition     = length(aws_ecr_repository_policy.this) == 1
    error_message = "pull_account_ids must create a repository policy."
  }

  assert {
    condition     = toset(data.aws_iam_policy_document.pull[0].statement[0].actions) == toset(["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"])
    error_message = "The policy must allow exactly the three pull actions."
  }

  assert {
    condition     = toset(one(data.aws_iam_policy_document.pull[0].statement[0].principals).identifiers) == toset(["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"])
    error_message = "The principals must be the distinct account roots."
  }
}

run "outputs" {
  command = plan

  assert {
    condition     = output.repository_url == "111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme/api" && output.registry_id == "111122223333" && output.repository_name == "acme/api"
    error_message = "Outputs must expose the repository attributes."
  }
}

run "rejects_invalid_name" {
  command = plan

  variables {
    name = "Acme/API"
  }

  expect_failures = [var.name]
}

run "rejects_invalid_tag_mutability" {
  command = plan

  variables {
    image_tag_mutability = "immutable"
  }

  expect_failures = [var.image_tag_mutability]
}

run "plain_immutable_has_no_filters" {
  command = plan

  variables {
    image_tag_mutability = "IMMUTABLE"
  }

  assert {
    condition     = aws_ecr_repository.this.image_tag_mutability == "IMMUTABLE" && length(aws_ecr_repository.this.image_tag_mutability_exclusion_filter) == 0
    error_message = "IMMUTABLE must not send exclusion filters (the provider refuses them)."
  }
}

run "custom_exclusion_filters" {
  command = plan

  variables {
    image_tag_mutability_exclusion_filters = ["latest", "release-*", "*-cache"]
  }

  assert {
    condition     = [for f in aws_ecr_repository.this.image_tag_mutability_exclusion_filter : f.filter] == ["latest", "release-*", "*-cache"]
    error_message = "The exclusion filters must be passed through in order."
  }
}

run "rejects_too_many_exclusion_filters" {
  command = plan

  variables {
    image_tag_mutability_exclusion_filters = ["a", "b", "c", "d", "e", "f"]
  }

  expect_failures = [var.image_tag_mutability_exclusion_filters]
}

run "rejects_no_exclusion_filter_with_exclusion" {
  command = plan

  variables {
    image_tag_mutability_exclusion_filters = []
  }

  expect_failures = [var.image_tag_mutability_exclusion_filters]
}

run "rejects_filter_with_three_wildcards" {
  command = plan

  variables {
    image_tag_mutability_exclusion_filters = ["a*b*c*"]
  }

  expect_failures = [var.image_tag_mutability_exclusion_filters]
}

run "rejects_invalid_encryption_type" {
  command = plan

  variables {
    encryption_type = "SSE"
  }

  expect_failures = [var.encryption_type]
}

run "rejects_kms_without_key" {
  command = plan

  variables {
    encryption_type = "KMS"
  }

  expect_failures = [var.kms_key_arn]
}

run "rejects_key_without_kms" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  expect_failures = [var.kms_key_arn]
}

run "rejects_malformed_kms_key_arn" {
  command = plan

  variables {
    encryption_type = "KMS"
    kms_key_arn     = "alias/ecr"
  }

  expect_failures = [var.kms_key_arn]
}

run "rejects_zero_keep_tagged_images" {
  command = plan

  variables {
    keep_tagged_images = 0
  }

  expect_failures = [var.keep_tagged_images]
}

run "rejects_zero_untagged_expiry_days" {
  command = plan

  variables {
    untagged_expiry_days = 0
  }

  expect_failures = [var.untagged_expiry_days]
}

run "rejects_invalid_lifecycle_policy_json" {
  command = plan

  variables {
    lifecycle_policy_json = "{\"rules\": "
  }

  expect_failures = [var.lifecycle_policy_json]
}

run "rejects_invalid_pull_account_ids" {
  command = plan

  variables {
    pull_account_ids = ["1234"]
  }

  expect_failures = [var.pull_account_ids]
}
