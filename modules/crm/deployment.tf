resource "kubernetes_deployment_v1" "twenty" {
  # The key Secret must exist before a pod can read it.
  for_each   = { for role, settings in local.roles : role => settings if var.enabled }
  depends_on = [module.encryption_key]

  metadata {
    name      = "${local.name}-${each.key}"
    namespace = module.namespace.name
    labels    = each.value.labels
  }

  # No kubelet on the local control plane: a rollout would never finish.
  wait_for_rollout = false

  spec {
    replicas = 1

    selector {
      match_labels = each.value.labels
    }

    strategy {
      type = each.value.strategy
    }

    template {
      metadata {
        labels      = each.value.labels
        annotations = each.value.annotations
      }

      spec {
        automount_service_account_token = false
        enable_service_links            = false

        dynamic "affinity" {
          for_each = each.value.follow_server ? [1] : []
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
          name    = each.key
          image   = local.images.twenty
          command = each.value.command

          dynamic "port" {
            for_each = each.value.probed ? [1] : []
            content {
              name           = "http"
              container_port = local.port
              protocol       = "TCP"
            }
          }

          dynamic "env" {
            for_each = each.value.env
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
            requests = each.value.resources.requests
            limits   = each.value.resources.limits
          }

          # The entrypoint creates the schemas and extensions, runs the migrations and the
          # upgrade commands before the server listens; a version jump may take minutes.
          dynamic "startup_probe" {
            for_each = each.value.probed ? [1] : []
            content {
              http_get {
                path = "/healthz"
                port = "http"
              }
              period_seconds    = 10
              failure_threshold = 90
            }
          }
          dynamic "liveness_probe" {
            for_each = each.value.probed ? [1] : []
            content {
              http_get {
                path = "/healthz"
                port = "http"
              }
              period_seconds    = 20
              timeout_seconds   = 5
              failure_threshold = 3
            }
          }
          dynamic "readiness_probe" {
            for_each = each.value.probed ? [1] : []
            content {
              http_get {
                path = "/healthz"
                port = "http"
              }
              period_seconds    = 10
              timeout_seconds   = 5
              failure_threshold = 3
            }
          }

          security_context {
            run_as_non_root            = true
            run_as_user                = local.uid
            allow_privilege_escalation = false
            # The server and worker write build caches under /app; see the README.
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
