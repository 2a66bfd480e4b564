resource "kubernetes_deployment_v1" "main" {
  metadata {
    name      = local.name
    namespace = module.namespace.name
    labels    = local.main_labels
  }

  # No kubelet on the local control plane: a rollout would never finish.
  wait_for_rollout = false

  spec {
    # The data volume is ReadWriteOnce, and n8n runs one main instance: replace, never overlap.
    replicas = 1

    selector {
      match_labels = local.main_labels
    }

    strategy {
      type = "Recreate"
    }

    template {
      metadata {
        labels = local.main_labels
        annotations = {
          # Velero's file-system backup of the data volume (contract 5).
          "backup.velero.io/backup-volumes" = "data"
        }
      }

      spec {
        automount_service_account_token = false
        enable_service_links            = false

        security_context {
          run_as_non_root = true
          run_as_user     = local.uid
          run_as_group    = local.uid
          fs_group        = local.uid
          seccomp_profile {
            type = "RuntimeDefault"
          }
        }

        container {
          name  = "n8n"
          image = local.images.n8n

          port {
            name           = "http"
            container_port = local.port
            protocol       = "TCP"
          }

          dynamic "env" {
            for_each = merge(local.common_env, local.main_env)
            content {
              name  = env.key
              value = env.value
            }
          }
          dynamic "env" {
            for_each = local.secret_env
            content {
              name = env.key
              value_from {
                secret_key_ref {
                  name = env.value.secret
                  key  = env.value.key
                }
              }
            }
          }

          resources {
            requests = { cpu = "100m", memory = "256Mi" }
            limits   = { memory = "1Gi" }
          }

          # Database migrations run before n8n listens: a major upgrade may take minutes.
          startup_probe {
            http_get {
              path = "/healthz"
              port = "http"
            }
            period_seconds    = 5
            failure_threshold = 120
          }
          liveness_probe {
            http_get {
              path = "/healthz"
              port = "http"
            }
            period_seconds    = 20
            timeout_seconds   = 5
            failure_threshold = 3
          }
          # /healthz/readiness also checks the database connection and migrations.
          readiness_probe {
            http_get {
              path = "/healthz/readiness"
              port = "http"
            }
            period_seconds    = 10
            timeout_seconds   = 5
            failure_threshold = 3
          }

          security_context {
            run_as_non_root            = true
            run_as_user                = local.uid
            allow_privilege_escalation = false
            # n8n and its task runners write caches under the home folder; see the README.
            read_only_root_filesystem = false
            capabilities {
              drop = ["ALL"]
            }
          }

          volume_mount {
            name       = "data"
            mount_path = "/home/node/.n8n"
          }
        }

        volume {
          name = "data"
          persistent_volume_claim {
            claim_name = kubernetes_persistent_volume_claim_v1.data.metadata[0].name
          }
        }
      }
    }
  }
}

resource "kubernetes_deployment_v1" "worker" {
  count = var.queue_mode_enabled ? 1 : 0

  metadata {
    name      = "${local.name}-worker"
    namespace = module.namespace.name
    labels    = local.worker_labels
  }

  wait_for_rollout = false

  spec {
    # Workers keep nothing on disk (binary data is in PostgreSQL in queue mode), so they scale
    # and roll like any stateless pod.
    replicas = var.worker_replicas

    selector {
      match_labels = local.worker_labels
    }

    template {
      metadata {
        labels = local.worker_labels
      }

      spec {
        automount_service_account_token = false
        enable_service_links            = false

        security_context {
          run_as_non_root = true
          run_as_user     = local.uid
          run_as_group    = local.uid
          fs_group        = local.uid
          seccomp_profile {
            type = "RuntimeDefault"
          }
        }

        container {
          name  = "worker"
          image = local.images.n8n
          args  = ["worker", "--concurrency=${var.worker_concurrency}"]

          port {
            name           = "health"
            container_port = local.port
            protocol       = "TCP"
          }

          dynamic "env" {
            for_each = merge(local.common_env, {
              # The worker's own /healthz and /healthz/readiness on the same port.
              QUEUE_HEALTH_CHECK_ACTIVE = "true"
            })
            content {
              name  = env.key
              value = env.value
            }
          }
          dynamic "env" {
            for_each = local.secret_env
            content {
              name = env.key
              value_from {
                secret_key_ref {
                  name = env.value.secret
                  key  = env.value.key
                }
              }
            }
          }

          resources {
            requests = { cpu = "100m", memory = "256Mi" }
            limits   = { memory = "1Gi" }
          }

          startup_probe {
            http_get {
              path = "/healthz"
              port = "health"
            }
            period_seconds    = 5
            failure_threshold = 60
          }
          liveness_probe {
            http_get {
              path = "/healthz"
              port = "health"
            }
            period_seconds    = 20
            timeout_seconds   = 5
            failure_threshold = 3
          }
          readiness_probe {
            http_get {
              path = "/healthz/readiness"
              port = "health"
            }
            period_seconds    = 10
            timeout_seconds   = 5
            failure_threshold = 3
          }

          security_context {
            run_as_non_root            = true
            run_as_user                = local.uid
            allow_privilege_escalation = false
            read_only_root_filesystem  = false
            capabilities {
              drop = ["ALL"]
            }
          }

          volume_mount {
            name       = "home"
            mount_path = "/home/node/.n8n"
          }
        }

        # The worker's settings file only: nothing here outlives the pod.
        volume {
          name = "home"
          empty_dir {
            size_limit = "256Mi"
          }
        }
      }
    }
  }
}
