# The Redis-compatible cache. A Deployment, not a StatefulSet: it keeps nothing on disk, so
# there is nothing to back up, and apps must cope with it starting empty.

locals {
  valkey_labels = {
    "app.kubernetes.io/name"      = "valkey"
    "app.kubernetes.io/component" = "cache"
  }
  valkey_host = "valkey.${var.namespace}.svc.cluster.local"
  # Consumers' Secrets exist only while Valkey does.
  valkey_consumers = var.valkey_enabled ? toset(var.valkey_consumer_namespaces) : toset([])
}

resource "random_password" "valkey" {
  count = var.valkey_enabled ? 1 : 0

  length  = 32
  special = false
}

# The password reaches Valkey in its config file, read from this Secret, rather than as
# --requirepass on the command line, where every process in the pod could read it.
resource "kubernetes_secret_v1" "valkey" {
  count = var.valkey_enabled ? 1 : 0

  metadata {
    name      = "valkey"
    namespace = var.namespace
    labels    = merge(local.common_labels, local.valkey_labels)
  }

  data = {
    password = random_password.valkey[0].result
    "valkey.conf" = join("\n", [
      "port 6379",
      "bind * -::*",
      "protected-mode yes",
      "requirepass ${random_password.valkey[0].result}",
      # A cache: no snapshots, no append-only file, and evict rather than fail when full.
      "save \"\"",
      "appendonly no",
      "dir /data",
      "maxmemory 192mb",
      "maxmemory-policy allkeys-lru",
      "",
    ])
  }
}

resource "kubernetes_service_v1" "valkey" {
  count = var.valkey_enabled ? 1 : 0

  metadata {
    name      = "valkey"
    namespace = var.namespace
    labels    = merge(local.common_labels, local.valkey_labels)
  }

  spec {
    type     = "ClusterIP"
    selector = local.valkey_labels
    port {
      name        = "valkey"
      port        = 6379
      target_port = "valkey"
      protocol    = "TCP"
    }
  }
}

resource "kubernetes_deployment_v1" "valkey" {
  count = var.valkey_enabled ? 1 : 0

  metadata {
    name      = "valkey"
    namespace = var.namespace
    labels    = merge(local.common_labels, local.valkey_labels)
  }

  # No kubelet on the local control plane: a rollout would never finish.
  wait_for_rollout = false

  spec {
    replicas = 1

    selector {
      match_labels = local.valkey_labels
    }

    # One instance and no shared state: replace it rather than run two side by side.
    strategy {
      type = "Recreate"
    }

    template {
      metadata {
        labels = merge(local.common_labels, local.valkey_labels)
        annotations = {
          # A new password only takes effect when the pod restarts with the new config.
          "platform/config-sha" = nonsensitive(substr(sha256(random_password.valkey[0].result), 0, 16))
        }
      }

      spec {
        automount_service_account_token = false
        enable_service_links            = false

        security_context {
          run_as_non_root = true
          run_as_user     = local.database_uid
          run_as_group    = local.database_uid
          fs_group        = local.database_uid
          seccomp_profile {
            type = "RuntimeDefault"
          }
        }

        container {
          name  = "valkey"
          image = local.images.valkey
          args  = ["valkey-server", "/etc/valkey/valkey.conf"]

          port {
            name           = "valkey"
            container_port = 6379
            protocol       = "TCP"
          }

          resources {
            requests = { cpu = "50m", memory = "64Mi" }
            # maxmemory (192mb) plus Valkey's own overhead.
            limits = { memory = "256Mi" }
          }

          # TCP checks: an authenticated PING would need the password in the probe's command.
          readiness_probe {
            tcp_socket {
              port = "valkey"
            }
            period_seconds    = 10
            timeout_seconds   = 3
            failure_threshold = 3
          }

          liveness_probe {
            tcp_socket {
              port = "valkey"
            }
            initial_delay_seconds = 10
            period_seconds        = 20
            timeout_seconds       = 3
            failure_threshold     = 6
          }

          security_context {
            run_as_non_root            = true
            run_as_user                = local.database_uid
            allow_privilege_escalation = false
            privileged                 = false
            read_only_root_filesystem  = true
            capabilities {
              drop = ["ALL"]
            }
            seccomp_profile {
              type = "RuntimeDefault"
            }
          }

          volume_mount {
            name       = "config"
            mount_path = "/etc/valkey"
            read_only  = true
          }

          volume_mount {
            name       = "data"
            mount_path = "/data"
          }
        }

        volume {
          name = "config"
          secret {
            secret_name  = kubernetes_secret_v1.valkey[0].metadata[0].name
            default_mode = "0440"
            items {
              key  = "valkey.conf"
              path = "valkey.conf"
            }
          }
        }

        # Working directory only; nothing is persisted.
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

# Apps reach the cache with this Secret in their own namespace.
resource "kubernetes_secret_v1" "valkey_connection" {
  for_each = local.valkey_consumers

  metadata {
    name      = "valkey-connection"
    namespace = each.key
    labels = merge(local.common_labels, local.valkey_labels, {
      "app.kubernetes.io/component" = "connection"
    })
  }

  data = {
    host     = local.valkey_host
    port     = "6379"
    password = random_password.valkey[0].result
    url      = "redis://:${random_password.valkey[0].result}@${local.valkey_host}:6379/0"
  }
}
