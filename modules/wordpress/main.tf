# WordPress on the platform: the official php-fpm image and the official nginx image in one pod,
# serving the same document root. WordPress core comes from the image into an emptyDir on every
# start (so an image bump is the core upgrade); wp-content (themes, plugins, media unless
# offloaded) lives on a retained block volume. The database is the data layer's MariaDB.

locals {
  images = {
    wordpress = "docker.io/library/wordpress:7.1.2-php8.4-fpm@sha256:9877e88de18f40a22bf26e2ce5f0f75544d8f8fc51c1945e84ee14e5aafa2c58"
    nginx     = "docker.io/library/nginx:1.30.5@sha256:e9f347c65f318767714e8b0eccfd6b558d00fb92630791fb6cd901fcdf7f6fdd"
  }

  name = "wordpress"
  host = "${var.subdomain}.${var.root_domain}"

  labels = {
    "app.kubernetes.io/name"       = local.name
    "app.kubernetes.io/part-of"    = "wordpress"
    "app.kubernetes.io/managed-by" = "opentofu"
  }
  server_labels = merge(local.labels, { "app.kubernetes.io/component" = "server" })
  cron_labels   = merge(local.labels, { "app.kubernetes.io/component" = "cron" })

  # The official images' users: www-data (33) runs php-fpm, nginx (101) runs nginx.
  www_data_uid = 33
  nginx_uid    = 101

  http_port   = 8080
  health_port = 8081

  database_secret_name = coalesce(var.database_secret_name, "wordpress-database")

  media_endpoint = coalesce(var.media_endpoint, "https://${var.media_region}.digitaloceanspaces.com")

  # The docker image evaluates WORDPRESS_CONFIG_EXTRA in wp-config.php. Values come from the
  # environment, so no secret and no host is written into the config text.
  config_extra = join("\n", concat([
    "define('WP_HOME', 'https://' . getenv('WORDPRESS_PUBLIC_HOST'));",
    "define('WP_SITEURL', 'https://' . getenv('WORDPRESS_PUBLIC_HOST'));",
    "define('FORCE_SSL_ADMIN', true);",
    # The CronJob runs WP-Cron; page loads never do.
    "define('DISABLE_WP_CRON', true);",
    # Core files come from the image on every start; an in-place core update would not survive one.
    "define('WP_AUTO_UPDATE_CORE', false);",
    "define('WP_MEMORY_LIMIT', '${var.php_memory_limit_mb}M');",
    ], var.media_offload_enabled ? [
    "define('S3_UPLOADS_BUCKET', getenv('S3_UPLOADS_BUCKET'));",
    "define('S3_UPLOADS_REGION', getenv('S3_UPLOADS_REGION'));",
    "define('S3_UPLOADS_KEY', getenv('S3_UPLOADS_KEY'));",
    "define('S3_UPLOADS_SECRET', getenv('S3_UPLOADS_SECRET'));",
    "define('S3_UPLOADS_BUCKET_URL', 'https://' . getenv('S3_UPLOADS_BUCKET') . '.' . parse_url(getenv('S3_UPLOADS_ENDPOINT'), PHP_URL_HOST));",
    "define('S3_UPLOADS_AUTOENABLE', true);",
  ] : []))

  # Salts and keys: losing them only logs everyone out, so a replacement is an inconvenience,
  # not data loss (see README).
  salt_names = ["AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT", "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT"]

  config_files = {
    "nginx.conf"            = templatefile("${path.module}/config/nginx.conf.tftpl", { upload_max_mb = var.upload_max_mb, http_port = local.http_port, health_port = local.health_port })
    "platform.ini"          = templatefile("${path.module}/config/php.ini.tftpl", { upload_max_mb = var.upload_max_mb, memory_limit_mb = var.php_memory_limit_mb })
    "zz-platform.conf"      = file("${path.module}/config/fpm-pool.conf")
    "install-s3-uploads.sh" = file("${path.module}/config/install-s3-uploads.sh")
    "s3-uploads-loader.php" = file("${path.module}/config/s3-uploads-loader.php")
  }
  config_sha = substr(sha256(jsonencode(local.config_files)), 0, 16)

  restricted_container = {
    allow_privilege_escalation = false
    read_only_root_filesystem  = true
  }
}

module "namespace" {
  source = "../namespace"

  name         = var.namespace
  root_domain  = var.root_domain
  pod_security = "restricted"
  purpose      = "WordPress (php-fpm and nginx), its wp-content volume and WP-Cron."
}

module "edge" {
  source = "../app-edge"
  count  = var.enabled ? 1 : 0

  namespace       = module.namespace.name
  name            = local.name
  host            = local.host
  cluster_issuer  = var.cluster_issuer
  service_port    = local.http_port
  server_selector = local.server_labels
  server_port     = local.http_port
  database_engine = "mariadb"
  # Spaces (media offload) and, at pod start, the S3 Uploads release download; WordPress's own
  # update checks and pingbacks use it too. Without offload the site needs no outbound HTTPS to
  # work, but plugin and theme installs from wp-admin do.
  public_egress_ports = [443]
  egress_selector     = local.server_labels
  labels              = local.labels
}

resource "random_password" "salt" {
  for_each = var.enabled ? toset(local.salt_names) : toset([])

  length  = 64
  special = false
}

resource "kubernetes_secret_v1" "keys" {
  count = var.enabled ? 1 : 0

  metadata {
    name      = "wordpress-keys"
    namespace = module.namespace.name
    labels    = local.labels
  }

  data = { for name in local.salt_names : "WORDPRESS_${name}" => random_password.salt[name].result }
}

resource "kubernetes_secret_v1" "media" {
  count = var.enabled && var.media_offload_enabled ? 1 : 0

  metadata {
    name      = "wordpress-media"
    namespace = module.namespace.name
    labels    = local.labels
  }

  data = {
    S3_UPLOADS_KEY    = var.media_access_key
    S3_UPLOADS_SECRET = var.media_secret_key
  }
}

resource "kubernetes_config_map_v1" "config" {
  count = var.enabled ? 1 : 0

  metadata {
    name      = "wordpress-config"
    namespace = module.namespace.name
    labels    = local.labels
  }

  data = local.config_files
}

resource "kubernetes_persistent_volume_claim_v1" "wp_content" {
  count = var.enabled ? 1 : 0

  metadata {
    name      = "wp-content"
    namespace = module.namespace.name
    labels    = local.labels
  }

  spec {
    access_modes       = ["ReadWriteOnce"]
    storage_class_name = var.storage_class_name
    resources {
      requests = { storage = var.storage_size }
    }
  }

  # DigitalOcean binds on first use, and the local control plane has no provisioner.
  wait_until_bound = false
}
