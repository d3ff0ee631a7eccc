locals {
  https_enabled = var.certificate_arn != null

  # Egress goes to the target security groups when given, else to the VPC CIDR.
  egress_to_security_groups = length(var.target_security_group_ids) > 0

  # Ports the load balancer must reach on its targets: the traffic port and, when it differs,
  # the health check port.
  health_check_port = var.health_check.port == "traffic-port" ? var.target_port : tonumber(var.health_check.port)
  target_ports      = toset(distinct([var.target_port, local.health_check_port]))

  egress_rules = local.egress_to_security_groups ? {
    for pair in setproduct(keys(var.target_security_group_ids), local.target_ports) :
    "${pair[0]}-${pair[1]}" => { security_group_id = var.target_security_group_ids[pair[0]], cidr_ipv4 = null, port = pair[1] }
    } : {
    for port in local.target_ports :
    "vpc-${port}" => { security_group_id = null, cidr_ipv4 = var.vpc_cidr_block, port = port }
  }
}

################################################################################
# Security group
################################################################################

resource "aws_security_group" "this" {
  name_prefix = "${var.name}-alb-"
  description = "Load balancer ${var.name}: HTTP(S) in from the allowed CIDRs, out to its targets only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-alb" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "https" {
  for_each = local.https_enabled ? toset(var.https_ingress_cidr_blocks) : toset([])

  security_group_id = aws_security_group.this.id
  description       = "HTTPS from ${each.value}"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.value

  tags = merge(var.tags, { Name = "${var.name}-alb-https" })
}

resource "aws_vpc_security_group_ingress_rule" "http" {
  for_each = var.create_http_listener ? toset(var.http_ingress_cidr_blocks) : toset([])

  security_group_id = aws_security_group.this.id
  description       = local.https_enabled ? "HTTP (redirect to HTTPS) from ${each.value}" : "HTTP from ${each.value}"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = each.value

  tags = merge(var.tags, { Name = "${var.name}-alb-http" })
}

resource "aws_vpc_security_group_egress_rule" "targets" {
  for_each = local.egress_rules

  security_group_id            = aws_security_group.this.id
  description                  = "To targets on port ${each.value.port}"
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  cidr_ipv4                    = each.value.cidr_ipv4
  referenced_security_group_id = each.value.security_group_id

  tags = merge(var.tags, { Name = "${var.name}-alb-targets" })
}

################################################################################
# Load balancer
################################################################################

resource "aws_lb" "this" {
  # checkov:skip=CKV2_AWS_28:A WAF web ACL is account/organisation policy; consumers associate theirs with
  # aws_wafv2_web_acl_association on the alb_arn output.
  name               = var.name
  load_balancer_type = "application"
  internal           = var.internal
  security_groups    = [aws_security_group.this.id]
  subnets            = var.subnet_ids
  ip_address_type    = "ipv4"

  drop_invalid_header_fields = true
  enable_deletion_protection = var.enable_deletion_protection
  desync_mitigation_mode     = var.desync_mitigation_mode
  idle_timeout               = var.idle_timeout
  enable_http2               = true

  dynamic "access_logs" {
    for_each = var.access_logs == null ? [] : [var.access_logs]

    content {
      enabled = true
      bucket  = access_logs.value.bucket
      prefix  = access_logs.value.prefix
    }
  }

  tags = merge(var.tags, { Name = var.name })
}

resource "aws_lb_target_group" "this" {
  # checkov:skip=CKV_AWS_378:TLS ends at the ALB; targets are tasks in private subnets reachable only
  # from the ALB's security group, so the hop from the ALB to the task is plain HTTP.
  name                 = coalesce(var.target_group_name, var.name)
  target_type          = "ip"
  vpc_id               = var.vpc_id
  port                 = var.target_port
  protocol             = var.target_protocol
  deregistration_delay = var.deregistration_delay

  health_check {
    enabled             = true
    path                = var.health_check.path
    port                = var.health_check.port
    protocol            = var.target_protocol
    matcher             = var.health_check.matcher
    interval            = var.health_check.interval
    timeout             = var.health_check.timeout
    healthy_threshold   = var.health_check.healthy_threshold
    unhealthy_threshold = var.health_check.unhealthy_threshold
  }

  tags = merge(var.tags, { Name = coalesce(var.target_group_name, var.name) })
}

################################################################################
# Listeners
################################################################################

resource "aws_lb_listener" "https" {
  count = local.https_enabled ? 1 : 0

  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this.arn
  }

  tags = merge(var.tags, { Name = "${var.name}-https" })
}

