mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_region" {
    defaults = {
      region = "eu-west-1"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{}"
    }
  }
}

variables {
  name       = "slipway-test"
  cidr_block = "10.0.0.0/16"
  azs = {
    "eu-west-1a" = {}
    "eu-west-1b" = {}
    "eu-west-1c" = {}
  }
  tags = { Environment = "test" }
}

run "defaults" {
  command = plan

  assert {
    condition     = aws_vpc.this.enable_dns_support && aws_vpc.this.enable_dns_hostnames
    error_message = "DNS support and hostnames must be on."
  }

  assert {
    condition     = aws_vpc.this.cidr_block == "10.0.0.0/16"
    error_message = "The VPC must use cidr_block."
  }

  assert {
    condition     = aws_vpc.this.tags["Name"] == "slipway-test" && aws_vpc.this.tags["Environment"] == "test"
    error_message = "VPC tags must merge var.tags with Name."
  }

  assert {
    condition     = keys(aws_subnet.public) == ["eu-west-1a", "eu-west-1b", "eu-west-1c"] && keys(aws_subnet.private) == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    error_message = "Subnets must be keyed by AZ."
  }

  assert {
    condition = (
      aws_subnet.public["eu-west-1a"].cidr_block == "10.0.0.0/24" &&
      aws_subnet.public["eu-west-1b"].cidr_block == "10.0.1.0/24" &&
      aws_subnet.public["eu-west-1c"].cidr_block == "10.0.2.0/24"
    )
    error_message = "Public subnets must be /24s numbered by AZ letter."
  }

  assert {
    condition = (
      aws_subnet.private["eu-west-1a"].cidr_block == "10.0.16.0/20" &&
      aws_subnet.private["eu-west-1b"].cidr_block == "10.0.32.0/20" &&
      aws_subnet.private["eu-west-1c"].cidr_block == "10.0.48.0/20"
    )
    error_message = "Private subnets must be /20s after the first /20."
  }

  assert {
    condition     = alltrue([for s in aws_subnet.public : s.map_public_ip_on_launch == false])
    error_message = "Public subnets must not map public IPs on launch by default."
  }

  assert {
    condition     = aws_subnet.public["eu-west-1b"].availability_zone == "eu-west-1b" && aws_subnet.private["eu-west-1c"].availability_zone == "eu-west-1c"
    error_message = "Each subnet must be in the AZ of its key."
  }

  assert {
    condition     = aws_subnet.private["eu-west-1a"].tags["Name"] == "slipway-test-private-eu-west-1a" && aws_subnet.public["eu-west-1a"].tags["Environment"] == "test"
    error_message = "Subnet tags must merge var.tags with a per-AZ Name."
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 3 && length(aws_eip.nat) == 3
    error_message = "one_per_az (default) must create one NAT gateway and EIP per AZ."
  }

  assert {
    condition     = alltrue([for e in aws_eip.nat : e.domain == "vpc"])
    error_message = "NAT EIPs must be VPC EIPs."
  }

  assert {
    condition     = length(aws_route.private_nat_gateway) == 3 && length(aws_route_table.private) == 3
    error_message = "Each AZ must have a private route table with a NAT route."
  }

  assert {
    condition     = aws_route.public_internet_gateway.destination_cidr_block == "0.0.0.0/0"
    error_message = "The public route table must have a default route to the internet gateway."
  }

  assert {
    condition     = length(aws_route_table_association.public) == 3 && length(aws_route_table_association.private) == 3
    error_message = "Every subnet must be associated with a route table."
  }

  assert {
    condition     = length(aws_default_security_group.this.ingress) == 0 && length(aws_default_security_group.this.egress) == 0
    error_message = "The default security group must have no rules."
  }

  assert {
    condition     = length(output.public_subnet_ids) == 3 && length(output.private_subnet_ids_by_az) == 3
    error_message = "Subnet outputs must list every AZ."
  }
}

