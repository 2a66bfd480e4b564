# Nextcloud's network edge on top of its namespace's default-deny baseline: HTTPS in through
# Traefik only, out to its database server and Valkey in the data layer, and HTTPS to the
# internet (the app store, federation, Spaces external storage).

locals {
  private_ranges = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8"]
  data_destinations = {
    postgres = { labels = { "app.kubernetes.io/name" = "postgres", "app.kubernetes.io/component" = "database" }, port = 5432 }
    valkey   = { labels = { "app.kubernetes.io/name" = "valkey", "app.kubernetes.io/component" = "cache" }, port = 6379 }
  }
}

resource "kubernetes_ingress_v1" "nextcloud" {
  count = var.enabled ? 1 : 0

  metadata {
    name      = local.name
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

    tls {
      hosts       = [local.host]
      secret_name = "${local.name}-tls"
    }

    rule {
      host = local.host
      http {
        path {
          path      = "/"
          path_type = "Prefix"
          backend {
            service {
              # The chart's Service: release name, port 8080.
              name = local.name
              port {
                number = 8080
              }
            }
          }
        }
      }
    }
  }

  wait_for_load_balancer = false
}

# Contract 2: only Traefik's pods in infra reach the web pod.
resource "kubernetes_network_policy_v1" "from_traefik" {
  count = var.enabled ? 1 : 0

  metadata {
    name      = "${local.name}-from-traefik"
    namespace = module.namespace.name
    labels    = local.labels
  }

  spec {
    pod_selector {
      match_labels = local.app_selector
    }
    policy_types = ["Ingress"]

    ingress {
      from {
        namespace_selector {
          match_labels = { "kubernetes.io/metadata.name" = "infra" }
        }
        pod_selector {
          match_labels = { "app.kubernetes.io/name" = "traefik" }
        }
      }
      ports {
        port     = tostring(local.http_port)
        protocol = "TCP"
      }
    }
  }
}

# The web pod and the cron pods alike; kept while the app is off, for the migration's one-off
# upgrade pods (occ upgrade, db:convert-type to PostgreSQL).
resource "kubernetes_network_policy_v1" "to_data" {
  for_each = local.data_destinations

  metadata {
    name      = "${local.name}-to-${each.key}"
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
          match_labels = each.value.labels
        }
      }
      ports {
        port     = tostring(each.value.port)
        protocol = "TCP"
      }
    }
  }
}

resource "kubernetes_network_policy_v1" "to_internet" {
  count = var.enabled ? 1 : 0

  metadata {
    name      = "${local.name}-to-internet"
    namespace = module.namespace.name
    labels    = local.labels
  }

  spec {
    pod_selector {}
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
