mock_provider "aws" {}

variables {
  name           = "slipway-test"
  vpc_id         = "vpc-0123456789abcdef0"
  vpc_cidr_block = "10.0.0.0/16"
  subnet_ids     = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]
  tags           = { Environment = "test" }
}

run "dev_http_only" {
  command = plan

  assert {
    condition     = aws_lb.this.load_balancer_type == "application" && aws_lb.this.internal == false
    error_message = "An internet-facing application load balancer is the default."
  }

  assert {
    condition     = aws_lb.this.drop_invalid_header_fields == true
    error_message = "Invalid header fields must be dropped."
  }

  assert {
    condition     = aws_lb.this.enable_deletion_protection == true
    error_message = "Deletion protection must be on by default."
  }

  assert {
    condition     = length(aws_lb.this.access_logs) == 0 || alltrue([for l in aws_lb.this.access_logs : l.enabled == false])
    error_message = "Access logs are off unless configured."
  }

  assert {
    condition     = aws_lb.this.tags["Name"] == "slipway-test" && aws_lb.this.tags["Environment"] == "test"
    error_message = "Tags must merge var.tags with Name."
  }

  assert {
    condition     = length(aws_lb_listener.https) == 0 && output.https_listener_arn == null
    error_message = "No HTTPS listener without a certificate."
  }

  assert {
    condition     = aws_lb_listener.http[0].protocol == "HTTP" && aws_lb_listener.http[0].default_action[0].type == "forward"
    error_message = "Without a certificate, HTTP must forward to the target group."
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.https) == 0 && keys(aws_vpc_security_group_ingress_rule.http) == ["0.0.0.0/0"]
    error_message = "Without a certificate only port 80 is open."
  }

  assert {
    condition     = keys(aws_vpc_security_group_egress_rule.targets) == ["vpc-8080"] && aws_vpc_security_group_egress_rule.targets["vpc-8080"].cidr_ipv4 == "10.0.0.0/16"
    error_message = "Egress must be limited to the VPC CIDR on the target port."
  }

  assert {
    condition     = aws_lb_target_group.this.target_type == "ip" && aws_lb_target_group.this.port == 8080 && aws_lb_target_group.this.protocol == "HTTP"
    error_message = "The target group must be an ip target group on the target port."
  }

  assert {
    condition     = aws_lb_target_group.this.deregistration_delay == "30"
    error_message = "deregistration_delay defaults to 30 s."
  }

  assert {
    condition = (
      aws_lb_target_group.this.health_check[0].path == "/" &&
      aws_lb_target_group.this.health_check[0].matcher == "200" &&
      aws_lb_target_group.this.health_check[0].interval == 15 &&
      aws_lb_target_group.this.health_check[0].timeout == 5 &&
      aws_lb_target_group.this.health_check[0].port == "traffic-port"
    )
    error_message = "Health check defaults must be applied."
  }
}

run "https" {
  command = plan

  variables {
    certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
  }

  assert {
    condition     = aws_lb_listener.https[0].protocol == "HTTPS" && aws_lb_listener.https[0].port == 443
    error_message = "A certificate must create an HTTPS listener on 443."
  }

  assert {
    condition     = aws_lb_listener.https[0].ssl_policy == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    error_message = "The HTTPS listener must use the TLS 1.3 policy by default."
  }

  assert {
    condition     = aws_lb_listener.https[0].certificate_arn == "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
    error_message = "The HTTPS listener must use the given certificate."
  }

  assert {
    condition     = aws_lb_listener.https[0].default_action[0].type == "forward"
    error_message = "HTTPS must forward to the target group."
  }

  assert {
    condition = (
      aws_lb_listener.http[0].default_action[0].type == "redirect" &&
      aws_lb_listener.http[0].default_action[0].redirect[0].protocol == "HTTPS" &&
      aws_lb_listener.http[0].default_action[0].redirect[0].port == "443" &&
      aws_lb_listener.http[0].default_action[0].redirect[0].status_code == "HTTP_301"
    )
    error_message = "With a certificate, HTTP must redirect to HTTPS (301)."
  }

  assert {
    condition     = keys(aws_vpc_security_group_ingress_rule.https) == ["0.0.0.0/0"] && aws_vpc_security_group_ingress_rule.https["0.0.0.0/0"].from_port == 443
    error_message = "Port 443 must be open to 0.0.0.0/0 by default."
  }
}

run "https_only_restricted" {
  command = plan

  variables {
    certificate_arn           = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
    create_http_listener      = false
    internal                  = true
    ssl_policy                = "ELBSecurityPolicy-TLS13-1-3-2021-06"
    https_ingress_cidr_blocks = ["10.0.0.0/8", "192.168.0.0/16"]
  }

  assert {
    condition     = length(aws_lb_listener.http) == 0 && output.http_listener_arn == null
    error_message = "create_http_listener = false must drop the HTTP listener."
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.http) == 0 && length(aws_vpc_security_group_ingress_rule.https) == 2
    error_message = "Only the given CIDRs may reach 443 and nothing reaches 80."
  }

  assert {
    condition     = aws_lb.this.internal == true && aws_lb_listener.https[0].ssl_policy == "ELBSecurityPolicy-TLS13-1-3-2021-06"
    error_message = "internal and ssl_policy must be applied."
  }
}