run "flow_log_defaults" {
  command = plan

  assert {
    condition     = length(aws_flow_log.this) == 1 && aws_flow_log.this[0].traffic_type == "ALL"
    error_message = "A flow log capturing ALL traffic must be on by default."
  }

  assert {
    condition     = aws_flow_log.this[0].log_destination_type == "cloud-watch-logs"
    error_message = "Flow logs must go to CloudWatch Logs."
  }

  assert {
    condition     = aws_cloudwatch_log_group.flow_log[0].name == "/aws/vpc-flow-logs/slipway-test" && aws_cloudwatch_log_group.flow_log[0].retention_in_days == 90
    error_message = "The flow log group must be named after the VPC and keep logs 90 days by default."
  }

  assert {
    condition     = one(data.aws_iam_policy_document.flow_log_assume_role[0].statement[0].principals).identifiers == toset(["vpc-flow-logs.amazonaws.com"])
    error_message = "Only the VPC Flow Logs service may assume the role."
  }

  assert {
    condition = anytrue([
      for c in data.aws_iam_policy_document.flow_log_assume_role[0].statement[0].condition :
      c.variable == "aws:SourceAccount" && c.test == "StringEquals" && toset(c.values) == toset(["123456789012"])
    ])
    error_message = "The trust policy must be limited to this account (aws:SourceAccount)."
  }

  assert {
    condition = anytrue([
      for c in data.aws_iam_policy_document.flow_log_assume_role[0].statement[0].condition :
      c.variable == "aws:SourceArn" && c.test == "ArnLike" && toset(c.values) == toset(["arn:aws:ec2:eu-west-1:123456789012:vpc-flow-log/*"])
    ])
    error_message = "The trust policy must be limited to this account's flow logs (aws:SourceArn)."
  }

  assert {
    condition     = toset(data.aws_iam_policy_document.flow_log[0].statement[0].actions) == toset(["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"])
    error_message = "The flow log role may only write to its log group."
  }
}

run "flow_log_disabled" {
  command = plan

  variables {
    enable_flow_log = false
  }

  assert {
    condition     = length(aws_flow_log.this) == 0 && length(aws_cloudwatch_log_group.flow_log) == 0 && length(aws_iam_role.flow_log) == 0
    error_message = "enable_flow_log = false must create no flow log resources."
  }

  assert {
    condition     = output.flow_log_id == null && output.flow_log_cloudwatch_log_group_name == null && output.flow_log_iam_role_arn == null
    error_message = "Flow log outputs must be null when flow logs are off."
  }
}

run "single_nat" {
  command = plan

  variables {
    nat_gateway_mode = "single"
  }

  assert {
    condition     = keys(aws_nat_gateway.this) == ["eu-west-1a"] && keys(aws_eip.nat) == ["eu-west-1a"]
    error_message = "single mode must create one NAT gateway in the first AZ."
  }

  assert {
    condition     = length(aws_route.private_nat_gateway) == 3
    error_message = "Every private route table must still route through the single NAT gateway."
  }
}

run "single_nat_chosen_az" {
  command = plan

  variables {
    nat_gateway_mode      = "single"
    single_nat_gateway_az = "eu-west-1b"
  }

  assert {
    condition     = keys(aws_nat_gateway.this) == ["eu-west-1b"]
    error_message = "single_nat_gateway_az must place the NAT gateway."
  }
}

run "no_nat" {
  command = plan

  variables {
    nat_gateway_mode = "none"
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 0 && length(aws_eip.nat) == 0 && length(aws_route.private_nat_gateway) == 0
    error_message = "none mode must create no NAT gateways, EIPs or NAT routes."
  }

  assert {
    condition     = output.nat_gateway_ids == {}
    error_message = "nat_gateway_ids must be empty when there are no NAT gateways."
  }

  assert {
    condition     = length(aws_route_table.private) == 3
    error_message = "Private route tables exist even without NAT gateways."
  }
}

run "removing_an_az_keeps_the_others" {
  command = plan

  variables {
    azs = {
      "eu-west-1a" = {}
      "eu-west-1c" = {}
    }
  }

  assert {
    condition     = aws_subnet.public["eu-west-1c"].cidr_block == "10.0.2.0/24" && aws_subnet.private["eu-west-1c"].cidr_block == "10.0.48.0/20"
    error_message = "eu-west-1c must keep its CIDRs when eu-west-1b is removed."
  }
}

