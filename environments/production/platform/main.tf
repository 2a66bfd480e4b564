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

  # An app's namespace and database exist from its engine's phase on, so its data can be
  # migrated in and restore-tested before the app itself starts (docs/rollout.md, phases 2-3).
  prepared_apps = {
    for app, engine in local.app_engines : app => engine
    if engine == "postgresql" ? var.components.postgres : var.components.mariadb
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

locals {
  wordpress_media_offload = var.components.wordpress && var.wordpress_s3_uploads_sha256 != null

  # Apps whose module has no `enabled` input yet: their slot holds the namespace the module
  # will create, exactly as the module will (modules/namespace), so their data can be
  # migrated in first. nextcloud (phase 7); mailu (phase 8, backups local.spaces_keys.mail_backups).
  slot_apps = { for app, engine in local.prepared_apps : app => engine if contains(["nextcloud", "mailu"], app) }
}

module "app_namespace" {
  source   = "../../../modules/namespace"
  for_each = local.slot_apps

  name        = each.key
  root_domain = var.root_domain
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
    { for app, engine in local.slot_apps : app => { engine = engine, namespace = module.app_namespace[app].name } },
    try(module.wordpress[0].database, {}),
    try(module.n8n[0].database, {}),
    try(module.crm[0].database, {}),
  )
  # Each app module names the namespaces that read Valkey (n8n only in queue mode).
  valkey_consumer_namespaces = concat(
    [for namespace in module.app_namespace : namespace.name],
    try(module.n8n[0].valkey_consumer_namespaces, []),
    try(module.crm[0].valkey_consumer_namespaces, []),
  )

  backup_bucket         = local.spaces_keys.db_backups.bucket
  backup_region         = var.region
  backup_access_key     = local.spaces_keys.db_backups.access_key
  backup_secret_key     = local.spaces_keys.db_backups.secret_key
  encryption_passphrase = var.backup_encryption_passphrase
}
