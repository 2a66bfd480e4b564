# The network edge every app shares: an Ingress on Traefik's websecure entrypoint with a
# cert-manager certificate, and the NetworkPolicies that open exactly the paths the app needs on
# top of its namespace's default-deny baseline (modules/namespace): in from Traefik only, out to
# its own database server, the cache, and the public ports it names.

locals {
  labels = merge(var.labels, { "app.kubernetes.io/managed-by" = "opentofu" })

  # The data layer labels its servers this way (modules/data), keyed by the policy's name suffix.
  database_servers = {
    postgresql = { postgres = { port = 5432, labels = { "app.kubernetes.io/name" = "postgres", "app.kubernetes.io/component" = "database" } } }
    mariadb    = { mariadb = { port = 3306, labels = { "app.kubernetes.io/name" = "mariadb", "app.kubernetes.io/component" = "database" } } }
  }
  data_targets = merge(
    var.database_engine == null ? {} : local.database_servers[var.database_engine],
    var.valkey ? { valkey = { port = 6379, labels = { "app.kubernetes.io/name" = "valkey", "app.kubernetes.io/component" = "cache" } } } : {},
  )

  # The VPC, the cluster's pod and service ranges, link-local (the metadata service) and
  # loopback: "public" egress never reaches them.
  private_ranges = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8"]
}

# The app's Service: the serving pods, under the app's name (<name>.<namespace>.svc).
resource "kubernetes_service_v1" "this" {
  metadata {
    name      = var.name
    namespace = var.namespace
    labels    = local.labels
  }

  spec {
    type     = "ClusterIP"
    selector = var.server_selector
    port {
      name        = "http"
      port        = var.service_port
      target_port = tostring(var.server_port)
      protocol    = "TCP"
    }
  }
}

resource "kubernetes_ingress_v1" "this" {
  count = var.host == null ? 0 : 1

  metadata {
    name      = var.name
    namespace = var.namespace
    labels    = local.labels
    annotations = merge(var.ingress_annotations, {
      "cert-manager.io/cluster-issuer" = var.cluster_issuer
      # HTTPS only: Traefik redirects web (80) to websecure for every router.
      "traefik.ingress.kubernetes.io/router.entrypoints" = "websecure"
      "traefik.ingress.kubernetes.io/router.tls"         = "true"
    })
  }

  spec {
    ingress_class_name = "traefik"

    tls {
      hosts       = [var.host]
      secret_name = "${var.name}-tls"
    }

    rule {
      host = var.host
      http {
        path {
          path      = "/"
          path_type = "Prefix"
          backend {
            service {
              name = kubernetes_service_v1.this.metadata[0].name
              port {
                number = var.service_port
              }
            }
          }
        }
      }
    }
  }

  # The local control plane has no ingress controller to fill the status in.
  wait_for_load_balancer = false
}

# Contract 2: only Traefik's pods, in the infra namespace, reach the app's serving pods.
resource "kubernetes_network_policy_v1" "from_traefik" {
  count = var.host == null ? 0 : 1

  metadata {
    name      = "${var.name}-from-traefik"
    namespace = var.namespace
    labels    = local.labels
  }

  spec {
    pod_selector {
      match_labels = var.server_selector
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
        port     = tostring(var.server_port)
        protocol = "TCP"
      }
    }
  }
}

# The data layer's servers this app talks to: its database engine's server, and the cache.
resource "kubernetes_network_policy_v1" "to_data_layer" {
  for_each = local.data_targets

  metadata {
    name      = "${var.name}-to-${each.key}"
    namespace = var.namespace
    labels    = local.labels
  }

  spec {
    pod_selector {
      match_labels = var.egress_selector
    }
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

# A NetworkPolicy cannot name hosts, so "the public internet on these ports" is as narrow as
# it gets; the app module documents which hosts it actually calls.
resource "kubernetes_network_policy_v1" "to_internet" {
  count = length(var.public_egress_ports) > 0 ? 1 : 0

  metadata {
    name      = "${var.name}-to-internet"
    namespace = var.namespace
    labels    = local.labels
  }

  spec {
    pod_selector {
      match_labels = var.egress_selector
    }
    policy_types = ["Egress"]

    egress {
      to {
        ip_block {
          cidr   = "0.0.0.0/0"
          except = local.private_ranges
        }
      }
      dynamic "ports" {
        for_each = toset([for port in var.public_egress_ports : tostring(port)])
        content {
          port     = ports.value
          protocol = "TCP"
        }
      }
    }
  }
}
