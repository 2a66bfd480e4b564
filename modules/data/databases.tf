# The apps' databases: a user with a generated password, the database it owns, and a
# connection Secret in the app's namespace. A Job in the data namespace creates them on the
# server; the app module only reads the Secret.

locals {
  provisioning_files = { for engine, settings in local.engines : settings.provision.file => file("${path.module}/provisioning/${settings.provision.file}") }

  # What a provisioning Job does, hashed into its name: a changed script, image or server makes
  # a new Job, which runs again (the SQL is idempotent). A new password re-runs it through
  # replace_triggered_by instead, so the name stays known at plan time for reviewers.
  provision_hash = { for name, db in local.databases : name => substr(sha256(jsonencode({
    engine   = db.engine
    database = name
    image    = local.engines[db.engine].image
    command  = local.engines[db.engine].provision.command
    script   = local.provisioning_files[local.engines[db.engine].provision.file]
    server   = local.engines[db.engine].client_env
  })), 0, 8) }

  connection_host = { for name, db in local.databases : name => "${db.server}.${var.namespace}.svc.cluster.local" }
}

resource "random_password" "database" {
  for_each = local.databases

  length  = 32
  special = false
}

# The app's password where the provisioning Job (in the data namespace) can read it.
resource "kubernetes_secret_v1" "database_password" {
  for_each = local.databases

  metadata {
    name      = "database-${each.value.k8s_name}"
    namespace = var.namespace
    labels = merge(local.common_labels, {
      "app.kubernetes.io/name"      = "${each.value.server}-provisioning"
      "app.kubernetes.io/component" = "provisioning"
      "platform/database"           = each.key
    })
  }

  data = {
    password = random_password.database[each.key].result
  }
}

# What the app reads: host, port, database, username, password and a URL. The labels are how
# the postgres-first policy sees which app uses which engine.
resource "kubernetes_secret_v1" "connection" {
  for_each = local.databases

  metadata {
    name      = "${each.value.k8s_name}-database"
    namespace = each.value.namespace
    labels = merge(local.common_labels, {
      "app.kubernetes.io/name"      = "${each.value.k8s_name}-database"
      "app.kubernetes.io/component" = "connection"
      "platform/database-engine"    = each.value.engine
      "platform/database-owner"     = each.key
    })
  }

  data = {
    host     = local.connection_host[each.key]
    port     = tostring(local.engines[each.value.engine].port)
    database = each.key
    username = each.key
    password = random_password.database[each.key].result
    url      = "${local.engines[each.value.engine].url_scheme}://${each.key}:${random_password.database[each.key].result}@${local.connection_host[each.key]}:${local.engines[each.value.engine].port}/${each.key}"
  }
}

# replace_triggered_by may only index by each.key: this per-database copy of the engine's backup
# user password lets a new one re-run every provisioning Job of that engine, which sets it.
resource "terraform_data" "backup_user_password" {
  for_each = local.databases

  input = sha256(random_password.backup_user[each.value.engine].result)
}

resource "kubernetes_config_map_v1" "provisioning" {
  count = length(local.databases) > 0 ? 1 : 0

  metadata {
    name      = "database-provisioning"
    namespace = var.namespace
    labels = merge(local.common_labels, {
      "app.kubernetes.io/name"      = "database-provisioning"
      "app.kubernetes.io/component" = "provisioning"
    })
  }

  data = local.provisioning_files
}

resource "kubernetes_job_v1" "provision" {
  for_each = local.databases

  metadata {
    name      = "${each.value.k8s_name}-provision-${local.provision_hash[each.key]}"
    namespace = var.namespace
    labels = merge(local.common_labels, {
      "app.kubernetes.io/name"      = "${each.value.server}-provisioning"
      "app.kubernetes.io/component" = "provisioning"
      "platform/database"           = each.key
    })
  }

  # Nothing may wait for a pod (the local control plane has no kubelet); the Job retries on
  # its own until the server is up, and a failed Job is what the alerts see.
  wait_for_completion = false

  spec {
    backoff_limit           = 6
    active_deadline_seconds = 1800

    template {
      metadata {
        labels = merge(local.common_labels, {
          "app.kubernetes.io/name"      = "${each.value.server}-provisioning"
          "app.kubernetes.io/component" = "provisioning"
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
          seccomp_profile {
            type = "RuntimeDefault"
          }
        }

        container {
          name    = "provision"
          image   = local.engines[each.value.engine].image
          command = local.engines[each.value.engine].provision.command

          env {
            name  = "DB_NAME"
            value = each.key
          }

          env {
            name = "DB_PASSWORD"
            value_from {
              secret_key_ref {
                name = kubernetes_secret_v1.database_password[each.key].metadata[0].name
                key  = "password"
              }
            }
          }

          env {
            name = "BACKUP_PASSWORD"
            value_from {
              secret_key_ref {
                name = kubernetes_secret_v1.backup_user[each.value.engine].metadata[0].name
                key  = "password"
              }
            }
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
            requests = { cpu = "50m", memory = "64Mi" }
            limits   = { memory = "128Mi" }
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
            name       = "provisioning"
            mount_path = "/provisioning"
            read_only  = true
          }

          volume_mount {
            name       = "tmp"
            mount_path = "/tmp"
          }
        }

        volume {
          name = "provisioning"
          config_map {
            name         = kubernetes_config_map_v1.provisioning[0].metadata[0].name
            default_mode = "0555"
          }
        }

        volume {
          name = "tmp"
          empty_dir {
            size_limit = "16Mi"
          }
        }
      }
    }
  }

  # The superuser Secret must exist before the Job's pod can start.
  depends_on = [kubernetes_secret_v1.superuser]

  lifecycle {
    replace_triggered_by = [random_password.database[each.key], terraform_data.backup_user_password[each.key]]
  }
}
