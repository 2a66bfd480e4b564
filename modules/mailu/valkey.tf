# Mailu's own Valkey: rate limits, quotas and rspamd's data. Mailu cannot authenticate to Redis,
# so this one has no password and a NetworkPolicy lets only pods of this namespace reach it; the
# data layer's shared, password-protected Valkey is not used. A cache: nothing on disk, rspamd
# relearns what it loses.

locals {
  # platform/private-cache: the layering policy keeps a cache only its own namespace reaches
  # with its app instead of asking for it in the data layer.
  valkey_labels = merge(local.labels, { "app.kubernetes.io/name" = "valkey", "app.kubernetes.io/component" = "cache", "platform/private-cache" = "true" })
  valkey_uid    = 999
  valkey_name   = "valkey"
}

resource "kubernetes_service_v1" "valkey" {
  count = var.enabled ? 1 : 0

  metadata {
    name      = local.valkey_name
    namespace = module.namespace.name
    labels    = local.valkey_labels
  }

  spec {
    type     = "ClusterIP"
    selector = { "app.kubernetes.io/name" = "valkey", "app.kubernetes.io/component" = "cache" }
    port {
      name        = "valkey"
      port        = 6379
      target_port = "valkey"
      protocol    = "TCP"
    }
  }
}

resource "kubernetes_deployment_v1" "valkey" {
  count = var.enabled ? 1 : 0

  metadata {
    name      = "valkey"
    namespace = module.namespace.name
    labels    = local.valkey_labels
  }

  wait_for_rollout = false

  spec {
    replicas = 1

    selector {
      match_labels = { "app.kubernetes.io/name" = "valkey", "app.kubernetes.io/component" = "cache" }
    }

    strategy {
      type = "Recreate"
    }

    template {
      metadata {
        labels = local.valkey_labels
      }

      spec {
        automount_service_account_token = false
        enable_service_links            = false

        security_context {
          run_as_non_root = true
          run_as_user     = local.valkey_uid
          run_as_group    = local.valkey_uid
          fs_group        = local.valkey_uid
          seccomp_profile {
            type = "RuntimeDefault"
          }
        }

        container {
          name  = "valkey"
          image = local.images.valkey
          # No password (Mailu cannot send one); protected-mode off because the NetworkPolicy is
          # the fence. A cache: no snapshots, evict rather than fail when full.
          args = ["valkey-server", "--port", "6379", "--protected-mode", "no", "--save", "", "--appendonly", "no", "--maxmemory", "96mb", "--maxmemory-policy", "allkeys-lru"]

          port {
            name           = "valkey"
            container_port = 6379
            protocol       = "TCP"
          }

          resources {
            requests = { cpu = "20m", memory = "48Mi" }
            limits   = { memory = "128Mi" }
          }

          readiness_probe {
            tcp_socket {
              port = "valkey"
            }
            period_seconds = 10
          }

          liveness_probe {
            tcp_socket {
              port = "valkey"
            }
            initial_delay_seconds = 10
            period_seconds        = 20
          }

          security_context {
            run_as_non_root            = true
            run_as_user                = local.valkey_uid
            allow_privilege_escalation = false
            privileged                 = false
            read_only_root_filesystem  = true
            capabilities {
              drop = ["ALL"]
            }
          }

          volume_mount {
            name       = "data"
            mount_path = "/data"
          }
        }

        volume {
          name = "data"
          empty_dir {
            size_limit = "64Mi"
          }
        }
      }
    }
  }
}

# The only way in: pods of this namespace, on 6379.
resource "kubernetes_network_policy_v1" "valkey" {
  count = var.enabled ? 1 : 0

  metadata {
    name      = "valkey-from-mailu"
    namespace = module.namespace.name
    labels    = local.valkey_labels
  }

  spec {
    pod_selector {
      match_labels = { "app.kubernetes.io/name" = "valkey", "app.kubernetes.io/component" = "cache" }
    }
    policy_types = ["Ingress"]

    ingress {
      from {
        pod_selector {}
      }
      ports {
        port     = "6379"
        protocol = "TCP"
      }
    }
  }
}
