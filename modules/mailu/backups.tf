# Nightly archives of the mail and admin volumes to Spaces, and a weekly restore test of the
# latest ones, like the data layer's database backups: the same upload (read back and verified
# before the latest pointer moves) and fetch (checksums against the manifest) scripts, with an
# archive step and a restore check of Mailu's own (./scripts). The databases (accounts, webmail
# settings) are backed up by the data layer; Velero covers every volume as well (contract 5).

locals {
  # Only while Mailu runs: each archive pod must run beside the pod that mounts its volume.
  backups = var.enabled && var.backups_enabled
  backed_up = local.backups ? {
    mail  = { claim = local.claims.mail.name, component = "dovecot" }
    admin = { claim = local.claims.admin.name, component = "admin" }
  } : {}

  # Scratch on the node's disk, bounded and requested: the archive of a full volume (backup), or
  # the archive plus its extracted copy (restore test). Unbounded, a large mailbox would fill the
  # disk of the node dovecot runs on and the kubelet would evict pods there.
  backup_scratch = { for volume, spec in local.backed_up : volume => "${2 * tonumber(trimsuffix(var.storage_sizes[volume], "Gi"))}Gi" }

  backup_endpoint         = coalesce(var.backup_endpoint, "https://${var.backup_region}.digitaloceanspaces.com")
  object_store_port       = tonumber(try(regex(":([0-9]+)/?$", local.backup_endpoint)[0], startswith(local.backup_endpoint, "http://") ? "80" : "443"))
  backup_credentials_name = "mailu-backup-credentials"

  rclone_env = {
    RCLONE_CONFIG_BACKUPS_TYPE            = "s3"
    RCLONE_CONFIG_BACKUPS_PROVIDER        = "DigitalOcean"
    RCLONE_CONFIG_BACKUPS_ENDPOINT        = local.backup_endpoint
    RCLONE_CONFIG_BACKUPS_REGION          = var.backup_region
    RCLONE_CONFIG_BACKUPS_NO_CHECK_BUCKET = "true"
    S3_BUCKET                             = coalesce(var.backup_bucket, "-")
    S3_ENDPOINT                           = local.backup_endpoint
    WORK_DIR                              = "/work"
  }

  rclone_secret_env = {
    RCLONE_CONFIG_BACKUPS_ACCESS_KEY_ID     = { secret = local.backup_credentials_name, key = "access-key-id" }
    RCLONE_CONFIG_BACKUPS_SECRET_ACCESS_KEY = { secret = local.backup_credentials_name, key = "secret-access-key" }
  }

  # The data layer's scripts, shipped next to Mailu's: upload.sh and fetch.sh source lib.sh,
  # which here is Mailu's (it sources the data layer's as data-lib.sh).
  backup_scripts = merge(
    { for f in ["upload.sh", "fetch.sh"] : f => file("${path.module}/../data/scripts/${f}") },
    { "data-lib.sh" = file("${path.module}/../data/scripts/lib.sh") },
    { for f in fileset("${path.module}/scripts", "*.sh") : f => file("${path.module}/scripts/${f}") },
  )

  # Per volume and kind: the two steps, and where the pod must run.
  backup_jobs = merge([for volume, spec in local.backed_up : {
    "${volume}/backup" = {
      volume   = volume
      kind     = "backup"
      schedule = var.backup_schedule
      claim    = spec.claim
      # The volume is ReadWriteOnce: the archive pod runs beside the pod that mounts it.
      affinity = local.component_selector[spec.component]
      first    = { name = "archive", command = ["/scripts/files-archive.sh"], env = tomap({ SOURCE_DIR = "/volume", VOLUME_NAME = "mailu-${volume}" }) }
      second   = { name = "upload", command = ["/scripts/upload.sh"], env = tomap({ BACKUP_REMOTE = "backups:${coalesce(var.backup_bucket, "-")}/mailu/${volume}" }) }
    }
    "${volume}/restore-test" = {
      volume   = volume
      kind     = "restore-test"
      schedule = var.restore_test_schedule
      claim    = null
      affinity = null
      first    = { name = "fetch", command = ["/scripts/fetch.sh"], env = tomap({ BACKUP_REMOTE = "backups:${coalesce(var.backup_bucket, "-")}/mailu/${volume}" }) }
      second   = { name = "restore-check", command = ["/scripts/files-restore-check.sh"], env = tomap({}) }
    }
  }]...)
}

resource "kubernetes_secret_v1" "backup_credentials" {
  count = local.backups ? 1 : 0

  metadata {
    name      = local.backup_credentials_name
    namespace = module.namespace.name
    labels    = merge(local.labels, { "app.kubernetes.io/component" = "backup" })
  }

  data = {
    "access-key-id"     = var.backup_credentials.access_key
    "secret-access-key" = var.backup_credentials.secret_key
  }
}

