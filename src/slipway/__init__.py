"""slipway: delivery actions and Terraform modules for containers on AWS ECS Fargate."""

__version__ = "0.1.0"
