# The CRM: Twenty (PostgreSQL-native, open source), its server and its worker from the official
# image at one pinned version, PostgreSQL and Valkey from the data layer, and files on Spaces or
# on a retained block volume.

locals {
  images = {
    twenty = "docker.io/twentycrm/twenty:v2.42.6"
  }

  name = "twenty"
  host = "${var.subdomain}.${var.root_domain}"

  labels = {
    "app.kubernetes.io/name"       = local.name
    "app.kubernetes.io/part-of"    = "crm"
    "app.kubernetes.io/managed-by" = "opentofu"
  }
  server_labels = merge(local.labels, { "app.kubernetes.io/component" = "server" })
  worker_labels = merge(local.labels, { "app.kubernetes.io/component" = "worker" })

  # The image's USER.
  uid  = 1000
  port = 3000

  local_storage = var.storage_type == "local"
  # Where the image's server package resolves STORAGE_LOCAL_PATH (.local-storage, the default).
  local_storage_path = "/app/packages/twenty-server/.local-storage"

  # The protected key's Secret (modules/app-key), named here so pods can read it while it exists.
  encryption_key = { secret_name = "twenty-encryption-key", env = "ENCRYPTION_KEY" }

  database_secret_name = coalesce(var.database_secret_name, "crm-database")
  files_endpoint       = coalesce(var.files_endpoint, "https://${var.files_region}.digitaloceanspaces.com")

  # What the server and the worker both read.
  common_env = merge(
    {
      SERVER_URL   = "https://${local.host}"
      STORAGE_TYPE = var.storage_type
    },
    local.local_storage ? {} : {
      STORAGE_S3_NAME     = var.files_bucket
      STORAGE_S3_REGION   = var.files_region
      STORAGE_S3_ENDPOINT = local.files_endpoint
    },
  )
  secret_env = merge(
    {
      PG_DATABASE_URL = { secret = local.database_secret_name, key = "url" }
      REDIS_URL       = { secret = var.valkey_secret_name, key = "url" }
      ENCRYPTION_KEY  = { secret = local.encryption_key.secret_name, key = local.encryption_key.env }
    },
    local.local_storage ? {} : {
      STORAGE_S3_ACCESS_KEY_ID     = { secret = "twenty-files", key = "access-key-id" }
      STORAGE_S3_SECRET_ACCESS_KEY = { secret = "twenty-files", key = "secret-access-key" }
    },
  )
}

# The server and the worker: one Deployment each, from one template.
locals {
  roles = {
    server = {
      labels = local.server_labels
      # The server runs the database migrations at start (image entrypoint): never two at once.
      strategy = "Recreate"
      command  = null
      env      = merge(local.common_env, { NODE_PORT = tostring(local.port) })
      # Velero's file-system backup of the file volume (contract 5), when files are local.
      annotations = local.local_storage ? { "backup.velero.io/backup-volumes" = "files" } : {}
      resources   = { requests = { cpu = "200m", memory = "512Mi" }, limits = { memory = "1536Mi" } }
      # Probes on /healthz; the worker serves no HTTP and upstream gives it no health endpoint.
      probed = true
      # A ReadWriteOnce volume attaches to one node: with local files the worker follows the server.
      follow_server = false
    }
    worker = {
      labels = local.worker_labels
      # With local files the worker shares the server's ReadWriteOnce volume: replace, never overlap.
      strategy = local.local_storage ? "Recreate" : "RollingUpdate"
      command  = ["yarn", "worker:prod"]
      # The server runs the migrations; two runners would race.
      env           = merge(local.common_env, { DISABLE_DB_MIGRATIONS = "true" })
      annotations   = {}
      resources     = { requests = { cpu = "100m", memory = "384Mi" }, limits = { memory = "1Gi" } }
      probed        = false
      follow_server = local.local_storage
    }
  }
}

module "namespace" {
  source = "../namespace"

  name         = var.namespace
  root_domain  = var.root_domain
  pod_security = "restricted"
  purpose      = "The CRM (Twenty): its server and worker${local.local_storage ? " and file volume" : ""}."
}

module "edge" {
  source = "../app-edge"
  count  = var.enabled ? 1 : 0

  namespace           = module.namespace.name
  name                = local.name
  host                = local.host
  cluster_issuer      = var.cluster_issuer
  service_port        = local.port
  server_selector     = local.server_labels
  server_port         = local.port
  database_engine     = "postgresql"
  valkey              = true
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

resource "kubernetes_secret_v1" "files" {
  count = var.enabled && !local.local_storage ? 1 : 0

  metadata {
    name      = "twenty-files"
    namespace = module.namespace.name
    labels    = local.labels
  }

  data = {
    access-key-id     = var.files_access_key
    secret-access-key = var.files_secret_key
  }
}

resource "kubernetes_persistent_volume_claim_v1" "files" {
  count = var.enabled && local.local_storage ? 1 : 0

  metadata {
    name      = "twenty-files"
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
