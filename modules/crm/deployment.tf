resource "kubernetes_deployment_v1" "server" {
  metadata {
    name      = "${local.name}-server"
    namespace = module.namespace.name
    labels    = local.server_labels
  }

  # No kubelet on the local control plane: a rollout would never finish.
  wait_for_rollout = false

  spec {
    # The server runs the database migrations at start (image entrypoint): never two at once.
    replicas = 1

    selector {
      match_labels = local.server_labels
    }

    strategy {
      type = "Recreate"
    }

    template {
      metadata {
        labels = local.server_labels
        # Velero's file-system backup of the file volume (contract 5), when files are local.
        annotations = local.local_storage ? { "backup.velero.io/backup-volumes" = "files" } : {}
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
          name  = "server"
          image = local.images.twenty

          port {
            name           = "http"
            container_port = local.port
            protocol       = "TCP"
          }

          dynamic "env" {
            for_each = merge(local.common_env, { NODE_PORT = tostring(local.port) })
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
            requests = { cpu = "200m", memory = "512Mi" }
            limits   = { memory = "1536Mi" }
          }

          # The entrypoint creates the schemas and extensions, runs the migrations and the
          # upgrade commands before the server listens; a version jump may take minutes.
          startup_probe {
            http_get {
              path = "/healthz"
              port = "http"
            }
            period_seconds    = 10
            failure_threshold = 90
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
          readiness_probe {
            http_get {
              path = "/healthz"
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
            # The server writes its build caches under /app; see the README.
            read_only_root_filesystem = false
            capabilities {
              drop = ["ALL"]
            }
          }

          # The entrypoint's "migrations done" marker: an emptyDir, so every start (and so every
          # upgrade) runs the idempotent setup, migrations and upgrade commands again.
          volume_mount {
            name       = "docker-data"
            mount_path = "/app/docker-data"
          }
          dynamic "volume_mount" {
            for_each = local.local_storage ? [1] : []
            content {
              name       = "files"
              mount_path = local.local_storage_path
            }
          }
        }

        volume {
          name = "docker-data"
          empty_dir {
            size_limit = "16Mi"
          }
        }
        dynamic "volume" {
          for_each = local.local_storage ? [1] : []
          content {
            name = "files"
            persistent_volume_claim {
              claim_name = kubernetes_persistent_volume_claim_v1.files[0].metadata[0].name
            }
          }
        }
      }
    }
  }
}

resource "kubernetes_deployment_v1" "worker" {
  metadata {
    name      = "${local.name}-worker"
    namespace = module.namespace.name
    labels    = local.worker_labels
  }

  wait_for_rollout = false

  spec {
    replicas = 1

    selector {
      match_labels = local.worker_labels
    }

    # With local files the worker shares the server's ReadWriteOnce volume: replace, never overlap.
    strategy {
      type = local.local_storage ? "Recreate" : "RollingUpdate"
    }

    template {
      metadata {
        labels = local.worker_labels
      }

      spec {
        automount_service_account_token = false
        enable_service_links            = false

        # A ReadWriteOnce volume attaches to one node: with local files the worker runs where the
        # server runs.
        dynamic "affinity" {
          for_each = local.local_storage ? [1] : []
          content {
            pod_affinity {
              required_during_scheduling_ignored_during_execution {
                topology_key = "kubernetes.io/hostname"
                label_selector {
                  match_labels = local.server_labels
                }
              }
            }
          }
        }

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
          name    = "worker"
          image   = local.images.twenty
          command = ["yarn", "worker:prod"]

          dynamic "env" {
            for_each = merge(local.common_env, {
              # The server runs them; two runners would race.
              DISABLE_DB_MIGRATIONS = "true"
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
            requests = { cpu = "100m", memory = "384Mi" }
            limits   = { memory = "1Gi" }
          }

          # The worker serves no HTTP and upstream gives it no health endpoint: the kubelet
          # restarts it when the process exits (README: the documented exception).

          security_context {
            run_as_non_root            = true
            run_as_user                = local.uid
            allow_privilege_escalation = false
            read_only_root_filesystem  = false
            capabilities {
              drop = ["ALL"]
            }
          }

          dynamic "volume_mount" {
            for_each = local.local_storage ? [1] : []
            content {
              name       = "files"
              mount_path = local.local_storage_path
            }
          }
        }

        dynamic "volume" {
          for_each = local.local_storage ? [1] : []
          content {
            name = "files"
            persistent_volume_claim {
              claim_name = kubernetes_persistent_volume_claim_v1.files[0].metadata[0].name
            }
          }
        }
      }
    }
  }
}