resource "kubernetes_config_map_v1" "backup_scripts" {
  count = local.backups ? 1 : 0

  metadata {
    name      = "mailu-backup-scripts"
    namespace = module.namespace.name
    labels    = merge(local.labels, { "app.kubernetes.io/component" = "backup" })
  }

  data = local.backup_scripts
}

resource "kubernetes_cron_job_v1" "backup" {
  for_each = local.backup_jobs

  metadata {
    name      = "mailu-${each.value.volume}-${each.value.kind}"
    namespace = module.namespace.name
    labels = merge(local.labels, {
      "app.kubernetes.io/name"      = "mailu-${each.value.kind}"
      "app.kubernetes.io/component" = each.value.kind
      "platform/job"                = each.value.kind
      "platform/volume-backup-of"   = "mailu-${each.value.volume}"
    })
  }

  spec {
    schedule                      = each.value.schedule
    timezone                      = "Etc/UTC"
    concurrency_policy            = "Forbid"
    starting_deadline_seconds     = 3600
    successful_jobs_history_limit = 3
    failed_jobs_history_limit     = 3

    job_template {
      metadata {
        labels = { "platform/job" = each.value.kind, "platform/volume-backup-of" = "mailu-${each.value.volume}" }
      }

      spec {
        backoff_limit           = 1
        active_deadline_seconds = 14400

        template {
          metadata {
            labels = merge(local.labels, { "platform/job" = each.value.kind, "platform/volume-backup-of" = "mailu-${each.value.volume}" })
          }

          spec {
            restart_policy                  = "Never"
            automount_service_account_token = false
            enable_service_links            = false

            dynamic "affinity" {
              for_each = each.value.affinity == null ? [] : [each.value.affinity]
              content {
                pod_affinity {
                  required_during_scheduling_ignored_during_execution {
                    label_selector {
                      match_labels = affinity.value
                    }
                    topology_key = "kubernetes.io/hostname"
                  }
                }
              }
            }

            # Root, because the volumes hold files of several Mailu users; every capability is
            # dropped but reading past file permissions, and the volume is mounted read-only.
            security_context {
              run_as_user     = 0
              run_as_non_root = false
              seccomp_profile {
                type = "RuntimeDefault"
              }
            }

            init_container {
              name    = each.value.first.name
              image   = local.images.rclone
              command = each.value.first.command

              dynamic "env" {
                for_each = merge(local.rclone_env, each.value.first.env)
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
                      name = env.value.secret
                      key  = env.value.key
                    }
                  }
                }
              }

              resources {
                requests = { cpu = "50m", memory = "64Mi", "ephemeral-storage" = local.backup_scratch[each.value.volume] }
                limits   = { memory = "512Mi" }
              }

              security_context {
                allow_privilege_escalation = false
                read_only_root_filesystem  = true
                capabilities {
                  drop = ["ALL"]
                  add  = each.value.claim == null ? [] : ["DAC_READ_SEARCH"]
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
              dynamic "volume_mount" {
                for_each = each.value.claim == null ? [] : [each.value.claim]
                content {
                  name       = "volume"
                  mount_path = "/volume"
                  read_only  = true
                }
              }
            }

            container {
              name    = each.value.second.name
              image   = local.images.rclone
              command = each.value.second.command

              dynamic "env" {
                for_each = merge(local.rclone_env, each.value.second.env)
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
                      name = env.value.secret
                      key  = env.value.key
                    }
                  }
                }
              }

              resources {
                requests = { cpu = "50m", memory = "64Mi" }
                limits   = { memory = "512Mi" }
              }

              security_context {
                allow_privilege_escalation = false
                read_only_root_filesystem  = true
                capabilities {
                  drop = ["ALL"]
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
              empty_dir {
                size_limit = local.backup_scratch[each.value.volume]
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
                name         = kubernetes_config_map_v1.backup_scripts[0].metadata[0].name
                default_mode = "0555"
              }
            }
            dynamic "volume" {
              for_each = each.value.claim == null ? [] : [each.value.claim]
              content {
                name = "volume"
                persistent_volume_claim {
                  claim_name = volume.value
                  read_only  = true
                }
              }
            }
          }
        }
      }
    }
  }

  depends_on = [kubernetes_secret_v1.backup_credentials]
}

# Only the backup and restore-test pods leave the cluster, for the object store.
resource "kubernetes_network_policy_v1" "backups_egress" {
  count = local.backups ? 1 : 0

  metadata {
    name      = "backups-object-store-egress"
    namespace = module.namespace.name
    labels    = local.labels
  }

  spec {
    pod_selector {
      match_expressions {
        key      = "platform/job"
        operator = "In"
        values   = ["backup", "restore-test"]
      }
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
        for_each = toset(distinct([443, local.object_store_port]))
        content {
          port     = tostring(ports.value)
          protocol = "TCP"
        }
      }
    }
  }
}
