# Nightly backups of every database to Spaces, and a weekly restore test that proves the
# latest backup loads and holds the rows it recorded. Both are plain CronJobs running the
# scripts in ./scripts: the database image dumps or restores, the rclone image moves files.
# Dumps log in as the read-only backup user; the restore test restores into a throwaway server
# inside its own pod, on the pod's scratch volume, and never contacts the live server.
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

# The two kinds of step a job runs, and the jobs built from them. A database step runs in the
# engine's own image, so pg_dump / mariadb-dump match the server, as the database user; an
# rclone step moves files between /work and Spaces as nobody, with the bucket's settings and the
# backup credentials.
locals {
  database_step = { for engine, settings in local.engines : engine => {
    image = settings.image
    uid   = local.database_uid
    # No group of its own: the pod's, the database group.
    gid        = null
    env        = {}
    secret_env = tomap({})
    requests   = { cpu = "100m", memory = "128Mi" }
    limits     = { memory = "512Mi" }
  } }

  # The restore check runs a whole server of its own: the memory of a small one, and
  # ephemeral storage for it on the node (requested, so the scheduler places it where it fits).
  restore_check_resources = {
    requests = { cpu = "100m", memory = "512Mi", "ephemeral-storage" = var.backup_scratch_size }
    limits   = { memory = "1Gi" }
  }

  rclone_step = {
    image      = local.images.rclone
    uid        = local.rclone_uid
    gid        = local.rclone_uid
    env        = merge(local.spaces_env, local.rclone_env)
    secret_env = tomap(local.rclone_secret_env)
    requests   = { cpu = "50m", memory = "64Mi" }
    limits     = { memory = "256Mi" }
  }

  # Where every step reads the scripts and shares its files with the other step.
  step_volume_mounts = [
    { name = "work", mount_path = "/work", read_only = null },
    { name = "tmp", mount_path = "/tmp", read_only = null },
    { name = "scripts", mount_path = "/scripts", read_only = true },
  ]

  # Per backed-up database and kind: the schedule and the two steps. first is the init
  # container, second the container that runs once it has succeeded.
  job_kinds = { for name, db in local.backed_up : name => {
    backup = {
      schedule = var.backup_schedule
      # 1. Dump in the database's own image, as the backup user.
      first = merge(local.database_step[db.engine], {
        name       = "dump"
        command    = [local.engines[db.engine].dump_script]
        env        = tomap(merge(local.engines[db.engine].client_env, local.engines[db.engine].backup_env, { DB_NAME = name, WORK_DIR = "/work" }))
        secret_env = tomap(local.engines[db.engine].backup_secret_env)
      })
      # 2. Upload with rclone, verify, then move the latest pointer.
      second = merge(local.rclone_step, {
        name    = "upload"
        command = ["/scripts/upload.sh"]
        env     = tomap(merge(local.rclone_step.env, { BACKUP_REMOTE = local.backup_remote[name], WORK_DIR = "/work", DB_NAME = name }))
      })
    }
    "restore-test" = {
      schedule = var.restore_test_schedule
      # 1. Fetch the latest backup and check it against its manifest's checksums.
      first = merge(local.rclone_step, {
        name    = "fetch"
        command = ["/scripts/fetch.sh"]
        env     = tomap(merge(local.rclone_step.env, { BACKUP_REMOTE = local.backup_remote[name], WORK_DIR = "/work", DB_NAME = name }))
      })
      # 2. Restore into a throwaway server in this pod, compare row counts, delete it. No
      #    credentials of the live server: it is never contacted.
      second = merge(local.database_step[db.engine], local.restore_check_resources, {
        name    = "restore-check"
        command = [local.engines[db.engine].restore_script]
        env     = tomap({ DB_NAME = name, WORK_DIR = "/work", RESTORE_MODE = "scratch" })
      })
    }
  } }

  # Every CronJob, keyed "<database>/<kind>", with the labels it, its Jobs and their pods carry.
  scheduled_jobs = merge([for name, kinds in local.job_kinds : { for kind, job in kinds : "${name}/${kind}" => merge(job, {
    database = name
    k8s_name = local.backed_up[name].k8s_name
    server   = local.backed_up[name].server
    engine   = local.backed_up[name].engine
    kind     = kind
    labels = merge(local.common_labels, {
      "app.kubernetes.io/name"      = "${local.backed_up[name].server}-${kind}"
      "app.kubernetes.io/component" = kind
      "platform/job"                = kind
      "platform/backup-of"          = local.backed_up[name].server
      "platform/database"           = name
    })
  }) }]...)
}

