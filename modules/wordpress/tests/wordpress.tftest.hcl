# What the WordPress module must render, and the inputs it must refuse at plan time. Mocked
# providers: these runs need no cluster (environments/local applies the real thing).
mock_provider "kubernetes" {}
mock_provider "random" {}

variables {
  root_domain          = "example.org"
  database_secret_name = "wordpress-database"
}

run "serves_the_site_at_a_subdomain_of_root_domain" {
  command = plan

  assert {
    condition     = output.host == "www.example.org" && output.url == "https://www.example.org"
    error_message = "The host is <subdomain>.<root_domain>, served over https."
  }

  assert {
    condition     = output.database == { wordpress = { engine = "mariadb", namespace = "wordpress" } }
    error_message = "WordPress asks the data layer for a MariaDB database in its own namespace."
  }
}

run "runs_php_fpm_and_nginx_from_pinned_official_images_in_one_restricted_pod" {
  command = plan

  assert {
    condition     = [for c in kubernetes_deployment_v1.wordpress[0].spec[0].template[0].spec[0].container : c.image] == [output.images.wordpress, output.images.nginx]
    error_message = "One pod: php-fpm (official wordpress fpm image) and nginx (official image)."
  }

  assert {
    condition     = alltrue([for image in values(output.images) : can(regex("^docker\\.io/library/[a-z]+:[0-9][^@]*@sha256:[0-9a-f]{64}$", image))])
    error_message = "Both images are official, pinned by exact tag and by digest."
  }

  assert {
    condition     = kubernetes_deployment_v1.wordpress[0].spec[0].replicas == "1" && kubernetes_deployment_v1.wordpress[0].spec[0].strategy[0].type == "Recreate"
    error_message = "The ReadWriteOnce wp-content volume forces one replica and the Recreate strategy."
  }

  assert {
    condition = alltrue([for c in kubernetes_deployment_v1.wordpress[0].spec[0].template[0].spec[0].container :
      c.security_context[0].run_as_non_root == true && c.security_context[0].allow_privilege_escalation == false &&
      c.security_context[0].read_only_root_filesystem == true && c.security_context[0].capabilities[0].drop == tolist(["ALL"]) &&
      c.resources[0].requests["cpu"] != null && c.resources[0].limits["memory"] != null
    ]) && kubernetes_deployment_v1.wordpress[0].spec[0].template[0].spec[0].security_context[0].seccomp_profile[0].type == "RuntimeDefault"
    error_message = "Restricted Pod Security: non-root, no escalation, no capabilities, RuntimeDefault seccomp; read-only root; requests and a memory limit."
  }

  assert {
    condition = alltrue([for c in kubernetes_deployment_v1.wordpress[0].spec[0].template[0].spec[0].container :
    length(c.startup_probe) == 1 && length(c.liveness_probe) == 1]) && kubernetes_deployment_v1.wordpress[0].spec[0].template[0].spec[0].container[1].readiness_probe[0].http_get[0].path == "/fpm-ping"
    error_message = "Startup and liveness probes on both containers; readiness on php-fpm's ping through nginx."
  }

  assert {
    condition     = kubernetes_deployment_v1.wordpress[0].spec[0].template[0].metadata[0].annotations["backup.velero.io/backup-volumes"] == "wp-content"
    error_message = "The pod carries Velero's file-system backup annotation for wp-content."
  }

  assert {
    condition     = module.namespace.labels["pod-security.kubernetes.io/enforce"] == "restricted"
    error_message = "The namespace enforces restricted Pod Security."
  }
}

run "keeps_wp_content_on_a_retained_block_volume" {
  command = plan

  assert {
    condition = (kubernetes_persistent_volume_claim_v1.wp_content[0].spec[0].storage_class_name == "do-block-storage-retain" &&
      kubernetes_persistent_volume_claim_v1.wp_content[0].spec[0].access_modes == toset(["ReadWriteOnce"]) &&
    kubernetes_persistent_volume_claim_v1.wp_content[0].spec[0].resources[0].requests["storage"] == "5Gi")
    error_message = "wp-content: ReadWriteOnce on do-block-storage-retain, 5Gi by default."
  }
}

run "configures_https_behind_traefik_and_wp_cron_from_a_cronjob" {
  command = plan

  assert {
    condition = alltrue([for line in ["define('FORCE_SSL_ADMIN', true);", "define('DISABLE_WP_CRON', true);", "define('WP_HOME', 'https://' . getenv('WORDPRESS_PUBLIC_HOST'));"] :
    strcontains(one([for e in kubernetes_deployment_v1.wordpress[0].spec[0].template[0].spec[0].container[0].env : e.value if e.name == "WORDPRESS_CONFIG_EXTRA"]), line)])
    error_message = "wp-config forces SSL for the admin, takes its home URL from the derived host and leaves WP-Cron to the CronJob."
  }

  assert {
    condition     = strcontains(kubernetes_config_map_v1.config[0].data["nginx.conf"], "fastcgi_param HTTPS $forwarded_https;") && strcontains(kubernetes_config_map_v1.config[0].data["nginx.conf"], "real_ip_header X-Forwarded-For;")
    error_message = "nginx passes Traefik's X-Forwarded-Proto and client address on to PHP."
  }

  assert {
    condition     = kubernetes_cron_job_v1.wp_cron[0].spec[0].schedule == "*/5 * * * *" && strcontains(join(" ", kubernetes_cron_job_v1.wp_cron[0].spec[0].job_template[0].spec[0].template[0].spec[0].container[0].command), "Host: www.example.org")
    error_message = "A CronJob calls wp-cron.php every five minutes as the public host."
  }
}

