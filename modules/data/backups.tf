# Nightly backups of every database to Spaces, and a weekly restore test that proves the
# latest backup loads and holds the rows it recorded. Both are plain CronJobs running the
# scripts in ./scripts: the database image dumps or restores, the rclone image moves files.
#
# A failed Job is the failure signal: the alerts watch kube-state-metrics'
# kube_job_status_failed (and kube_cronjob_status_last_successful_time for a backup that
# stopped running), so the jobs keep their failed history instead of deleting it.

resource "kubernetes_secret_v1" "backup_credentials" {
  count = length(local.backed_up) > 0 ? 1 : 0

  metadata {
    name      = local.backup_credentials_name
    namespace = var.namespace
    labels = merge(local.common_labels, {
      "app.kubernetes.io/name"      = "backup"
      "app.kubernetes.io/component" = "backup"
    })
  }

  data = merge(
    {
      "access-key-id"     = var.backup_access_key
      "secret-access-key" = var.backup_secret_key
    },
    # Already in rclone's obscured form (see the variable): rclone reads it as is.
    local.encrypted ? { "crypt-password" = var.encryption_passphrase } : {},
  )
}

resource "kubernetes_cron_job_v1" "backup" {
  for_each = local.backed_up

  metadata {
    name      = "${each.value.k8s_name}-backup"
    namespace = var.namespace
    labels = merge(local.common_labels, {
      "app.kubernetes.io/name"      = "${each.value.server}-backup"
      "app.kubernetes.io/component" = "backup"
      "platform/job"                = "backup"
      "platform/backup-of"          = each.value.server
      "platform/database"           = each.key
    })
  }

  spec {
    schedule = var.backup_schedule
    timezone = "Etc/UTC"
    # One dump at a time per database; a run missed by more than an hour waits for the next night.
    concurrency_policy            = "Forbid"
    starting_deadline_seconds     = 3600
    successful_jobs_history_limit = 3
    failed_jobs_history_limit     = 3

    job_template {
      metadata {
        labels = merge(local.common_labels, {
          "app.kubernetes.io/name"      = "${each.value.server}-backup"
          "app.kubernetes.io/component" = "backup"
          "platform/job"                = "backup"
          "platform/backup-of"          = each.value.server
          "platform/database"           = each.key
        })
      }

      spec {
        # One retry for a transient error; a second failure is an alert, not a loop.
        backoff_limit           = 1
        active_deadline_seconds = 7200

        template {
          metadata {
            labels = merge(local.common_labels, {
              "app.kubernetes.io/name"      = "${each.value.server}-backup"
              "app.kubernetes.io/component" = "backup"
              "platform/job"                = "backup"
              "platform/backup-of"          = each.value.server
              "platform/database"           = each.key
              # Lets the pod through the server's NetworkPolicy.
              "platform/database-client" = each.value.server
            })
          }

          spec {
            restart_policy                  = "Never"
            automount_service_account_token = false
            enable_service_links            = false

            security_context {
              run_as_non_root = true
              run_as_user     = local.database_uid
              run_as_group    = local.database_uid
              # The dump (uid 999) and the upload (uid 65534) share /work through this group.
              fs_group = local.database_uid
              seccomp_profile {
                type = "RuntimeDefault"
              }
            }

            # 1. Dump in the database's own image, so pg_dump / mariadb-dump match the server.
            init_container {
              name    = "dump"
              image   = local.engines[each.value.engine].image
              command = [local.engines[each.value.engine].dump_script]

              env {
                name  = "DB_NAME"
                value = each.key
              }
              env {
                name  = "WORK_DIR"
                value = "/work"
              }

              dynamic "env" {
                for_each = local.engines[each.value.engine].client_env
                content {
                  name  = env.key
                  value = env.value
                }
              }

              dynamic "env" {
                for_each = local.engines[each.value.engine].client_secret_env
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
                requests = { cpu = "100m", memory = "128Mi" }
                limits   = { memory = "512Mi" }
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
                name       = "work"
                mount_path = "/work"
              }
              volume_mount {
                name       = "tmp"
                mount_path = "/tmp"
              }
              volume_mount {
                name       = "scripts"
                mount_path = "/scripts"
                read_only  = true
              }
            }

            # 2. Upload with rclone, verify, then move the latest pointer.
            container {
              name    = "upload"
              image   = local.images.rclone
              command = ["/scripts/upload.sh"]

              env {
                name  = "BACKUP_REMOTE"
                value = local.backup_remote[each.key]
              }
              env {
                name  = "WORK_DIR"
                value = "/work"
              }
              env {
                name  = "DB_NAME"
                value = each.key
              }

              dynamic "env" {
                for_each = merge(local.spaces_env, local.rclone_env)
                content {
                  name  = env.key
                  value = env.value
                }
              }

              dynamic "env" {
                for_each = local.rclone_secret_env
                content {
                  name = env.key
                  value_from {
                    secret_key_ref {
                      name = kubernetes_secret_v1.backup_credentials[0].metadata[0].name
                      key  = env.value.key
                    }
                  }
                }
              }

              resources {
                requests = { cpu = "50m", memory = "64Mi" }
                limits   = { memory = "256Mi" }
              }

              security_context {
                run_as_non_root            = true
                run_as_user                = local.rclone_uid
                run_as_group               = local.rclone_uid
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
                name       = "work"
                mount_path = "/work"
              }
              volume_mount {
                name       = "tmp"
                mount_path = "/tmp"
              }
              volume_mount {
                name       = "scripts"
                mount_path = "/scripts"
                read_only  = true
              }
            }

            volume {
              name = "work"
              empty_dir {}
            }
            volume {
              name = "tmp"
              empty_dir {
                size_limit = "64Mi"
              }
            }
            volume {
              name = "scripts"
              config_map {
                name         = kubernetes_config_map_v1.scripts[0].metadata[0].name
                default_mode = "0555"
              }
            }
          }
        }
      }
    }
  }

  depends_on = [kubernetes_secret_v1.superuser]
}

