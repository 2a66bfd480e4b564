# The platform stack: what runs on the cluster, phase by phase (docs/rollout.md). It reads the
# cluster on every run (live.tf) and applies the infra layer, the data layer and the apps,
# each behind its toggle in var.components.

locals {
  # Where each app's database lives: PostgreSQL first, MariaDB only for WordPress.
  app_engines = {
    n8n       = "postgresql"
    nextcloud = "postgresql"
    mailu     = "postgresql"
    crm       = "postgresql"
    wordpress = "mariadb"
  }
}

# The infra layer: namespaces infra and data with their baselines; Traefik, cert-manager,
# external-dns, Velero, monitoring and logging behind var.components (modules/k8s-config).
module "k8s_config" {
  source = "../../../modules/k8s-config"

  root_domain  = var.root_domain
  chart_mirror = var.chart_mirror
  components = {
    traefik      = var.components.traefik
    cert_manager = var.components.cert_manager
    external_dns = var.components.dns
    velero       = var.components.velero
    monitoring   = var.components.monitoring
    logging      = var.components.logging
  }

  # Production's API server has kubelets and a scheduler: every release waits until ready and
  # runs its hooks, and the admission webhooks stay on.
  local_control_plane = false
  storage_class       = var.storage_class

  acme_email = var.acme_email
  # Sensitive: only from TF_VAR_external_dns_token; the module keeps it in a Secret in infra.
  digitalocean_token = var.external_dns_token
  # The load balancer connects from the VPC: the only source Traefik trusts PROXY headers from.
  ingress = { trusted_cidrs = [local.vpc_ip_range], load_balancer_name = "${var.name}-ingress", replicas = var.ingress_replicas }

  # Velero's bucket and scoped key come from the cluster stack's state (live.tf), never a file.
  velero_storage     = var.components.velero ? { bucket = local.spaces_keys.velero.bucket, region = var.region } : null
  velero_credentials = var.components.velero ? { access_key = local.spaces_keys.velero.access_key, secret_key = local.spaces_keys.velero.secret_key } : null
  # velero_backup_ttl_days is the one retention figure: the weekly backups keep it, and the
  # Velero bucket sweeps leftover metadata 15 days after it (cluster stack).
  velero_schedules = {
    daily  = { schedule = "30 2 * * *", ttl = "${min(7, var.velero_backup_ttl_days) * 24}h" }
    weekly = { schedule = "0 4 * * 0", ttl = "${var.velero_backup_ttl_days * 24}h" }
  }
  # Every app namespace, whether its app is on yet or not: an empty list would make Velero back
  # up every namespace, database volumes' namespace included.
  backup_namespaces = sort(keys(local.app_engines))

  # Whether a receiver is configured is no secret; the configuration itself stays marked.
  monitoring = nonsensitive(var.alertmanager_config == null) ? var.monitoring : merge(var.monitoring, { alertmanager_config = var.alertmanager_config })
  logging    = var.logging
}

# ---------------------------------------------------------------------------------------------
# The apps. Each module is instantiated from its database engine's phase on, so its namespace
# and database exist before the app starts (data migrated in and restore-tested first); its
# `enabled` input, from the app's toggle, gates the workloads. Certificates come from
# var.cluster_issuer, objects go to the app's own Spaces bucket and scoped key (live.tf).
# ---------------------------------------------------------------------------------------------
module "wordpress" {
  source = "../../../modules/wordpress"
  count  = var.components.mariadb ? 1 : 0

  enabled              = var.components.wordpress
  root_domain          = var.root_domain
  cluster_issuer       = var.cluster_issuer
  database_secret_name = module.data[0].connection_secrets["wordpress"].name

  # The media bucket and its key exist while components.wordpress is on (cluster stack); the
  # plugin is installed only from the release whose checksum the operator recorded.
  media_offload_enabled = local.wordpress_media_offload
  media_bucket          = local.wordpress_media_offload ? local.spaces_keys.wordpress_media.bucket : null
  media_region          = var.region
  media_access_key      = local.wordpress_media_offload ? local.spaces_keys.wordpress_media.access_key : null
  media_secret_key      = local.wordpress_media_offload ? local.spaces_keys.wordpress_media.secret_key : null
  s3_uploads_sha256     = local.wordpress_media_offload ? var.wordpress_s3_uploads_sha256 : null
}

module "n8n" {
  source = "../../../modules/n8n"
  count  = var.components.postgres ? 1 : 0

  enabled               = var.components.n8n
  root_domain           = var.root_domain
  cluster_issuer        = var.cluster_issuer
  database_secret_name  = module.data[0].connection_secrets["n8n"].name
  encryption_key_sha256 = var.n8n_encryption_key_sha256
}

