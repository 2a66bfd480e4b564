# n8n on the platform: the official image, one main instance (editor, API, webhooks and, by
# default, the executions) with its data folder on a retained block volume, PostgreSQL from the
# data layer. Queue mode adds worker pods and the data layer's Valkey.

locals {
  images = {
    n8n = "docker.io/n8nio/n8n:2.41.3"
  }

  name = "n8n"
  host = "${var.subdomain}.${var.root_domain}"
  url  = "https://${local.host}/"

  labels = {
    "app.kubernetes.io/name"       = local.name
    "app.kubernetes.io/part-of"    = "n8n"
    "app.kubernetes.io/managed-by" = "opentofu"
  }
  main_labels   = merge(local.labels, { "app.kubernetes.io/component" = "main" })
  worker_labels = merge(local.labels, { "app.kubernetes.io/component" = "worker" })

  # The image's node user.
  uid  = 1000
  port = 5678

  # The protected key's Secret (modules/app-key), named here so pods can read it while it exists.
  encryption_key = { secret_name = "n8n-encryption-key", env = "N8N_ENCRYPTION_KEY" }

  database_secret_name = coalesce(var.database_secret_name, "n8n-database")

  # Settings both the main instance and the workers read.
  common_env = merge(
    {
      DB_TYPE          = "postgresdb"
      GENERIC_TIMEZONE = var.timezone
      TZ               = var.timezone
      # Binary data of executions: on the volume with one instance; in PostgreSQL in queue mode,
      # where workers cannot share a ReadWriteOnce volume (n8n 2.x removed the in-memory mode).
      N8N_DEFAULT_BINARY_DATA_MODE          = var.queue_mode_enabled ? "database" : "filesystem"
      N8N_DIAGNOSTICS_ENABLED               = "false"
      N8N_VERSION_NOTIFICATIONS_ENABLED     = "false"
      N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS = "true"
    },
    var.queue_mode_enabled ? {
      EXECUTIONS_MODE = "queue"
      # Manual runs from the editor go to the workers as well, so the main pod stays small.
      OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS = "true"
    } : {},
  )

  # What only the main instance needs: its public addresses. n8n 2.35 renamed WEBHOOK_URL to
  # N8N_WEBHOOK_URL; this module pins a later release and uses the new name.
  main_env = {
    N8N_HOST            = local.host
    N8N_PORT            = tostring(local.port)
    N8N_PROTOCOL        = "https"
    N8N_EDITOR_BASE_URL = local.url
    N8N_WEBHOOK_URL     = local.url
    # Traefik is the one proxy in front: trust one hop of X-Forwarded-*.
    N8N_PROXY_HOPS = "1"
  }

  # Environment read from Secrets: the data layer's connection Secrets and the protected key.
  secret_env = merge(
    {
      DB_POSTGRESDB_HOST     = { secret = local.database_secret_name, key = "host" }
      DB_POSTGRESDB_PORT     = { secret = local.database_secret_name, key = "port" }
      DB_POSTGRESDB_DATABASE = { secret = local.database_secret_name, key = "database" }
      DB_POSTGRESDB_USER     = { secret = local.database_secret_name, key = "username" }
      DB_POSTGRESDB_PASSWORD = { secret = local.database_secret_name, key = "password" }
      N8N_ENCRYPTION_KEY     = { secret = local.encryption_key.secret_name, key = local.encryption_key.env }
    },
    var.queue_mode_enabled ? {
      QUEUE_BULL_REDIS_HOST     = { secret = var.valkey_secret_name, key = "host" }
      QUEUE_BULL_REDIS_PORT     = { secret = var.valkey_secret_name, key = "port" }
      QUEUE_BULL_REDIS_PASSWORD = { secret = var.valkey_secret_name, key = "password" }
    } : {},
  )
}

# The main instance and, in queue mode, the workers: one Deployment each, from one template.
locals {
  roles = merge(
    {
      main = {
        name     = local.name
        labels   = local.main_labels
        replicas = 1
        # The data volume is ReadWriteOnce and n8n runs one main instance: replace, never overlap.
        strategy = "Recreate"
        args     = []
        env      = merge(local.common_env, local.main_env)
        # Database migrations run before n8n listens: a major upgrade may take minutes.
        startup_failures = 120
        # Velero's file-system backup of the data volume (contract 5).
        annotations = { "backup.velero.io/backup-volumes" = "data" }
      }
    },
    var.queue_mode_enabled ? {
      worker = {
        name     = "${local.name}-worker"
        labels   = local.worker_labels
        replicas = var.worker_replicas
        # Workers keep nothing on disk (binary data is in PostgreSQL in queue mode), so they
        # scale and roll like any stateless pod.
        strategy = "RollingUpdate"
        args     = ["worker", "--concurrency=${var.worker_concurrency}"]
        # The worker's own /healthz and /healthz/readiness on the same port.
        env              = merge(local.common_env, { QUEUE_HEALTH_CHECK_ACTIVE = "true" })
        startup_failures = 60
        annotations      = {}
      }
    } : {},
  )
}

module "namespace" {
  source = "../namespace"

  name         = var.namespace
  root_domain  = var.root_domain
  pod_security = "restricted"
  purpose      = "n8n workflow automation: the main instance${var.queue_mode_enabled ? ", its workers" : ""} and its data volume."
}

module "edge" {
  source = "../app-edge"
  count  = var.enabled ? 1 : 0

  namespace           = module.namespace.name
  name                = local.name
  host                = local.host
  cluster_issuer      = var.cluster_issuer
  service_port        = local.port
  server_selector     = local.main_labels
  server_port         = local.port
  database_engine     = "postgresql"
  valkey              = var.queue_mode_enabled
  public_egress_ports = var.public_egress_ports
  labels              = local.labels
}

module "encryption_key" {
  source = "../app-key"
  count  = var.enabled ? 1 : 0

  namespace   = module.namespace.name
  secret_name = local.encryption_key.secret_name
  env_name    = local.encryption_key.env
  key         = var.encryption_key
  key_sha256  = var.encryption_key_sha256
  labels      = local.labels
}

resource "kubernetes_persistent_volume_claim_v1" "data" {
  count = var.enabled ? 1 : 0

  metadata {
    name      = "n8n-data"
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

  wait_until_bound = false
}