resource "kubernetes_cron_job_v1" "restore_test" {
  for_each = local.backed_up

  metadata {
    name      = "${each.value.k8s_name}-restore-test"
    namespace = var.namespace
    labels = merge(local.common_labels, {
      "app.kubernetes.io/name"      = "${each.value.server}-restore-test"
      "app.kubernetes.io/component" = "restore-test"
      "platform/job"                = "restore-test"
      "platform/backup-of"          = each.value.server
      "platform/database"           = each.key
    })
  }

  spec {
    schedule                      = var.restore_test_schedule
    timezone                      = "Etc/UTC"
    concurrency_policy            = "Forbid"
    starting_deadline_seconds     = 3600
    successful_jobs_history_limit = 3
    failed_jobs_history_limit     = 3

    job_template {
      metadata {
        labels = merge(local.common_labels, {
          "app.kubernetes.io/name"      = "${each.value.server}-restore-test"
          "app.kubernetes.io/component" = "restore-test"
          "platform/job"                = "restore-test"
          "platform/backup-of"          = each.value.server
          "platform/database"           = each.key
        })
      }

      spec {
        backoff_limit           = 1
        active_deadline_seconds = 7200

        template {
          metadata {
            labels = merge(local.common_labels, {
              "app.kubernetes.io/name"      = "${each.value.server}-restore-test"
              "app.kubernetes.io/component" = "restore-test"
              "platform/job"                = "restore-test"
              "platform/backup-of"          = each.value.server
              "platform/database"           = each.key
              "platform/database-client"    = each.value.server
            })
          }

          spec {
            restart_policy                  = "Never"
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

            # 1. Fetch the latest backup and check it against its manifest's checksums.
            init_container {
              name    = "fetch"
              image   = local.images.rclone
              command = ["/scripts/fetch.sh"]

              env {
                name  = "BACKUP_REMOTE"
                value = local.backup_remote[each.key]
              }
              env {
                name  = "WORK_DIR"
                value = "/work"
              }
              env {
                name  = "DB_NAME"
                value = each.key
              }

              dynamic "env" {
                for_each = merge(local.spaces_env, local.rclone_env)
                content {
                  name  = env.key
                  value = env.value
                }
              }

              dynamic "env" {
                for_each = local.rclone_secret_env
                content {
                  name = env.key
                  value_from {
                    secret_key_ref {
                      name = kubernetes_secret_v1.backup_credentials[0].metadata[0].name
                      key  = env.value.key
                    }
                  }
                }
              }

              resources {
                requests = { cpu = "50m", memory = "64Mi" }
                limits   = { memory = "256Mi" }
              }

              security_context {
                run_as_non_root            = true
                run_as_user                = local.rclone_uid
                run_as_group               = local.rclone_uid
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
                name       = "work"
                mount_path = "/work"
              }
              volume_mount {
                name       = "tmp"
                mount_path = "/tmp"
              }
              volume_mount {
                name       = "scripts"
                mount_path = "/scripts"
                read_only  = true
              }
            }

            # 2. Restore into a scratch database on the live server, compare row counts, drop it.
            container {
              name    = "restore-check"
              image   = local.engines[each.value.engine].image
              command = [local.engines[each.value.engine].restore_script]

              env {
                name  = "DB_NAME"
                value = each.key
              }
              env {
                name  = "WORK_DIR"
                value = "/work"
              }
              env {
                name  = "RESTORE_MODE"
                value = "scratch"
              }

              dynamic "env" {
                for_each = local.engines[each.value.engine].client_env
                content {
                  name  = env.key
                  value = env.value
                }
              }

              dynamic "env" {
                for_each = local.engines[each.value.engine].client_secret_env
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
                requests = { cpu = "100m", memory = "128Mi" }
                limits   = { memory = "512Mi" }
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
                name       = "work"
                mount_path = "/work"
              }
              volume_mount {
                name       = "tmp"
                mount_path = "/tmp"
              }
              volume_mount {
                name       = "scripts"
                mount_path = "/scripts"
                read_only  = true
              }
            }

            volume {
              name = "work"
              empty_dir {}
            }
            volume {
              name = "tmp"
              empty_dir {
                size_limit = "64Mi"
              }
            }
            volume {
              name = "scripts"
              config_map {
                name         = kubernetes_config_map_v1.scripts[0].metadata[0].name
                default_mode = "0555"
              }
            }
          }
        }
      }
    }
  }

  depends_on = [kubernetes_secret_v1.superuser]
}
