# The infra namespace starts from the namespace module's default-deny. Its components talk to
# each other (Prometheus scrapes them, Vector ships to VictoriaLogs), reach the API server and
# the internet (ACME, the DigitalOcean API, Spaces) and, for Traefik, every app's Service: so
# egress is open here and ingress is opened per purpose below.
locals {
  any_infra_component = anytrue([for enabled in values(var.components) : enabled])
}

resource "kubernetes_network_policy_v1" "infra_internal" {
  count = local.any_infra_component ? 1 : 0

  metadata {
    name      = "allow-within-infra"
    namespace = local.infra_namespace
  }
  spec {
    pod_selector {}
    policy_types = ["Ingress"]
    ingress {
      from {
        pod_selector {}
      }
    }
  }
}

resource "kubernetes_network_policy_v1" "infra_egress" {
  count = local.any_infra_component ? 1 : 0

  metadata {
    name      = "allow-egress"
    namespace = local.infra_namespace
  }
  spec {
    pod_selector {}
    policy_types = ["Egress"]
    egress {}
  }
}

resource "kubernetes_network_policy_v1" "traefik_ingress" {
  count = var.components.traefik ? 1 : 0

  metadata {
    name      = "allow-traefik-from-load-balancer"
    namespace = local.infra_namespace
  }
  spec {
    pod_selector {
      match_labels = { "app.kubernetes.io/name" = "traefik" }
    }
    policy_types = ["Ingress"]
    ingress {
      dynamic "ports" {
        for_each = concat([8000, 8443], [for entrypoint in values(local.mail_entrypoints) : entrypoint.port])
        content {
          port     = tostring(ports.value)
          protocol = "TCP"
        }
      }
    }
  }
}

# The API server calls cert-manager's webhook from outside the pod network.
resource "kubernetes_network_policy_v1" "cert_manager_webhook" {
  count = var.components.cert_manager ? 1 : 0

  metadata {
    name      = "allow-cert-manager-webhook"
    namespace = local.infra_namespace
  }
  spec {
    pod_selector {
      match_labels = { "app.kubernetes.io/name" = "webhook", "app.kubernetes.io/instance" = "cert-manager" }
    }
    policy_types = ["Ingress"]
    ingress {
      ports {
        port     = "10250"
        protocol = "TCP"
      }
    }
  }
}
