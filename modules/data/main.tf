# The data layer: one PostgreSQL and one MariaDB server on block storage, a Valkey cache, the
# apps' databases with their connection Secrets, nightly backups to Spaces and weekly proof that
# they restore. Everything runs in the data namespace, which enforces Pod Security "restricted".
#
# Nothing here waits for a pod: the local control plane the harness plans against has no
# kubelet, so rollouts and Jobs are left to the cluster (wait_for_rollout / wait_for_completion
# are off everywhere).

locals {
  # The database images are held to the lines the scripts are tested with (versions.json
  # debianRoot: PostgreSQL 17, MariaDB 11.8 LTS) by test/unit/image-pins.test.ts. Tags verified in
  # docker-library/official-images (library/postgres: 17.11 on trixie; library/mariadb: 11.8.8 on
  # noble).
  images = {
    postgres = "postgres:17.11"
    mariadb  = "mariadb:11.8.8"
    valkey   = "valkey/valkey:8.1.3"
    rclone   = "rclone/rclone:1.71.0"
  }

  common_labels = {
    "app.kubernetes.io/part-of"    = "platform-data"
    "app.kubernetes.io/managed-by" = "opentofu"
  }

  # The official images run their database as uid/gid 999; the rclone image runs as root unless
  # told otherwise, so its containers use nobody.
  database_uid = 999
  rclone_uid   = 65534

  superuser_secrets = { postgresql = "postgres-superuser", mariadb = "mariadb-root" }
  # The backup user's credentials per engine: what the dump steps use, never the superuser's.
  backup_user_secrets     = { postgresql = "postgres-backup", mariadb = "mariadb-backup" }
  backup_user             = "platform_backup"
  backup_credentials_name = "backup-credentials"
  bucket                  = var.backup_bucket == null ? "" : var.backup_bucket

  # Per-engine settings, keyed by the engine name the databases input and the labels use.
  # Server names double as Service names, so hosts are stable: postgres.<ns>, mariadb.<ns>.
  engines = {
    postgresql = {
      enabled      = var.postgres_enabled
      server       = "postgres"
      image        = local.images.postgres
      port         = 5432
      port_name    = "postgresql"
      url_scheme   = "postgresql"
      storage_size = var.postgres_storage_size
      data_path    = "/var/lib/postgresql/data"
      # The volume's root: PGDATA below names the subfolder initdb fills.
      data_sub_path = null
      superuser     = "postgres"
      # Sized for a small node: 128MB of shared buffers and the default connection limit.
      args = ["-c", "shared_buffers=128MB", "-c", "max_connections=100"]
      # initdb refuses a non-empty directory, and an ext4 volume's root holds lost+found.
      server_env = { PGDATA = "/var/lib/postgresql/data/pgdata", POSTGRES_USER = "postgres" }
      server_secret_env = {
        POSTGRES_PASSWORD = { secret = local.superuser_secrets.postgresql, key = "password" }
      }
      probe     = ["pg_isready", "--quiet", "--host=127.0.0.1", "--port=5432", "--username=postgres", "--dbname=postgres"]
      resources = { requests = { cpu = "100m", memory = "256Mi" }, limits = { memory = "512Mi" } }
      # libpq's variables, which the provisioning SQL, pg-dump.sh and an in-place
      # pg-restore-check.sh expect: as the superuser, or as the backup user for dumps.
      client_env = {
        PGHOST     = "postgres.${var.namespace}.svc.cluster.local"
        PGPORT     = "5432"
        PGUSER     = "postgres"
        PGDATABASE = "postgres"
      }
      client_secret_env = {
        PGPASSWORD = { secret = local.superuser_secrets.postgresql, key = "password" }
      }
      backup_env = { PGUSER = local.backup_user }
      backup_secret_env = {
        PGPASSWORD = { secret = local.backup_user_secrets.postgresql, key = "password" }
      }
      dump_script    = "/scripts/pg-dump.sh"
      restore_script = "/scripts/pg-restore-check.sh"
      provision = {
        file    = "postgresql.sql"
        command = ["/bin/sh", "-c", "until pg_isready --quiet --timeout=5; do sleep 2; done; exec psql --no-psqlrc --quiet --file=/provisioning/postgresql.sql"]
      }
    }
    mariadb = {
      enabled      = var.mariadb_enabled
      server       = "mariadb"
      image        = local.images.mariadb
      port         = 3306
      port_name    = "mysql"
      url_scheme   = "mysql"
      storage_size = var.mariadb_storage_size
      data_path    = "/var/lib/mysql"
      # A subfolder of the volume: at its root, ext4's lost+found would show up as a database.
      data_sub_path = "data"
      superuser     = "root"
      # Sized for a small node: the buffer pool is most of MariaDB's memory.
      args       = ["--innodb-buffer-pool-size=128M", "--max-connections=100"]
      server_env = {}
      server_secret_env = {
        MARIADB_ROOT_PASSWORD = { secret = local.superuser_secrets.mariadb, key = "password" }
      }
      # Shipped in the official image; uses the healthcheck user the entrypoint creates at init.
      probe     = ["healthcheck.sh", "--connect", "--innodb_initialized"]
      resources = { requests = { cpu = "100m", memory = "256Mi" }, limits = { memory = "512Mi" } }
      # What the provisioning script, mariadb-dump.sh and an in-place mariadb-restore-check.sh
      # expect: as root, or as the backup user for dumps.
      client_env = {
        MARIADB_HOST = "mariadb.${var.namespace}.svc.cluster.local"
        MARIADB_PORT = "3306"
        MARIADB_USER = "root"
      }
      client_secret_env = {
        MARIADB_PASSWORD = { secret = local.superuser_secrets.mariadb, key = "password" }
      }
      backup_env = { MARIADB_USER = local.backup_user }
      backup_secret_env = {
        MARIADB_PASSWORD = { secret = local.backup_user_secrets.mariadb, key = "password" }
      }
      dump_script    = "/scripts/mariadb-dump.sh"
      restore_script = "/scripts/mariadb-restore-check.sh"
      provision = {
        file    = "mariadb.sh"
        command = ["/bin/bash", "/provisioning/mariadb.sh"]
      }
    }
  }
  enabled_engines = { for engine, settings in local.engines : engine => settings if settings.enabled }

  # The variable's validation refuses databases of a disabled engine; the filter keeps plans
  # valid while a phase is being switched on or off.
  databases = { for name, db in var.databases : name => merge(db, {
    # Database names may hold '_', which Kubernetes names may not.
    k8s_name = replace(name, "_", "-")
    server   = local.engines[db.engine].server
  }) if contains(keys(local.enabled_engines), db.engine) }

  backed_up = var.backups_enabled ? local.databases : {}

  # Object-store settings for rclone, passed as env (RCLONE_CONFIG_<REMOTE>_<OPTION>) so no
  # config file holds the key. "backups" is the bucket; "encrypted" wraps it in a crypt remote.
  backup_endpoint = coalesce(var.backup_endpoint, "https://${var.backup_region}.digitaloceanspaces.com")
  encrypted       = nonsensitive(var.encryption_passphrase != null)
  rclone_env = merge(
    {
      RCLONE_CONFIG_BACKUPS_TYPE     = "s3"
      RCLONE_CONFIG_BACKUPS_PROVIDER = "DigitalOcean"
      RCLONE_CONFIG_BACKUPS_ENDPOINT = local.backup_endpoint
      RCLONE_CONFIG_BACKUPS_REGION   = var.backup_region
      # A key limited to the bucket may not list or create buckets.
      RCLONE_CONFIG_BACKUPS_NO_CHECK_BUCKET = "true"
    },
    local.encrypted ? {
      RCLONE_CONFIG_ENCRYPTED_TYPE   = "crypt"
      RCLONE_CONFIG_ENCRYPTED_REMOTE = "backups:${local.bucket}"
    } : {},
  )
  rclone_secret_env = merge(
    {
      RCLONE_CONFIG_BACKUPS_ACCESS_KEY_ID     = { secret = local.backup_credentials_name, key = "access-key-id" }
      RCLONE_CONFIG_BACKUPS_SECRET_ACCESS_KEY = { secret = local.backup_credentials_name, key = "secret-access-key" }
    },
    local.encrypted ? {
      RCLONE_CONFIG_ENCRYPTED_PASSWORD = { secret = local.backup_credentials_name, key = "crypt-password" }
    } : {},
  )
  # The stateful-backed-up policy reads these two as literals to see that the dump reaches Spaces.
  spaces_env = {
    S3_BUCKET   = local.bucket
    S3_ENDPOINT = local.backup_endpoint
  }
  backup_remote = { for name, db in local.backed_up : name => (
    local.encrypted ? "encrypted:${db.engine}/${name}" : "backups:${local.bucket}/${db.engine}/${name}"
  ) }

  # The egress port of the object store: an explicit port in the endpoint, else the scheme's.
  object_store_port = tonumber(try(regex(":([0-9]+)/?$", local.backup_endpoint)[0], startswith(local.backup_endpoint, "http://") ? "80" : "443"))
}

# The backup and restore scripts (see their headers for the env they expect), mounted read-only
# and executable at /scripts in every backup and restore-test pod.
resource "kubernetes_config_map_v1" "scripts" {
  count = length(local.backed_up) > 0 ? 1 : 0

  metadata {
    name      = "backup-scripts"
    namespace = var.namespace
    labels = merge(local.common_labels, {
      "app.kubernetes.io/name"      = "backup-scripts"
      "app.kubernetes.io/component" = "backup"
    })
  }

  data = { for f in fileset("${path.module}/scripts", "*.sh") : f => file("${path.module}/scripts/${f}") }
}
