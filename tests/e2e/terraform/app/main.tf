# A root module a consumer might keep in its repository; used by the act test of tf-plan and
# tf-apply-gated. Only built-in resources, so no provider is needed.
terraform {
  required_version = ">= 1.9"
  backend "s3" {}
}

variable "replicas" {
  type    = number
  default = 2
}

resource "terraform_data" "service" {
  input = { name = "web", replicas = var.replicas }
}

output "service" {
  value = terraform_data.service.output
}
