locals {
  az_letters = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z"]

  # Per-AZ netnum. It depends only on that AZ (its explicit index, else the position of its
  # trailing letter: "eu-west-1a" -> 0, "eu-west-1c" -> 2), never on the AZ's position in the
  # input, so adding or removing an AZ leaves every other AZ's CIDRs and addresses unchanged.
  az_index = {
    for az, cfg in var.azs : az => cfg.index != null ? cfg.index : try(index(local.az_letters, lower(substr(az, -1, 1))), -1)
  }

  subnets = {
    for az, cfg in var.azs : az => {
      public_cidr  = cfg.public_cidr != null ? cfg.public_cidr : cidrsubnet(var.cidr_block, var.public_subnet_newbits, local.az_index[az])
      private_cidr = cfg.private_cidr != null ? cfg.private_cidr : cidrsubnet(var.cidr_block, var.private_subnet_newbits, var.private_subnet_netnum_offset + local.az_index[az])
    }
  }

  # The AZ holding the NAT gateway in "single" mode: the chosen one, else the first AZ by name.
  single_nat_az = coalesce(var.single_nat_gateway_az, try(sort(keys(var.azs))[0], null))

  nat_azs = {
    one_per_az = toset(keys(var.azs))
    single     = toset([local.single_nat_az])
    none       = toset([])
  }[var.nat_gateway_mode]

  # Which NAT gateway each private route table uses.
  private_nat_az = {
    for az in keys(var.azs) : az => var.nat_gateway_mode == "single" ? local.single_nat_az : az
  }
}

################################################################################
# VPC
################################################################################

resource "aws_vpc" "this" {
  cidr_block           = var.cidr_block
  instance_tenancy     = "default"
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = merge(var.tags, var.vpc_tags, { Name = var.name })
}

# Strip every rule from the default security group so nothing can use it by accident.
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id

  # Empty lists (rather than omitted blocks) remove every existing rule.
  ingress = []
  egress  = []

  tags = merge(var.tags, { Name = "${var.name}-default" })
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = var.name })
}

################################################################################
# Subnets
################################################################################

resource "aws_subnet" "public" {
  for_each = local.subnets

  vpc_id                  = aws_vpc.this.id
  availability_zone       = each.key
  cidr_block              = each.value.public_cidr
  map_public_ip_on_launch = var.map_public_ip_on_launch

  tags = merge(var.tags, var.public_subnet_tags, { Name = "${var.name}-public-${each.key}" })
}

resource "aws_subnet" "private" {
  for_each = local.subnets

  vpc_id            = aws_vpc.this.id
  availability_zone = each.key
  cidr_block        = each.value.private_cidr

  tags = merge(var.tags, var.private_subnet_tags, { Name = "${var.name}-private-${each.key}" })
}

################################################################################
# NAT gateways
################################################################################

resource "aws_eip" "nat" {
  for_each = local.nat_azs

  domain = "vpc"

  tags = merge(var.tags, { Name = "${var.name}-nat-${each.key}" })

  depends_on = [aws_internet_gateway.this]
}

resource "aws_nat_gateway" "this" {
  for_each = local.nat_azs

  allocation_id = aws_eip.nat[each.key].id
  subnet_id     = aws_subnet.public[each.key].id

  tags = merge(var.tags, { Name = "${var.name}-${each.key}" })

  depends_on = [aws_internet_gateway.this]
}

################################################################################
# Route tables
################################################################################

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-public" })
}

resource "aws_route" "public_internet_gateway" {
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this.id
}

resource "aws_route_table_association" "public" {
  for_each = aws_subnet.public

  subnet_id      = each.value.id
  route_table_id = aws_route_table.public.id
}

resource "aws_route_table" "private" {
  for_each = local.subnets

  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-private-${each.key}" })
}

resource "aws_route" "private_nat_gateway" {
  for_each = var.nat_gateway_mode == "none" ? {} : local.private_nat_az

  route_table_id         = aws_route_table.private[each.key].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.this[each.value].id
}

resource "aws_route_table_association" "private" {
  for_each = aws_subnet.private

  subnet_id      = each.value.id
  route_table_id = aws_route_table.private[each.key].id
}

################################################################################
# VPC flow logs
################################################################################

data "aws_partition" "current" {
  count = var.enable_flow_log ? 1 : 0
}

data "aws_region" "current" {
  count = var.enable_flow_log ? 1 : 0
}

data "aws_caller_identity" "current" {
  count = var.enable_flow_log ? 1 : 0
}

resource "aws_cloudwatch_log_group" "flow_log" {
  # checkov:skip=CKV_AWS_338:Retention is an input (flow_log_retention_in_days); the default favours cost,
  # and regulated environments set 365 or more.
  count = var.enable_flow_log ? 1 : 0

  name              = "/aws/vpc-flow-logs/${var.name}"
  retention_in_days = var.flow_log_retention_in_days
  kms_key_id        = var.flow_log_kms_key_id

  tags = merge(var.tags, { Name = "/aws/vpc-flow-logs/${var.name}" })
}

data "aws_iam_policy_document" "flow_log_assume_role" {
  count = var.enable_flow_log ? 1 : 0

  statement {
    sid     = "VPCFlowLogsAssumeRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["vpc-flow-logs.amazonaws.com"]
    }

    # Confused-deputy protection: only flow logs of this account may assume the role.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current[0].account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${data.aws_partition.current[0].partition}:ec2:${data.aws_region.current[0].region}:${data.aws_caller_identity.current[0].account_id}:vpc-flow-log/*"]
    }
  }
}

resource "aws_iam_role" "flow_log" {
  count = var.enable_flow_log ? 1 : 0

  name_prefix        = "${substr(var.name, 0, 24)}-flow-log-"
  assume_role_policy = data.aws_iam_policy_document.flow_log_assume_role[0].json

  tags = merge(var.tags, { Name = "${var.name}-flow-log" })
}

data "aws_iam_policy_document" "flow_log" {
  count = var.enable_flow_log ? 1 : 0

  statement {
    sid    = "WriteFlowLogs"
    effect = "Allow"
    actions = [
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "logs:DescribeLogStreams",
    ]
    resources = [
      aws_cloudwatch_log_group.flow_log[0].arn,
      "${aws_cloudwatch_log_group.flow_log[0].arn}:*",
    ]
  }
}

resource "aws_iam_role_policy" "flow_log" {
  count = var.enable_flow_log ? 1 : 0

  name   = "write-flow-logs"
  role   = aws_iam_role.flow_log[0].id
  policy = data.aws_iam_policy_document.flow_log[0].json
}

resource "aws_flow_log" "this" {
  count = var.enable_flow_log ? 1 : 0

  vpc_id                   = aws_vpc.this.id
  traffic_type             = var.flow_log_traffic_type
  log_destination_type     = "cloud-watch-logs"
  log_destination          = aws_cloudwatch_log_group.flow_log[0].arn
  iam_role_arn             = aws_iam_role.flow_log[0].arn
  max_aggregation_interval = var.flow_log_max_aggregation_interval

  tags = merge(var.tags, { Name = var.name })
}
