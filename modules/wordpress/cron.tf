# WP-Cron on a schedule instead of on page loads (DISABLE_WP_CRON in wp-config): a CronJob asks
# the site's own Service for wp-cron.php, as a visitor would, so it needs neither the RWO volume
# nor the database credentials. The nginx image is already pinned and carries curl.

resource "kubernetes_cron_job_v1" "wp_cron" {
  count = var.enabled ? 1 : 0

  metadata {
    name      = "wp-cron"
    namespace = module.namespace.name
    labels    = local.cron_labels
  }

  spec {
    schedule                      = var.cron_schedule
    concurrency_policy            = "Forbid"
    starting_deadline_seconds     = 120
    successful_jobs_history_limit = 1
    failed_jobs_history_limit     = 3

    job_template {
      metadata {
        labels = local.cron_labels
      }

      spec {
        backoff_limit           = 1
        active_deadline_seconds = 600

        template {
          metadata {
            labels = local.cron_labels
          }

          spec {
            restart_policy                  = "Never"
            automount_service_account_token = false
            enable_service_links            = false

            security_context {
              run_as_non_root = true
              run_as_user     = local.nginx_uid
              run_as_group    = local.nginx_uid
              seccomp_profile {
                type = "RuntimeDefault"
              }
            }

            container {
              name  = "wp-cron"
              image = local.images.nginx
              # The Host and X-Forwarded-Proto a visitor's request would carry, so WordPress
              # answers as the public site and does not redirect.
              command = ["curl", "--fail", "--silent", "--show-error", "--max-time", "540",
                "--header", "Host: ${local.host}", "--header", "X-Forwarded-Proto: https",
              "http://${local.name}.${var.namespace}.svc.cluster.local:${local.http_port}/wp-cron.php?doing_wp_cron"]

              resources {
                requests = { cpu = "10m", memory = "16Mi" }
                limits   = { memory = "64Mi" }
              }

              security_context {
                run_as_non_root            = true
                run_as_user                = local.nginx_uid
                allow_privilege_escalation = false
                read_only_root_filesystem  = true
                capabilities {
                  drop = ["ALL"]
                }
              }
            }
          }
        }
      }
    }
  }
}

# The one in-namespace path: the cron pods to the site's nginx.
resource "kubernetes_network_policy_v1" "cron_to_server" {
  count = var.enabled ? 1 : 0

  metadata {
    name      = "wp-cron-to-server"
    namespace = module.namespace.name
    labels    = local.labels
  }

  spec {
    pod_selector {
      match_labels = local.cron_labels
    }
    policy_types = ["Egress"]

    egress {
      to {
        pod_selector {
          match_labels = local.server_labels
        }
      }
      ports {
        port     = tostring(local.http_port)
        protocol = "TCP"
      }
    }
  }
}

resource "kubernetes_network_policy_v1" "server_from_cron" {
  count = var.enabled ? 1 : 0

  metadata {
    name      = "wp-server-from-cron"
    namespace = module.namespace.name
    labels    = local.labels
  }

  spec {
    pod_selector {
      match_labels = local.server_labels
    }
    policy_types = ["Ingress"]

    ingress {
      from {
        pod_selector {
          match_labels = local.cron_labels
        }
      }
      ports {
        port     = tostring(local.http_port)
        protocol = "TCP"
      }
    }
  }
}
