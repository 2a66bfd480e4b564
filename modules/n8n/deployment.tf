resource "kubernetes_deployment_v1" "n8n" {
  # The key Secret must exist before a pod can read it.
  for_each   = { for role, settings in local.roles : role => settings if var.enabled }
  depends_on = [module.encryption_key]

  metadata {
    name      = each.value.name
    namespace = module.namespace.name
    labels    = each.value.labels
  }

  # No kubelet on the local control plane: a rollout would never finish.
  wait_for_rollout = false

  spec {
    replicas = each.value.replicas

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
          name  = each.key == "main" ? "n8n" : "worker"
          image = local.images.n8n
          args  = each.value.args

          port {
            name           = "http"
            container_port = local.port
            protocol       = "TCP"
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
            requests = { cpu = "100m", memory = "256Mi" }
            limits   = { memory = "1Gi" }
          }

          startup_probe {
            http_get {
              path = "/healthz"
              port = "http"
            }
            period_seconds    = 5
            failure_threshold = each.value.startup_failures
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

        # The main instance's data folder is the volume; a worker's is scratch (its settings
        # file only), nothing in it outlives the pod.
        dynamic "volume" {
          for_each = each.key == "main" ? [1] : []
          content {
            name = "data"
            persistent_volume_claim {
              claim_name = kubernetes_persistent_volume_claim_v1.data[0].metadata[0].name
            }
          }
        }
        dynamic "volume" {
          for_each = each.key == "main" ? [] : [1]
          content {
            name = "data"
            empty_dir {
              size_limit = "256Mi"
            }
          }
        }
      }
    }
  }
}