run "egress_to_target_security_groups" {
  command = plan

  variables {
    target_security_group_ids = { app = "sg-0123456789abcdef0" }
    health_check              = { port = "9090", path = "/healthz", matcher = "200-299" }
  }

  assert {
    condition     = toset(keys(aws_vpc_security_group_egress_rule.targets)) == toset(["app-8080", "app-9090"])
    error_message = "Egress must go to the target security group on the traffic and health check ports."
  }

  assert {
    condition     = alltrue([for r in aws_vpc_security_group_egress_rule.targets : r.referenced_security_group_id == "sg-0123456789abcdef0" && r.cidr_ipv4 == null])
    error_message = "Egress to target security groups must not also open the VPC CIDR."
  }

  assert {
    condition     = aws_lb_target_group.this.health_check[0].path == "/healthz" && aws_lb_target_group.this.health_check[0].port == "9090"
    error_message = "Health check inputs must reach the target group."
  }
}

run "access_logs_and_options" {
  command = plan

  variables {
    access_logs                = { bucket = "slipway-alb-logs", prefix = "test" }
    enable_deletion_protection = false
    deregistration_delay       = 5
    target_group_name          = "slipway-test-tg"
  }

  assert {
    condition     = aws_lb.this.access_logs[0].enabled && aws_lb.this.access_logs[0].bucket == "slipway-alb-logs" && aws_lb.this.access_logs[0].prefix == "test"
    error_message = "Access logs must be enabled with the given bucket and prefix."
  }

  assert {
    condition     = aws_lb.this.enable_deletion_protection == false
    error_message = "enable_deletion_protection must be honoured."
  }

  assert {
    condition     = aws_lb_target_group.this.name == "slipway-test-tg" && aws_lb_target_group.this.deregistration_delay == "5"
    error_message = "target_group_name and deregistration_delay must be applied."
  }
}

run "invalid_name" {
  command = plan

  variables {
    name = "internal-slipway"
  }

  expect_failures = [var.name]
}

run "invalid_vpc_id" {
  command = plan

  variables {
    vpc_id = "vpc_123"
  }

  expect_failures = [var.vpc_id]
}

run "invalid_vpc_cidr_block" {
  command = plan

  variables {
    vpc_cidr_block = "10.0.0.0"
  }

  expect_failures = [var.vpc_cidr_block]
}

run "one_subnet" {
  command = plan

  variables {
    subnet_ids = ["subnet-0aaaaaaaaaaaaaaaa"]
  }

  expect_failures = [var.subnet_ids]
}

run "invalid_certificate_arn" {
  command = plan

  variables {
    certificate_arn = "my-certificate"
  }

  expect_failures = [var.certificate_arn]
}

run "legacy_ssl_policy" {
  command = plan

  variables {
    ssl_policy = "ELBSecurityPolicy-2016-08"
  }

  expect_failures = [var.ssl_policy]
}

run "no_listener_at_all" {
  command = plan

  variables {
    create_http_listener = false
  }

  expect_failures = [var.create_http_listener]
}

run "invalid_https_ingress_cidr" {
  command = plan

  variables {
    https_ingress_cidr_blocks = ["everywhere"]
  }

  expect_failures = [var.https_ingress_cidr_blocks]
}

run "invalid_http_ingress_cidr" {
  command = plan

  variables {
    http_ingress_cidr_blocks = ["10.0.0.1/8"]
  }

  expect_failures = [var.http_ingress_cidr_blocks]
}

run "invalid_target_security_group_id" {
  command = plan

  variables {
    target_security_group_ids = { app = "app-sg" }
  }

  expect_failures = [var.target_security_group_ids]
}

run "invalid_desync_mitigation_mode" {
  command = plan

  variables {
    desync_mitigation_mode = "off"
  }

  expect_failures = [var.desync_mitigation_mode]
}

run "invalid_idle_timeout" {
  command = plan

  variables {
    idle_timeout = 0
  }

  expect_failures = [var.idle_timeout]
}

run "invalid_access_logs_bucket" {
  command = plan

  variables {
    access_logs = { bucket = "Not_A_Bucket" }
  }

  expect_failures = [var.access_logs]
}

run "invalid_access_logs_prefix" {
  command = plan

  variables {
    access_logs = { bucket = "slipway-alb-logs", prefix = "/logs/" }
  }

  expect_failures = [var.access_logs]
}

run "invalid_target_group_name" {
  command = plan

  variables {
    target_group_name = "a-target-group-name-that-is-far-too-long"
  }

  expect_failures = [var.target_group_name]
}

run "invalid_target_port" {
  command = plan

  variables {
    target_port = 70000
  }

  expect_failures = [var.target_port]
}

run "invalid_target_protocol" {
  command = plan

  variables {
    target_protocol = "TCP"
  }

  expect_failures = [var.target_protocol]
}

