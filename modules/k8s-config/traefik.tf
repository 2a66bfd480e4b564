# Traefik: the one ingress, behind one DigitalOcean load balancer that carries HTTP(S) and the
# mail ports as plain TCP (one LB is $12/month; one per protocol would multiply that).
locals {
  lb_hostname = "lb.${var.root_domain}"

  # Container ports above 1024 so Traefik runs without NET_BIND_SERVICE; the LB maps the real ones.
  mail_entrypoints = {
    smtp       = { port = 8025, exposed = 25, node_port = 30025 }
    smtps      = { port = 8465, exposed = 465, node_port = 30465 }
    submission = { port = 8587, exposed = 587, node_port = 30587 }
    imaps      = { port = 8993, exposed = 993, node_port = 30993 }
    sieve      = { port = 4190, exposed = 4190, node_port = 30190 }
  }

  # The LB speaks PROXY protocol to every port; Traefik accepts the header only from the LB's
  # network, so a client can never forge its own source address.
  proxy_protocol = { trustedIPs = var.ingress.trusted_cidrs, insecure = false }

  traefik_values = {
    deployment = { replicas = var.ingress.replicas }
    podDisruptionBudget = {
      enabled      = var.ingress.replicas > 1
      minAvailable = 1
    }
    ingressClass = { enabled = true, isDefaultClass = true, name = "traefik" }
    providers = {
      kubernetesIngress = { publishedService = { enabled = true } }
      kubernetesCRD     = { enabled = true, allowCrossNamespace = false }
    }
    ports = merge(
      {
        # Fixed node ports: the helm provider compares its plan-time dry run with the live
        # Service, and ports the API server picks at random would differ on every apply.
        web = {
          nodePort      = 30080
          proxyProtocol = local.proxy_protocol
          http          = { redirections = { entryPoint = { to = "websecure", scheme = "https", permanent = true } } }
        }
        websecure = { nodePort = 30443, proxyProtocol = local.proxy_protocol }
      },
      {
        for name, entrypoint in local.mail_entrypoints : name => {
          port          = entrypoint.port
          exposedPort   = entrypoint.exposed
          nodePort      = entrypoint.node_port
          expose        = { default = true }
          protocol      = "TCP"
          proxyProtocol = local.proxy_protocol
        }
      },
    )
    service = {
      annotations = {
        "service.beta.kubernetes.io/do-loadbalancer-name"                  = var.ingress.load_balancer_name
        "service.beta.kubernetes.io/do-loadbalancer-type"                  = "REGIONAL"
        "service.beta.kubernetes.io/do-loadbalancer-enable-proxy-protocol" = "true"
        # Without it, in-cluster clients of the LB's IP (cert-manager's HTTP-01 self-check)
        # are short-circuited by kube-proxy and reach Traefik without the PROXY header.
        "service.beta.kubernetes.io/do-loadbalancer-hostname" = local.lb_hostname
      }
    }
    accessLog = { enabled = true }
    resources = { requests = { cpu = "100m", memory = "96Mi" }, limits = { memory = "256Mi" } }
  }
}

resource "helm_release" "traefik" {
  count = local.install.traefik ? 1 : 0

  name        = "traefik"
  namespace   = local.infra_namespace
  repository  = local.chart_sources.traefik.repository
  chart       = local.chart_sources.traefik.chart
  version     = local.chart_sources.traefik.version
  description = local.chart_sources.traefik.description

  wait             = local.release.wait
  disable_webhooks = local.release.disable_webhooks
  timeout          = local.release.timeout

  values = [yamlencode(local.traefik_values)]
}
