output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "IPv4 CIDR block of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "azs" {
  description = "Availability zones in use, sorted by name."
  value       = sort(keys(var.azs))
}

output "public_subnet_ids" {
  description = "IDs of the public subnets, in AZ name order."
  value       = [for az in sort(keys(aws_subnet.public)) : aws_subnet.public[az].id]
}

output "public_subnet_ids_by_az" {
  description = "IDs of the public subnets, keyed by AZ."
  value       = { for az, s in aws_subnet.public : az => s.id }
}

output "public_subnet_cidr_blocks_by_az" {
  description = "CIDR blocks of the public subnets, keyed by AZ."
  value       = { for az, s in aws_subnet.public : az => s.cidr_block }
}

output "private_subnet_ids" {
  description = "IDs of the private subnets, in AZ name order."
  value       = [for az in sort(keys(aws_subnet.private)) : aws_subnet.private[az].id]
}

output "private_subnet_ids_by_az" {
  description = "IDs of the private subnets, keyed by AZ."
  value       = { for az, s in aws_subnet.private : az => s.id }
}

output "private_subnet_cidr_blocks_by_az" {
  description = "CIDR blocks of the private subnets, keyed by AZ."
  value       = { for az, s in aws_subnet.private : az => s.cidr_block }
}

output "internet_gateway_id" {
  description = "ID of the internet gateway."
  value       = aws_internet_gateway.this.id
}

output "nat_gateway_ids" {
  description = "IDs of the NAT gateways, keyed by the AZ they live in (empty when nat_gateway_mode = \"none\")."
  value       = { for az, n in aws_nat_gateway.this : az => n.id }
}

output "nat_public_ips" {
  description = "Elastic IP addresses of the NAT gateways, keyed by AZ."
  value       = { for az, e in aws_eip.nat : az => e.public_ip }
}

output "public_route_table_id" {
  description = "ID of the public route table."
  value       = aws_route_table.public.id
}

output "private_route_table_ids" {
  description = "IDs of the private route tables, keyed by AZ."
  value       = { for az, rt in aws_route_table.private : az => rt.id }
}

output "default_security_group_id" {
  description = "ID of the VPC's default security group (managed with no rules)."
  value       = aws_default_security_group.this.id
}

output "flow_log_id" {
  description = "ID of the VPC flow log; null when enable_flow_log = false."
  value       = try(aws_flow_log.this[0].id, null)
}

output "flow_log_cloudwatch_log_group_name" {
  description = "Name of the flow log group; null when enable_flow_log = false."
  value       = try(aws_cloudwatch_log_group.flow_log[0].name, null)
}

output "flow_log_iam_role_arn" {
  description = "ARN of the IAM role the flow log writes with; null when enable_flow_log = false."
  value       = try(aws_iam_role.flow_log[0].arn, null)
}