run "sets_one_upload_limit_in_nginx_and_php" {
  command = plan

  variables {
    upload_max_mb = 128
  }

  assert {
    condition = (strcontains(kubernetes_config_map_v1.config[0].data["nginx.conf"], "client_max_body_size 128m;") &&
      strcontains(kubernetes_config_map_v1.config[0].data["platform.ini"], "upload_max_filesize = 128M") &&
    strcontains(kubernetes_config_map_v1.config[0].data["platform.ini"], "post_max_size = 128M"))
    error_message = "nginx's client_max_body_size, PHP's upload_max_filesize and post_max_size all come from upload_max_mb."
  }
}

run "offloads_media_to_spaces_through_s3_uploads_when_enabled" {
  command = plan

  variables {
    media_offload_enabled = true
    media_bucket          = "acme-media"
    media_access_key      = "test-access-key-id"
    media_secret_key      = "test-secret-access-key"
    s3_uploads_sha256     = "0000000000000000000000000000000000000000000000000000000000000000"
  }

  assert {
    condition     = kubernetes_deployment_v1.wordpress[0].spec[0].template[0].spec[0].init_container[0].name == "install-s3-uploads" && kubernetes_deployment_v1.wordpress[0].spec[0].template[0].spec[0].init_container[0].env[0].value == "3.0.11"
    error_message = "An init container installs S3 Uploads at the pinned release before WordPress starts."
  }

  assert {
    condition     = one([for e in kubernetes_deployment_v1.wordpress[0].spec[0].template[0].spec[0].container[0].env : e.value if e.name == "S3_UPLOADS_ENDPOINT"]) == "https://fra1.digitaloceanspaces.com"
    error_message = "The custom endpoint is Spaces in the bucket's region."
  }

  assert {
    condition     = length(kubernetes_secret_v1.media) == 1
    error_message = "The Spaces key pair is in its own Secret."
  }
}

run "installs_no_plugin_while_offload_is_off" {
  command = plan

  assert {
    condition     = length(kubernetes_deployment_v1.wordpress[0].spec[0].template[0].spec[0].init_container) == 0 && length(kubernetes_secret_v1.media) == 0
    error_message = "Offload off: no plugin install, no Spaces credentials."
  }
}

run "rejects_a_subdomain_with_a_trailing_dot" {
  command = plan

  variables {
    subdomain = "www."
  }

  expect_failures = [var.subdomain]
}

run "rejects_an_empty_subdomain" {
  command = plan

  variables {
    subdomain = ""
  }

  expect_failures = [var.subdomain]
}

run "rejects_a_subdomain_with_a_scheme" {
  command = plan

  variables {
    subdomain = "https://www"
  }

  expect_failures = [var.subdomain]
}

run "rejects_an_upper_case_root_domain" {
  command = plan

  variables {
    root_domain = "Example.org"
  }

  expect_failures = [var.root_domain]
}

run "rejects_an_unknown_cluster_issuer" {
  command = plan

  variables {
    cluster_issuer = "letsencrypt"
  }

  expect_failures = [var.cluster_issuer]
}

run "rejects_a_storage_class_that_deletes_the_volume" {
  command = plan

  variables {
    storage_class_name = "do-block-storage"
  }

  expect_failures = [var.storage_class_name]
}

run "rejects_a_data_namespace" {
  command = plan

  variables {
    namespace = "data"
  }

  expect_failures = [var.namespace]
}

run "rejects_offload_without_a_bucket" {
  command = plan

  variables {
    media_offload_enabled = true
    media_access_key      = "k"
    media_secret_key      = "s"
    s3_uploads_sha256     = "0000000000000000000000000000000000000000000000000000000000000000"
  }

  expect_failures = [var.media_bucket]
}

run "rejects_offload_without_the_plugin_checksum" {
  command = plan

  variables {
    media_offload_enabled = true
    media_bucket          = "acme-media"
    media_access_key      = "k"
    media_secret_key      = "s"
  }

  expect_failures = [var.s3_uploads_sha256]
}

run "rejects_offload_without_keys" {
  command = plan

  variables {
    media_offload_enabled = true
    media_bucket          = "acme-media"
    s3_uploads_sha256     = "0000000000000000000000000000000000000000000000000000000000000000"
  }

  expect_failures = [var.media_access_key, var.media_secret_key]
}

run "rejects_a_plugin_version_range" {
  command = plan

  variables {
    s3_uploads_version = "^3.0"
  }

  expect_failures = [var.s3_uploads_version]
}

run "rejects_an_upload_limit_of_zero" {
  command = plan

  variables {
    upload_max_mb = 0
  }

  expect_failures = [var.upload_max_mb]
}

run "keeps_only_the_namespace_while_disabled" {
  command = plan

  variables {
    enabled = false
  }

  assert {
    condition     = length(kubernetes_deployment_v1.wordpress) == 0 && length(kubernetes_persistent_volume_claim_v1.wp_content) == 0 && length(kubernetes_cron_job_v1.wp_cron) == 0 && output.url == null
    error_message = "Disabled: no workload, volume, CronJob or Ingress."
  }

  assert {
    condition     = output.namespace == "wordpress" && output.database == { wordpress = { engine = "mariadb", namespace = "wordpress" } }
    error_message = "Disabled: the namespace and the database request stay, so data can be migrated in first."
  }
}
