# Mailu's network edge on top of the namespace's default-deny baseline.
# - HTTPS: Traefik's websecure entrypoint => this Ingress => the front's plain HTTP port.
# - Mail: Traefik's TCP entrypoints => the chart's ClusterIP Service mailu-front-ext, with PROXY
#   protocol v2 so Mailu sees the client's address (REAL_IP_FROM is the pod network Traefik
#   connects from). Nothing else may reach the front: no hostPort, no LoadBalancer of its own.
# - Out: Mailu's pods to each other, to PostgreSQL in the data layer, postfix to the relay.

locals {
  private_ranges  = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8"]
  front_service   = "${local.release}-front"
  front_ext       = "${local.release}-front-ext"
  certificate     = "${local.release}-certificates"
  traefik_from    = { namespace = "infra", labels = { "app.kubernetes.io/name" = "traefik" } }
  front_tcp_ports = concat([80], [for port in values(local.mail_ports) : port.port])
}

resource "kubernetes_ingress_v1" "mailu" {
  count = var.enabled ? 1 : 0

  metadata {
    name      = local.release
    namespace = module.namespace.name
    labels    = local.labels
    annotations = {
      "cert-manager.io/cluster-issuer"                   = var.cluster_issuer
      "traefik.ingress.kubernetes.io/router.entrypoints" = "websecure"
      "traefik.ingress.kubernetes.io/router.tls"         = "true"
    }
  }

  spec {
    ingress_class_name = "traefik"

    # The Secret Mailu's front mounts for IMAP and SMTP TLS too.
    tls {
      hosts       = local.web_hosts
      secret_name = local.certificate
    }

    dynamic "rule" {
      for_each = local.web_hosts
      content {
        host = rule.value
        http {
          path {
            path      = "/"
            path_type = "Prefix"
            backend {
              service {
                name = local.front_service
                port {
                  number = 80
                }
              }
            }
          }
        }
      }
    }
  }

  wait_for_load_balancer = false
  depends_on             = [helm_release.mailu]
}

# IngressRouteTCP objects can be planned only once Traefik's CRD is in the API server (the
# provider reads each kind's schema from it), like the infra layer's custom resources: on a
# fresh cluster the routes follow on the apply after the one that installs Traefik.
data "kubernetes_resources" "tcp_route_crd" {
  count = var.enabled && var.tcp_routes_enabled ? 1 : 0

  api_version    = "apiextensions.k8s.io/v1"
  kind           = "CustomResourceDefinition"
  field_selector = "metadata.name=ingressroutetcps.traefik.io"
}

locals {
  tcp_routes = var.enabled && var.tcp_routes_enabled && length(coalesce(try(data.kubernetes_resources.tcp_route_crd[0].objects, null), [])) > 0
}

check "mail_routes" {
  assert {
    condition     = !(var.enabled && var.tcp_routes_enabled) || local.tcp_routes
    error_message = "Traefik's IngressRouteTCP CRD is not in the cluster yet, so Mailu's mail ports have no route: apply the infra layer (Traefik) and plan again."
  }
}

# One route per mail entrypoint of Traefik (contract 2). TLS stays with Mailu: Traefik passes
# the connection through, prefixed with a PROXY protocol header carrying the client's address.
resource "kubernetes_manifest" "tcp_route" {
  for_each = local.tcp_routes ? local.mail_ports : {}

  manifest = {
    apiVersion = "traefik.io/v1alpha1"
    kind       = "IngressRouteTCP"
    metadata = {
      name      = "${local.release}-${each.key}"
      namespace = var.namespace
      labels    = local.labels
    }
    spec = {
      entryPoints = [each.key]
      routes = [{
        match = "HostSNI(`*`)"
        services = [{
          name          = local.front_ext
          port          = each.value.port
          proxyProtocol = { version = 2 }
        }]
      }]
    }
  }

  depends_on = [helm_release.mailu]
}

resource "kubernetes_network_policy_v1" "front_from_traefik" {
  count = var.enabled ? 1 : 0

  metadata {
    name      = "front-from-traefik"
    namespace = module.namespace.name
    labels    = local.labels
  }

  spec {
    pod_selector {
      match_labels = local.component_selector.front
    }
    policy_types = ["Ingress"]

    ingress {
      from {
        namespace_selector {
          match_labels = { "kubernetes.io/metadata.name" = local.traefik_from.namespace }
        }
        pod_selector {
          match_labels = local.traefik_from.labels
        }
      }
      dynamic "ports" {
        for_each = local.front_tcp_ports
        content {
          port     = tostring(ports.value)
          protocol = "TCP"
        }
      }
    }
  }
}

# Mailu's components talk to each other on many ports (front to admin, postfix to rspamd and
# dovecot, webmail to front, everything to Valkey): inside the namespace, in and out.
resource "kubernetes_network_policy_v1" "internal" {
  count = var.enabled ? 1 : 0

  metadata {
    name      = "mailu-internal"
    namespace = module.namespace.name
    labels    = local.labels
  }

  spec {
    pod_selector {}
    policy_types = ["Ingress", "Egress"]

    ingress {
      from {
        pod_selector {}
      }
    }

    egress {
      to {
        pod_selector {}
      }
    }
  }
}

resource "kubernetes_network_policy_v1" "to_postgres" {
  count = var.enabled ? 1 : 0

  metadata {
    name      = "mailu-to-postgres"
    namespace = module.namespace.name
    labels    = local.labels
  }

  spec {
    pod_selector {}
    policy_types = ["Egress"]

    egress {
      to {
        namespace_selector {
          match_labels = { "kubernetes.io/metadata.name" = var.data_namespace }
        }
        pod_selector {
          match_labels = { "app.kubernetes.io/name" = "postgres", "app.kubernetes.io/component" = "database" }
        }
      }
      ports {
        port     = "5432"
        protocol = "TCP"
      }
    }
  }
}

# Outbound mail: postfix to the relay's port (or 25 for direct delivery), on public addresses.
resource "kubernetes_network_policy_v1" "outbound_mail" {
  count = var.enabled ? 1 : 0

  metadata {
    name      = "postfix-outbound"
    namespace = module.namespace.name
    labels    = local.labels
  }

  spec {
    pod_selector {
      match_labels = local.component_selector.postfix
    }
    policy_types = ["Egress"]

    egress {
      to {
        ip_block {
          cidr   = "0.0.0.0/0"
          except = local.private_ranges
        }
      }
      ports {
        port     = tostring(local.relay_port)
        protocol = "TCP"
      }
    }
  }
}

# ClamAV fetches its signatures over HTTPS.
resource "kubernetes_network_policy_v1" "antivirus_updates" {
  count = var.enabled && var.antivirus_enabled ? 1 : 0

  metadata {
    name      = "clamav-updates"
    namespace = module.namespace.name
    labels    = local.labels
  }

  spec {
    pod_selector {
      match_labels = { "app.kubernetes.io/component" = "clamav" }
    }
    policy_types = ["Egress"]

    egress {
      to {
        ip_block {
          cidr   = "0.0.0.0/0"
          except = local.private_ranges
        }
      }
      ports {
        port     = "443"
        protocol = "TCP"
      }
    }
  }
}
