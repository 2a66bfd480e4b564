resource "kubernetes_deployment_v1" "wordpress" {
  count = var.enabled ? 1 : 0

  metadata {
    name      = local.name
    namespace = module.namespace.name
    labels    = local.server_labels
  }

  # No kubelet on the local control plane: a rollout would never finish.
  wait_for_rollout = false

  spec {
    # wp-content is a ReadWriteOnce volume: one pod, replaced rather than overlapped.
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
        annotations = {
          # Velero's file-system backup of the wp-content volume (contract 5).
          "backup.velero.io/backup-volumes" = "wp-content"
          # subPath mounts do not follow ConfigMap edits: a new config rolls the pod.
          "platform/config-sha" = local.config_sha
        }
      }

      spec {
        automount_service_account_token = false
        enable_service_links            = false

        security_context {
          run_as_non_root = true
          run_as_user     = local.www_data_uid
          run_as_group    = local.www_data_uid
          # The volume's files belong to www-data's group, so php-fpm can write and nginx read.
          fs_group = local.www_data_uid
          seccomp_profile {
            type = "RuntimeDefault"
          }
        }

        dynamic "init_container" {
          for_each = var.media_offload_enabled ? [1] : []
          content {
            name    = "install-s3-uploads"
            image   = local.images.wordpress
            command = ["/bin/sh", "/config/install-s3-uploads.sh"]

            env {
              name  = "S3_UPLOADS_VERSION"
              value = var.s3_uploads_version
            }
            env {
              name  = "S3_UPLOADS_SHA256"
              value = var.s3_uploads_sha256
            }

            resources {
              requests = { cpu = "50m", memory = "64Mi" }
              limits   = { memory = "256Mi" }
            }

            security_context {
              run_as_non_root            = true
              run_as_user                = local.www_data_uid
              allow_privilege_escalation = local.restricted_container.allow_privilege_escalation
              read_only_root_filesystem  = local.restricted_container.read_only_root_filesystem
              capabilities {
                drop = ["ALL"]
              }
            }

            volume_mount {
              name       = "config"
              mount_path = "/config"
              read_only  = true
            }
            volume_mount {
              name       = "mu-plugins"
              mount_path = "/mu-plugins"
            }
            volume_mount {
              name       = "php-tmp"
              mount_path = "/tmp"
            }
          }
        }

        container {
          name  = "php"
          image = local.images.wordpress

          port {
            name           = "fastcgi"
            container_port = 9000
            protocol       = "TCP"
          }

          env {
            name = "WORDPRESS_DB_HOST"
            value_from {
              secret_key_ref {
                name = local.database_secret_name
                key  = "host"
              }
            }
          }
          env {
            name = "WORDPRESS_DB_NAME"
            value_from {
              secret_key_ref {
                name = local.database_secret_name
                key  = "database"
              }
            }
          }
          env {
            name = "WORDPRESS_DB_USER"
            value_from {
              secret_key_ref {
                name = local.database_secret_name
                key  = "username"
              }
            }
          }
          env {
            name = "WORDPRESS_DB_PASSWORD"
            value_from {
              secret_key_ref {
                name = local.database_secret_name
                key  = "password"
              }
            }
          }
          env {
            name  = "WORDPRESS_PUBLIC_HOST"
            value = local.host
          }
          env {
            name  = "WORDPRESS_CONFIG_EXTRA"
            value = local.config_extra
          }

          dynamic "env" {
            for_each = var.media_offload_enabled ? {
              S3_UPLOADS_BUCKET   = var.media_bucket
              S3_UPLOADS_REGION   = var.media_region
              S3_UPLOADS_ENDPOINT = local.media_endpoint
            } : {}
            content {
              name  = env.key
              value = env.value
            }
          }

          # The eight salts and keys, and with offload the Spaces key pair.
          env_from {
            secret_ref {
              name = kubernetes_secret_v1.keys[0].metadata[0].name
            }
          }
          dynamic "env_from" {
            for_each = var.media_offload_enabled ? [kubernetes_secret_v1.media[0].metadata[0].name] : []
            content {
              secret_ref {
                name = env_from.value
              }
            }
          }

          resources {
            requests = { cpu = "100m", memory = "192Mi" }
            limits   = { memory = "${max(512, var.php_memory_limit_mb * 2)}Mi" }
          }

          # The entrypoint copies WordPress core into the emptyDir before php-fpm listens.
          startup_probe {
            tcp_socket {
              port = "fastcgi"
            }
            period_seconds    = 5
            failure_threshold = 60
          }
          liveness_probe {
            tcp_socket {
              port = "fastcgi"
            }
            period_seconds    = 20
            timeout_seconds   = 5
            failure_threshold = 3
          }

          security_context {
            run_as_non_root            = true
            run_as_user                = local.www_data_uid
            allow_privilege_escalation = local.restricted_container.allow_privilege_escalation
            read_only_root_filesystem  = local.restricted_container.read_only_root_filesystem
            capabilities {
              drop = ["ALL"]
            }
          }

          volume_mount {
            name       = "html"
            mount_path = "/var/www/html"
          }
          volume_mount {
            name       = "wp-content"
            mount_path = "/var/www/html/wp-content"
            # The volume's root holds ext4's lost+found; wp-content is a folder inside it.
            sub_path = "wp-content"
          }
          dynamic "volume_mount" {
            for_each = var.media_offload_enabled ? [1] : []
            content {
              name       = "mu-plugins"
              mount_path = "/var/www/html/wp-content/mu-plugins"
              read_only  = true
            }
          }
          volume_mount {
            name       = "config"
            mount_path = "/usr/local/etc/php/conf.d/zz-platform.ini"
            sub_path   = "platform.ini"
            read_only  = true
          }
          volume_mount {
            name       = "config"
            mount_path = "/usr/local/etc/php-fpm.d/zz-platform.conf"
            sub_path   = "zz-platform.conf"
            read_only  = true
          }
          volume_mount {
            name       = "php-tmp"
            mount_path = "/tmp"
          }
        }

        container {
          name  = "nginx"
          image = local.images.nginx

          port {
            name           = "http"
            container_port = local.http_port
            protocol       = "TCP"
          }
          port {
            name           = "health"
            container_port = local.health_port
            protocol       = "TCP"
          }

          resources {
            requests = { cpu = "20m", memory = "32Mi" }
            limits   = { memory = "128Mi" }
          }

          startup_probe {
            http_get {
              path = "/healthz"
              port = "health"
            }
            period_seconds    = 2
            failure_threshold = 30
          }
          liveness_probe {
            http_get {
              path = "/healthz"
              port = "health"
            }
            period_seconds    = 20
            timeout_seconds   = 3
            failure_threshold = 3
          }
          # Ready only while php-fpm answers its ping through nginx: the whole serving path.
          readiness_probe {
            http_get {
              path = "/fpm-ping"
              port = "health"
            }
            period_seconds    = 10
            timeout_seconds   = 5
            failure_threshold = 3
          }

          security_context {
            run_as_non_root            = true
            run_as_user                = local.nginx_uid
            run_as_group               = local.nginx_uid
            allow_privilege_escalation = local.restricted_container.allow_privilege_escalation
            read_only_root_filesystem  = local.restricted_container.read_only_root_filesystem
            capabilities {
              drop = ["ALL"]
            }
          }

          volume_mount {
            name       = "html"
            mount_path = "/var/www/html"
            read_only  = true
          }
          volume_mount {
            name       = "wp-content"
            mount_path = "/var/www/html/wp-content"
            sub_path   = "wp-content"
            read_only  = true
          }
          dynamic "volume_mount" {
            for_each = var.media_offload_enabled ? [1] : []
            content {
              name       = "mu-plugins"
              mount_path = "/var/www/html/wp-content/mu-plugins"
              read_only  = true
            }
          }
          volume_mount {
            name       = "config"
            mount_path = "/etc/nginx/nginx.conf"
            sub_path   = "nginx.conf"
            read_only  = true
          }
          volume_mount {
            name       = "nginx-tmp"
            mount_path = "/tmp"
          }
        }

        volume {
          name = "html"
          empty_dir {
            size_limit = "512Mi"
          }
        }
        volume {
          name = "wp-content"
          persistent_volume_claim {
            claim_name = kubernetes_persistent_volume_claim_v1.wp_content[0].metadata[0].name
          }
        }
        dynamic "volume" {
          for_each = var.media_offload_enabled ? [1] : []
          content {
            name = "mu-plugins"
            empty_dir {
              size_limit = "256Mi"
            }
          }
        }
        volume {
          name = "config"
          config_map {
            name         = kubernetes_config_map_v1.config[0].metadata[0].name
            default_mode = "0444"
          }
        }
        volume {
          name = "php-tmp"
          empty_dir {
            size_limit = "${var.upload_max_mb * 2 + 64}Mi"
          }
        }
        volume {
          name = "nginx-tmp"
          empty_dir {
            size_limit = "${var.upload_max_mb * 2 + 64}Mi"
          }
        }
      }
    }
  }
}