run "explicit_cidrs_and_index" {
  command = plan

  variables {
    azs = {
      "eu-west-1a" = { public_cidr = "10.0.200.0/24", private_cidr = "10.0.128.0/20" }
      "eu-west-1b" = { index = 5 }
    }
  }

  assert {
    condition     = aws_subnet.public["eu-west-1a"].cidr_block == "10.0.200.0/24" && aws_subnet.private["eu-west-1a"].cidr_block == "10.0.128.0/20"
    error_message = "Explicit CIDRs must be used as given."
  }

  assert {
    condition     = aws_subnet.public["eu-west-1b"].cidr_block == "10.0.5.0/24" && aws_subnet.private["eu-west-1b"].cidr_block == "10.0.96.0/20"
    error_message = "An explicit index must replace the AZ letter."
  }
}

run "public_ip_opt_in_and_extra_tags" {
  command = plan

  variables {
    map_public_ip_on_launch = true
    public_subnet_tags      = { Tier = "public" }
    private_subnet_tags     = { Tier = "private" }
  }

  assert {
    condition     = alltrue([for s in aws_subnet.public : s.map_public_ip_on_launch])
    error_message = "map_public_ip_on_launch must reach the public subnets."
  }

  assert {
    condition     = aws_subnet.public["eu-west-1a"].tags["Tier"] == "public" && aws_subnet.private["eu-west-1a"].tags["Tier"] == "private"
    error_message = "Per-tier subnet tags must be applied."
  }
}

run "invalid_name" {
  command = plan

  variables {
    name = "-bad name"
  }

  expect_failures = [var.name]
}

run "invalid_cidr_block" {
  command = plan

  variables {
    cidr_block = "10.0.0.1/16"
  }

  expect_failures = [var.cidr_block]
}

run "empty_azs" {
  command = plan

  variables {
    azs = {}
  }

  expect_failures = [var.azs]
}

run "invalid_az_name" {
  command = plan

  variables {
    azs = { "EU West 1a" = {} }
  }

  expect_failures = [var.azs]
}

run "az_without_letter_or_index" {
  command = plan

  variables {
    azs = { "us-west-2-lax-1" = {} }
  }

  expect_failures = [var.azs]
}

run "negative_index" {
  command = plan

  variables {
    azs = { "eu-west-1a" = { index = -1 } }
  }

  expect_failures = [var.azs]
}

run "duplicate_index" {
  command = plan

  variables {
    azs = {
      "eu-west-1a" = {}
      "eu-west-1b" = { index = 0 }
    }
  }

  expect_failures = [var.azs]
}

run "invalid_explicit_cidr" {
  command = plan

  variables {
    azs = { "eu-west-1a" = { public_cidr = "10.0.1.7/24" } }
  }

  expect_failures = [var.azs]
}

run "computed_cidr_out_of_range" {
  command = plan

  variables {
    azs = { "eu-west-1a" = { index = 15 } }
  }

  expect_failures = [var.azs]
}

run "invalid_public_subnet_newbits" {
  command = plan

  variables {
    public_subnet_newbits = 0
  }

  expect_failures = [var.public_subnet_newbits]
}

run "invalid_private_subnet_newbits" {
  command = plan

  variables {
    private_subnet_newbits = 13
  }

  expect_failures = [var.private_subnet_newbits]
}

run "invalid_private_subnet_netnum_offset" {
  command = plan

  variables {
    private_subnet_netnum_offset = -1
  }

  expect_failures = [var.private_subnet_netnum_offset]
}

run "invalid_nat_gateway_mode" {
  command = plan

  variables {
    nat_gateway_mode = "two"
  }

  expect_failures = [var.nat_gateway_mode]
}

run "single_nat_az_not_in_azs" {
  command = plan

  variables {
    nat_gateway_mode      = "single"
    single_nat_gateway_az = "eu-west-1z"
  }

  expect_failures = [var.single_nat_gateway_az]
}

run "invalid_flow_log_traffic_type" {
  command = plan

  variables {
    flow_log_traffic_type = "SOME"
  }

  expect_failures = [var.flow_log_traffic_type]
}

run "invalid_flow_log_max_aggregation_interval" {
  command = plan

  variables {
    flow_log_max_aggregation_interval = 300
  }

  expect_failures = [var.flow_log_max_aggregation_interval]
}

run "invalid_flow_log_retention" {
  command = plan

  variables {
    flow_log_retention_in_days = 42
  }

  expect_failures = [var.flow_log_retention_in_days]
}

run "invalid_flow_log_kms_key" {
  command = plan

  variables {
    flow_log_kms_key_id = "alias/flow-logs"
  }

  expect_failures = [var.flow_log_kms_key_id]
}
