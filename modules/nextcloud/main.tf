# Nextcloud on the platform, from its official chart: the fpm-alpine image with the chart's
# nginx in front (which serves the /.well-known/caldav and carddav redirects CalDAV and CardDAV
# clients need), PostgreSQL and Valkey from the data layer, code and user data on two retained
# block volumes this module owns, background jobs as a CronJob, and Traefik as the one trusted
# proxy. Every Bitnami subchart the chart bundles stays off.

locals {
  images = {
    nextcloud = "docker.io/library/nextcloud:34.0.1-fpm-alpine"
    nginx     = "docker.io/library/nginx:1.30.5@sha256:e9f347c65f318767714e8b0eccfd6b558d00fb92630791fb6cd901fcdf7f6fdd"
  }
  # The pinned release, unless an upgrade walks through older majors first.
  version = coalesce(var.nextcloud_version, regex(":([0-9.]+)-", local.images.nextcloud)[0])
  image   = var.nextcloud_version == null ? local.images.nextcloud : "docker.io/library/nextcloud:${var.nextcloud_version}-fpm-alpine"

  # The chart this module is written against (versions.json, charts.nextcloud).
  chart = {
    repository = "https://nextcloud.github.io/helm"
    chart      = "nextcloud"
    version    = "9.2.4"
  }

  name = "nextcloud"
  host = "${var.subdomain}.${var.root_domain}"
  url  = "https://${local.host}"

  labels = {
    "app.kubernetes.io/part-of"    = "nextcloud"
    "app.kubernetes.io/managed-by" = "opentofu"
  }
  # The chart's selector labels of the web pod (release name = chart name).
  app_selector = { "app.kubernetes.io/name" = "nextcloud", "app.kubernetes.io/instance" = local.name, "app.kubernetes.io/component" = "app" }

  # www-data in the alpine images; nginx's own user in the nginx image.
  www_data_uid = 82
  nginx_uid    = 101
  # nginx listens unprivileged, so neither container needs root.
  http_port = 8080

  database_secret_name   = coalesce(var.database_secret_name, "nextcloud-database")
  admin_credentials_name = "nextcloud-admin"
  s3_credentials_name    = "nextcloud-external-storage"

  claims = {
    app  = { name = "nextcloud-app", size = var.app_storage_size }
    data = { name = "nextcloud-data", size = var.data_storage_size }
  }
}

module "chart" {
  source = "../chart-source"

  chart  = local.chart
  mirror = var.chart_mirror
}

module "namespace" {
  source = "../namespace"

  name        = var.namespace
  root_domain = var.root_domain
  # Nextcloud and nginx run as fixed non-root users; the chart sets no seccomp profile, which
  # restricted would require.
  pod_security = "baseline"
  purpose      = "Nextcloud files, calendars and contacts: the web pod, its background-job CronJob and two data volumes."
}

resource "random_password" "admin" {
  length  = 32
  special = false
}

# The chart reads the administrator from here (nextcloud.existingSecret). Nextcloud uses it once,
# at the first install; afterwards the account lives in the database.
resource "kubernetes_secret_v1" "admin" {
  count = var.enabled ? 1 : 0

  metadata {
    name      = local.admin_credentials_name
    namespace = module.namespace.name
    labels    = local.labels
  }

  data = {
    "nextcloud-username" = var.admin_username
    "nextcloud-password" = random_password.admin.result
  }
}

resource "kubernetes_secret_v1" "external_storage" {
  count = var.enabled && var.s3_external_storage != null ? 1 : 0

  metadata {
    name      = local.s3_credentials_name
    namespace = module.namespace.name
    labels    = local.labels
  }

  data = {
    "access-key" = var.s3_external_storage_credentials.access_key
    "secret-key" = var.s3_external_storage_credentials.secret_key
  }
}

# The volumes belong to this module, not to the chart: uninstalling the release never takes
# a claim with it, and the retain class keeps the DigitalOcean volume even if a claim goes.
# They stay while the app is off: a migration copies the old files in before it starts.
resource "kubernetes_persistent_volume_claim_v1" "this" {
  for_each = local.claims

  metadata {
    name      = each.value.name
    namespace = module.namespace.name
    labels    = merge(local.labels, { "app.kubernetes.io/component" = each.key })
  }

  spec {
    access_modes       = ["ReadWriteOnce"]
    storage_class_name = var.storage_class_name
    resources {
      requests = { storage = each.value.size }
    }
  }

  wait_until_bound = false
}
