# The database servers: one StatefulSet per enabled engine, on a block volume.

# Alphanumeric only: the passwords end up in URLs, option files and SQL literals, where every
# special character is a quoting bug waiting to happen; 32 characters keep ~190 bits.
resource "random_password" "superuser" {
  for_each = local.enabled_engines

  length  = 32
  special = false
}

resource "kubernetes_secret_v1" "superuser" {
  for_each = local.enabled_engines

  metadata {
    name      = local.superuser_secrets[each.key]
    namespace = var.namespace
    labels = merge(local.common_labels, {
      "app.kubernetes.io/name"      = each.value.server
      "app.kubernetes.io/component" = "database"
    })
  }

  data = {
    username = each.value.superuser
    password = random_password.superuser[each.key].result
  }
}

# The backup user (platform_backup): the provisioning Jobs create it with read-only rights on
# every app database, and the dump steps log in as it.
resource "random_password" "backup_user" {
  for_each = local.enabled_engines

  length  = 32
  special = false
}

resource "kubernetes_secret_v1" "backup_user" {
  for_each = local.enabled_engines

  metadata {
    name      = local.backup_user_secrets[each.key]
    namespace = var.namespace
    labels = merge(local.common_labels, {
      "app.kubernetes.io/name"      = "backup"
      "app.kubernetes.io/component" = "backup"
    })
  }

  data = {
    username = local.backup_user
    password = random_password.backup_user[each.key].result
  }
}

resource "kubernetes_service_v1" "server" {
  for_each = local.enabled_engines

  metadata {
    name      = each.value.server
    namespace = var.namespace
    labels = merge(local.common_labels, {
      "app.kubernetes.io/name"      = each.value.server
      "app.kubernetes.io/component" = "database"
    })
  }

  spec {
    type = "ClusterIP"
    selector = {
      "app.kubernetes.io/name"      = each.value.server
      "app.kubernetes.io/component" = "database"
    }
    port {
      name        = each.value.port_name
      port        = each.value.port
      target_port = each.value.port_name
      protocol    = "TCP"
    }
  }
}

resource "kubernetes_stateful_set_v1" "server" {
  for_each = local.enabled_engines

  metadata {
    name      = each.value.server
    namespace = var.namespace
    labels = merge(local.common_labels, {
      "app.kubernetes.io/name"      = each.value.server
      "app.kubernetes.io/component" = "database"
      # How the policies (stateful-backed-up, layering, postgres-first) know a database server.
      "platform/database-engine" = each.key
    })
  }

  # No kubelet on the local control plane: a rollout would never finish.
  wait_for_rollout = false

  spec {
    # One instance: a small organisation's load, with nightly backups as the recovery path.
    replicas     = 1
    service_name = kubernetes_service_v1.server[each.key].metadata[0].name

    selector {
      match_labels = {
        "app.kubernetes.io/name"      = each.value.server
        "app.kubernetes.io/component" = "database"
      }
    }

    # Deleting or scaling the StatefulSet must never take the volume with it.
    persistent_volume_claim_retention_policy {
      when_deleted = "Retain"
      when_scaled  = "Retain"
    }

    template {
      metadata {
        labels = merge(local.common_labels, {
          "app.kubernetes.io/name"      = each.value.server
          "app.kubernetes.io/component" = "database"
        })
      }

      spec {
        automount_service_account_token = false
        # Service links would inject MARIADB_PORT=tcp://... into every pod of the namespace,
        # which collides with the MARIADB_* variables the scripts read.
        enable_service_links             = false
        termination_grace_period_seconds = 60

        security_context {
          run_as_non_root = true
          run_as_user     = local.database_uid
          run_as_group    = local.database_uid
          # Makes the fresh block volume writable by the database user.
          fs_group               = local.database_uid
          fs_group_change_policy = "OnRootMismatch"
          seccomp_profile {
            type = "RuntimeDefault"
          }
        }

        container {
          name  = each.value.server
          image = each.value.image
          args  = each.value.args

          port {
            name           = each.value.port_name
            container_port = each.value.port
            protocol       = "TCP"
          }

          dynamic "env" {
            for_each = each.value.server_env
            content {
              name  = env.key
              value = env.value
            }
          }

          # The images apply the superuser password at first initialisation only: rotating it
          # means ALTER USER on the server as well as replacing random_password.superuser.
          dynamic "env" {
            for_each = each.value.server_secret_env
            content {
              name = env.key
              value_from {
                secret_key_ref {
                  name = kubernetes_secret_v1.superuser[each.key].metadata[0].name
                  key  = env.value.key
                }
              }
            }
          }

          resources {
            requests = each.value.resources.requests
            limits   = each.value.resources.limits
          }

          # The first start runs initdb / mariadb-install-db: give it five minutes before
          # liveness may restart the container.
          startup_probe {
            exec {
              command = each.value.probe
            }
            period_seconds    = 10
            timeout_seconds   = 5
            failure_threshold = 30
          }

          readiness_probe {
            exec {
              command = each.value.probe
            }
            period_seconds    = 10
            timeout_seconds   = 5
            failure_threshold = 3
          }

          liveness_probe {
            exec {
              command = each.value.probe
            }
            period_seconds    = 20
            timeout_seconds   = 5
            failure_threshold = 6
          }

          # The root filesystem stays writable: the official entrypoints write under /run and
          # /tmp at start, and Pod Security "restricted" does not require a read-only root.
          security_context {
            run_as_non_root            = true
            run_as_user                = local.database_uid
            allow_privilege_escalation = false
            privileged                 = false
            capabilities {
              drop = ["ALL"]
            }
            seccomp_profile {
              type = "RuntimeDefault"
            }
          }

          volume_mount {
            name       = "data"
            mount_path = each.value.data_path
            sub_path   = each.value.data_sub_path
          }
        }
      }
    }

    volume_claim_template {
      metadata {
        name = "data"
        labels = merge(local.common_labels, {
          "app.kubernetes.io/name"      = each.value.server
          "app.kubernetes.io/component" = "database"
        })
      }
      spec {
        storage_class_name = var.storage_class_name
        # A block volume attaches to one node at a time.
        access_modes = ["ReadWriteOnce"]
        resources {
          requests = {
            storage = each.value.storage_size
          }
        }
      }
    }
  }
}