run "invalid_deregistration_delay" {
  command = plan

  variables {
    deregistration_delay = 4000
  }

  expect_failures = [var.deregistration_delay]
}

run "health_check_path_without_slash" {
  command = plan

  variables {
    health_check = { path = "healthz" }
  }

  expect_failures = [var.health_check]
}

run "invalid_health_check_port" {
  command = plan

  variables {
    health_check = { port = "http" }
  }

  expect_failures = [var.health_check]
}

run "invalid_health_check_matcher" {
  command = plan

  variables {
    health_check = { matcher = "500" }
  }

  expect_failures = [var.health_check]
}

run "invalid_health_check_interval" {
  command = plan

  variables {
    health_check = { interval = 301 }
  }

  expect_failures = [var.health_check]
}

run "health_check_timeout_not_below_interval" {
  command = plan

  variables {
    health_check = { interval = 10, timeout = 10 }
  }

  expect_failures = [var.health_check]
}

run "invalid_health_check_threshold" {
  command = plan

  variables {
    health_check = { unhealthy_threshold = 1 }
  }

  expect_failures = [var.health_check]
}

run "no_blue_green_resources_by_default" {
  command = plan

  assert {
    condition     = length(aws_lb_target_group.alternate) == 0 && length(aws_lb_listener_rule.production) == 0 && length(aws_lb_listener.test) == 0
    error_message = "Without create_alternate_target_group there is one target group and no listener rule."
  }

  assert {
    condition     = output.alternate_target_group_arn == null && output.production_listener_rule_arn == null && output.test_listener_rule_arn == null
    error_message = "The blue/green outputs must be null when switched off."
  }
}

run "blue_green_on_http" {
  command = plan

  variables {
    create_alternate_target_group = true
  }

  assert {
    condition     = aws_lb_target_group.alternate[0].name == "slipway-test-alt" && aws_lb_target_group.alternate[0].target_type == "ip" && aws_lb_target_group.alternate[0].port == 8080
    error_message = "The alternate target group must be an ip target group like the first, named <name>-alt."
  }

  assert {
    condition     = aws_lb_target_group.alternate[0].health_check[0].path == aws_lb_target_group.this.health_check[0].path && aws_lb_target_group.alternate[0].deregistration_delay == "30"
    error_message = "The alternate target group must check health as the first does."
  }

  assert {
    condition     = toset([for t in aws_lb_listener_rule.production[0].action[0].forward[0].target_group : t.weight]) == toset([100, 0])
    error_message = "The production rule must forward to both target groups, all traffic on the first."
  }

  assert {
    condition     = aws_lb_listener_rule.production[0].priority == 100 && [for c in aws_lb_listener_rule.production[0].condition : c.path_pattern[0].values] == [toset(["/*"])]
    error_message = "The production rule must match every path at priority 100."
  }

  assert {
    condition     = length(aws_lb_listener.test) == 0 && length(aws_lb_listener_rule.test) == 0
    error_message = "No test listener without test_listener_port."
  }
}

run "blue_green_on_https_with_a_test_listener" {
  command = plan

  variables {
    certificate_arn               = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
    create_alternate_target_group = true
    alternate_target_group_name   = "web-green"
    test_listener_port            = 9443
    test_ingress_cidr_blocks      = ["10.20.0.0/16"]
  }

  assert {
    condition     = aws_lb_target_group.alternate[0].name == "web-green"
    error_message = "alternate_target_group_name must name the alternate target group."
  }

  assert {
    condition     = aws_lb_listener.test[0].port == 9443 && aws_lb_listener.test[0].protocol == "HTTPS" && aws_lb_listener.test[0].ssl_policy == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    error_message = "With a certificate the test listener must be HTTPS with the TLS 1.3 policy."
  }

  assert {
    condition     = toset([for t in aws_lb_listener_rule.test[0].action[0].forward[0].target_group : t.weight]) == toset([100, 0])
    error_message = "The test rule must forward to both target groups."
  }

  assert {
    condition     = keys(aws_vpc_security_group_ingress_rule.test) == ["10.20.0.0/16"] && aws_vpc_security_group_ingress_rule.test["10.20.0.0/16"].from_port == 9443
    error_message = "Only test_ingress_cidr_blocks may reach the test listener."
  }
}

run "test_listener_needs_the_alternate_target_group" {
  command = plan
  variables {
    test_listener_port = 9000
  }
  expect_failures = [var.test_listener_port]
}

run "invalid_test_listener_port" {
  command = plan
  variables {
    create_alternate_target_group = true
    test_listener_port            = 443
  }
  expect_failures = [var.test_listener_port]
}

run "invalid_alternate_target_group_name" {
  command = plan
  variables {
    alternate_target_group_name = "-green"
  }
  expect_failures = [var.alternate_target_group_name]
}

run "invalid_production_rule_priority" {
  command = plan
  variables {
    production_rule_priority = 0
  }
  expect_failures = [var.production_rule_priority]
}

run "invalid_test_ingress_cidr" {
  command = plan
  variables {
    test_ingress_cidr_blocks = ["10.20.0.1/16"]
  }
  expect_failures = [var.test_ingress_cidr_blocks]
}