resource "kubernetes_cron_job_v1" "job" {
  for_each = local.scheduled_jobs

  metadata {
    name      = "${each.value.k8s_name}-${each.value.kind}"
    namespace = var.namespace
    labels    = each.value.labels
    # What `platform restore --in-place` adds to the restore step, which then works on the live
    # server as its superuser: the scheduled runs never carry these credentials.
    annotations = each.value.kind == "restore-test" ? {
      "platform/in-place-env" = jsonencode({
        env        = local.engines[each.value.engine].client_env
        secret_env = local.engines[each.value.engine].client_secret_env
      })
    } : {}
  }

  spec {
    schedule = each.value.schedule
    timezone = "Etc/UTC"
    # One run at a time per database and kind; a run missed by more than an hour waits for the
    # next one.
    concurrency_policy            = "Forbid"
    starting_deadline_seconds     = 3600
    successful_jobs_history_limit = 3
    failed_jobs_history_limit     = 3

    job_template {
      metadata {
        labels = each.value.labels
      }

      spec {
        # One retry for a transient error; a second failure is an alert, not a loop. An
        # in-place restore made from this template gets none (harness/restore.ts): it would
        # swap again.
        backoff_limit           = 1
        active_deadline_seconds = 7200

        template {
          metadata {
            labels = merge(each.value.labels, {
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
              # The database step (uid 999) and the rclone step (uid 65534) share /work through
              # this group.
              fs_group = local.database_uid
              seccomp_profile {
                type = "RuntimeDefault"
              }
            }

            init_container {
              name    = each.value.first.name
              image   = each.value.first.image
              command = each.value.first.command

              dynamic "env" {
                for_each = each.value.first.env
                content {
                  name  = env.key
                  value = env.value
                }
              }

              dynamic "env" {
                for_each = each.value.first.secret_env
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
                requests = each.value.first.requests
                limits   = each.value.first.limits
              }

              security_context {
                run_as_non_root            = true
                run_as_user                = each.value.first.uid
                run_as_group               = each.value.first.gid
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

              dynamic "volume_mount" {
                for_each = local.step_volume_mounts
                content {
                  name       = volume_mount.value.name
                  mount_path = volume_mount.value.mount_path
                  read_only  = volume_mount.value.read_only
                }
              }
            }

            container {
              name    = each.value.second.name
              image   = each.value.second.image
              command = each.value.second.command

              dynamic "env" {
                for_each = each.value.second.env
                content {
                  name  = env.key
                  value = env.value
                }
              }

              dynamic "env" {
                for_each = each.value.second.secret_env
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
                requests = each.value.second.requests
                limits   = each.value.second.limits
              }

              security_context {
                run_as_non_root            = true
                run_as_user                = each.value.second.uid
                run_as_group               = each.value.second.gid
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

              dynamic "volume_mount" {
                for_each = local.step_volume_mounts
                content {
                  name       = volume_mount.value.name
                  mount_path = volume_mount.value.mount_path
                  read_only  = volume_mount.value.read_only
                }
              }
            }

            # The dump, and for a restore test its scratch server: on the node's disk, never
            # the database's volume; bounded, so a runaway restore is evicted, not the node.
            volume {
              name = "work"
              empty_dir {
                size_limit = var.backup_scratch_size
              }
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

  # The steps name their Secrets (the backup user's, the backup credentials) as literals: both
  # must exist before a pod starts.
  depends_on = [kubernetes_secret_v1.backup_user, kubernetes_secret_v1.backup_credentials]
}