# With a certificate: redirect every HTTP request to HTTPS. Without one (development only):
# forward plain HTTP to the target group.
resource "aws_lb_listener" "http" {
  # checkov:skip=CKV_AWS_2:With a certificate this listener only redirects to HTTPS; without one it serves
  # plain HTTP by explicit choice (dev environments without a domain), documented in the README.
  count = var.create_http_listener ? 1 : 0

  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = local.https_enabled ? "redirect" : "forward"
    target_group_arn = local.https_enabled ? null : aws_lb_target_group.this.arn

    dynamic "redirect" {
      for_each = local.https_enabled ? [1] : []

      content {
        protocol    = "HTTPS"
        port        = "443"
        status_code = "HTTP_301"
      }
    }
  }

  tags = merge(var.tags, { Name = "${var.name}-http" })
}

################################################################################
# Blue/green, canary and linear deployments: the alternate target group, and listener rules
# that forward to both target groups. ECS registers the new revision's tasks in whichever
# group is idle and shifts the rules' weights; the weights are ECS's from then on.
################################################################################

locals {
  serving_listener_arn   = local.https_enabled ? try(aws_lb_listener.https[0].arn, null) : try(aws_lb_listener.http[0].arn, null)
  alternate_target_group = coalesce(var.alternate_target_group_name, "${substr(coalesce(var.target_group_name, var.name), 0, 28)}-alt")
  create_test_listener   = var.create_alternate_target_group && var.test_listener_port != null
  test_listener_protocol = local.https_enabled ? "HTTPS" : "HTTP"
}

resource "aws_lb_target_group" "alternate" {
  # checkov:skip=CKV_AWS_378:As the primary target group: TLS ends at the ALB, targets are private.
  count = var.create_alternate_target_group ? 1 : 0

  name                 = local.alternate_target_group
  target_type          = "ip"
  vpc_id               = var.vpc_id
  port                 = var.target_port
  protocol             = var.target_protocol
  deregistration_delay = var.deregistration_delay

  health_check {
    enabled             = true
    path                = var.health_check.path
    port                = var.health_check.port
    protocol            = var.target_protocol
    matcher             = var.health_check.matcher
    interval            = var.health_check.interval
    timeout             = var.health_check.timeout
    healthy_threshold   = var.health_check.healthy_threshold
    unhealthy_threshold = var.health_check.unhealthy_threshold
  }

  tags = merge(var.tags, { Name = local.alternate_target_group })
}

resource "aws_lb_listener_rule" "production" {
  count = var.create_alternate_target_group ? 1 : 0

  listener_arn = local.serving_listener_arn
  priority     = var.production_rule_priority

  action {
    type = "forward"

    forward {
      target_group {
        arn    = aws_lb_target_group.this.arn
        weight = 100
      }

      target_group {
        arn    = aws_lb_target_group.alternate[0].arn
        weight = 0
      }
    }
  }

  condition {
    path_pattern {
      values = ["/*"]
    }
  }

  tags = merge(var.tags, { Name = "${var.name}-production" })

  lifecycle {
    # ECS shifts the weights during every deployment and leaves them where it finished.
    ignore_changes = [action]
  }
}

resource "aws_lb_listener" "test" {
  # checkov:skip=CKV_AWS_2:HTTPS with a certificate; without one plain HTTP, as the HTTP listener (development).
  # checkov:skip=CKV_AWS_103:The TLS policy is var.ssl_policy, TLS 1.3 only, when HTTPS.
  count = local.create_test_listener ? 1 : 0

  load_balancer_arn = aws_lb.this.arn
  port              = var.test_listener_port
  protocol          = local.test_listener_protocol
  ssl_policy        = local.https_enabled ? var.ssl_policy : null
  certificate_arn   = local.https_enabled ? var.certificate_arn : null

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this.arn
  }

  tags = merge(var.tags, { Name = "${var.name}-test" })
}

resource "aws_lb_listener_rule" "test" {
  count = local.create_test_listener ? 1 : 0

  listener_arn = aws_lb_listener.test[0].arn
  priority     = var.production_rule_priority

  action {
    type = "forward"

    forward {
      target_group {
        arn    = aws_lb_target_group.this.arn
        weight = 100
      }

      target_group {
        arn    = aws_lb_target_group.alternate[0].arn
        weight = 0
      }
    }
  }

  condition {
    path_pattern {
      values = ["/*"]
    }
  }

  tags = merge(var.tags, { Name = "${var.name}-test" })

  lifecycle {
    ignore_changes = [action]
  }
}

resource "aws_vpc_security_group_ingress_rule" "test" {
  for_each = local.create_test_listener ? toset(var.test_ingress_cidr_blocks) : toset([])

  security_group_id = aws_security_group.this.id
  description       = "Test traffic from ${each.value}"
  ip_protocol       = "tcp"
  from_port         = var.test_listener_port
  to_port           = var.test_listener_port
  cidr_ipv4         = each.value

  tags = merge(var.tags, { Name = "${var.name}-alb-test" })
}