module "crm" {
  source = "../../../modules/crm"
  count  = var.components.postgres ? 1 : 0

  enabled              = var.components.crm
  root_domain          = var.root_domain
  cluster_issuer       = var.cluster_issuer
  database_secret_name = module.data[0].connection_secrets["crm"].name
  # The cluster stack has no CRM bucket yet: Twenty's files stay on a retained volume.
  storage_type          = "local"
  encryption_key_sha256 = var.crm_encryption_key_sha256
}

module "nextcloud" {
  source = "../../../modules/nextcloud"
  count  = var.components.postgres ? 1 : 0

  enabled              = var.components.nextcloud
  root_domain          = var.root_domain
  cluster_issuer       = var.cluster_issuer
  chart_mirror         = var.chart_mirror
  database_secret_name = module.data[0].connection_secrets["nextcloud"].name
  # Nextcloud data moved in from an older major (docs/migration.md, phase 7) climbs from here.
  upgrade_from_version = var.nextcloud_upgrade_from_version
}

# Mailu's settings and DKIM key come from the cluster stack, which publishes the matching
# records in the zone (live.tf reads its encrypted state); its volume backups go to the
# mail-backups bucket with their own scoped key.
module "mailu" {
  source = "../../../modules/mailu"
  count  = var.components.postgres ? 1 : 0

  enabled                      = var.components.mailu
  root_domain                  = var.root_domain
  cluster_issuer               = var.cluster_issuer
  chart_mirror                 = var.chart_mirror
  mail                         = var.components.mailu ? local.mail.mailu : null
  dkim_private_key             = var.components.mailu ? local.mail.dkim_private_key : null
  database_secret_name         = module.data[0].connection_secrets["mailu"].name
  webmail_database_secret_name = module.data[0].connection_secrets["mailu_roundcube"].name
  postgres_host                = module.data[0].postgres_host
  relay_host                   = var.mail_relay_host
  relay_credentials            = var.mail_relay_credentials
  antivirus_enabled            = var.mail_antivirus_enabled

  backups_enabled    = var.components.mailu
  backup_bucket      = var.components.mailu ? local.spaces_keys.mail_backups.bucket : null
  backup_region      = var.region
  backup_credentials = var.components.mailu ? { access_key = local.spaces_keys.mail_backups.access_key, secret_key = local.spaces_keys.mail_backups.secret_key } : null
}

# The namespaces the stack prepared before the app modules existed belong to them now: moved,
# not recreated (a recreated namespace would take the connection Secrets in it along).
moved {
  from = module.app_namespace["wordpress"]
  to   = module.wordpress[0].module.namespace
}

moved {
  from = module.app_namespace["n8n"]
  to   = module.n8n[0].module.namespace
}

moved {
  from = module.app_namespace["crm"]
  to   = module.crm[0].module.namespace
}

moved {
  from = module.app_namespace["nextcloud"]
  to   = module.nextcloud[0].module.namespace
}

moved {
  from = module.app_namespace["mailu"]
  to   = module.mailu[0].module.namespace
}

locals {
  wordpress_media_offload = var.components.wordpress && var.wordpress_s3_uploads_sha256 != null
}

# The data layer: PostgreSQL and MariaDB with one database per app, nightly backups to the
# db-backups bucket with its own scoped key, weekly restore tests.
module "data" {
  source = "../../../modules/data"
  count  = var.components.postgres || var.components.mariadb ? 1 : 0

  namespace        = module.k8s_config.data_namespace
  postgres_enabled = var.components.postgres
  mariadb_enabled  = var.components.mariadb

  databases = merge(
    try(module.wordpress[0].database, {}),
    try(module.n8n[0].database, {}),
    try(module.crm[0].database, {}),
    try(module.nextcloud[0].database, {}),
    try(module.mailu[0].databases, {}),
  )
  # Each app module names the namespaces that read Valkey (n8n only in queue mode, the others
  # while enabled; Mailu has a Valkey of its own).
  valkey_consumer_namespaces = concat(
    try(module.n8n[0].valkey_consumer_namespaces, []),
    try(module.crm[0].valkey_consumer_namespaces, []),
    try(module.nextcloud[0].valkey_consumer_namespaces, []),
  )

  backup_bucket         = local.spaces_keys.db_backups.bucket
  backup_region         = var.region
  backup_access_key     = local.spaces_keys.db_backups.access_key
  backup_secret_key     = local.spaces_keys.db_backups.secret_key
  encryption_passphrase = var.backup_encryption_passphrase
}
