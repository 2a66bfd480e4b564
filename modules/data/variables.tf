variable "namespace" {
  description = "The data layer's namespace (created by modules/k8s-config; pass its data_namespace output so this module waits for it). Every server, job and backup runs here."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.namespace)) && !contains(["default", "kube-system", "kube-public", "kube-node-lease"], var.namespace)
    error_message = "namespace must be a DNS label (lower case, digits, '-', at most 63 characters) and not default or a kube-* namespace."
  }
}

variable "storage_class_name" {
  description = "StorageClass of the database volumes. The -retain classes keep the DigitalOcean volume when a claim is deleted by mistake."
  type        = string
  default     = "do-block-storage-retain"

  validation {
    condition     = can(regex("^do-block-storage(-[a-z0-9]+)*$", var.storage_class_name))
    error_message = "storage_class_name must be a DigitalOcean block storage class (do-block-storage, do-block-storage-retain, do-block-storage-xfs, do-block-storage-xfs-retain): database state lives on block volumes only."
  }
}

# ---------------------------------------------------------------------------------------------
# Engines. Each can be switched off on its own because the platform rolls out in steps
# (PostgreSQL is step 2, MariaDB step 3).
# ---------------------------------------------------------------------------------------------

variable "postgres_enabled" {
  description = "Run the PostgreSQL server (StatefulSet and Service postgres) with its databases, backups and restore tests."
  type        = bool
  default     = true
}

variable "postgres_storage_size" {
  description = "Size of PostgreSQL's block volume, e.g. 10Gi. DigitalOcean volumes can grow later, never shrink."
  type        = string
  default     = "10Gi"

  validation {
    condition     = can(regex("^[1-9][0-9]{0,4}Gi$", var.postgres_storage_size))
    error_message = "postgres_storage_size must be a whole number of GiB such as 10Gi (DigitalOcean volumes are sized in GiB, 1Gi to 16384Gi)."
  }
}

variable "mariadb_enabled" {
  description = "Run the MariaDB server (StatefulSet and Service mariadb) with its databases, backups and restore tests. Only apps allowlisted by the postgres-first policy may ask for MariaDB."
  type        = bool
  default     = true
}

variable "mariadb_storage_size" {
  description = "Size of MariaDB's block volume, e.g. 10Gi. DigitalOcean volumes can grow later, never shrink."
  type        = string
  default     = "10Gi"

  validation {
    condition     = can(regex("^[1-9][0-9]{0,4}Gi$", var.mariadb_storage_size))
    error_message = "mariadb_storage_size must be a whole number of GiB such as 10Gi (DigitalOcean volumes are sized in GiB, 1Gi to 16384Gi)."
  }
}

variable "valkey_enabled" {
  description = "Run the Valkey cache (Deployment and Service valkey). It keeps nothing on disk: it is a cache, and apps must survive it starting empty."
  type        = bool
  default     = true
}

variable "valkey_consumer_namespaces" {
  description = "App namespaces allowed to reach Valkey on 6379; each gets a valkey-connection Secret with host, port, password and URL."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for ns in var.valkey_consumer_namespaces : can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", ns)) && !contains(["default", "kube-system", "kube-public", "kube-node-lease"], ns)])
    error_message = "valkey_consumer_namespaces must hold DNS labels of app namespaces (not default or kube-*)."
  }
}

# ---------------------------------------------------------------------------------------------
# Databases apps ask for.
# ---------------------------------------------------------------------------------------------

variable "databases" {
  description = <<-EOT
    The apps' databases, keyed by database name (also the name of its user and the value of the
    connection Secret's platform/database-owner label). engine is postgresql or mariadb;
    namespace is the app's namespace, where the connection Secret <name>-database is written
    (the app module creates that namespace). Names are lower case, start with a letter, and
    use letters, digits and '_' (at most 32 characters).
  EOT
  type = map(object({
    engine    = string
    namespace = string
  }))
  default = {}

  validation {
    condition     = alltrue([for name, db in var.databases : contains(["postgresql", "mariadb"], db.engine)])
    error_message = "databases: engine must be postgresql or mariadb; not so for ${join(", ", [for name, db in var.databases : "${name} (engine = \"${db.engine}\")" if !contains(["postgresql", "mariadb"], db.engine)])}."
  }

  validation {
    # The name is a SQL identifier, a user name and, with '_' as '-', part of Kubernetes names.
    condition     = alltrue([for name, db in var.databases : can(regex("^[a-z]([a-z0-9_]{0,30}[a-z0-9])?$", name))])
    error_message = "databases: keys must be identifiers (a lower-case letter, then letters, digits or '_', not ending in '_', at most 32 characters); not so for ${join(", ", [for name, db in var.databases : "\"${name}\"" if !can(regex("^[a-z]([a-z0-9_]{0,30}[a-z0-9])?$", name))])}."
  }

  validation {
    # The servers' own databases and users, the backup user, and the names in-place restores
    # work under (<name>__restoring, <name>__previous_*).
    condition     = alltrue([for name, db in var.databases : !contains(["postgres", "template0", "template1", "mysql", "root", "sys", "information_schema", "performance_schema", "public", "platform_backup"], name) && !startswith(name, "pg_") && !startswith(name, "restore_check") && !strcontains(name, "__")])
    error_message = "databases: ${join(", ", [for name, db in var.databases : "\"${name}\"" if contains(["postgres", "template0", "template1", "mysql", "root", "sys", "information_schema", "performance_schema", "public", "platform_backup"], name) || startswith(name, "pg_") || startswith(name, "restore_check") || strcontains(name, "__")])} is reserved (system databases and users, platform_backup, pg_*, restore_check*, or a name with \"__\", which in-place restores use); pick the app's name."
  }

  validation {
    condition     = alltrue([for name, db in var.databases : can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", db.namespace)) && !contains(["default", "kube-system", "kube-public", "kube-node-lease"], db.namespace)])
    error_message = "databases: namespace must be the app's namespace, a DNS label (not default or kube-*); not so for ${join(", ", [for name, db in var.databases : name if !(can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", db.namespace)) && !contains(["default", "kube-system", "kube-public", "kube-node-lease"], db.namespace))])}."
  }

  validation {
    condition     = alltrue([for name, db in var.databases : (db.engine != "postgresql" || var.postgres_enabled) && (db.engine != "mariadb" || var.mariadb_enabled)])
    error_message = "databases: ${join(", ", [for name, db in var.databases : name if(db.engine == "postgresql" && !var.postgres_enabled) || (db.engine == "mariadb" && !var.mariadb_enabled)])} asks for an engine that is switched off (postgres_enabled / mariadb_enabled); enable it or remove the database."
  }
}

# ---------------------------------------------------------------------------------------------
# Backups to Spaces and restore tests.
# ---------------------------------------------------------------------------------------------

variable "backups_enabled" {
  description = "Back up every database to Spaces and restore-test it. Leave on: the stateful-backed-up policy fails the gate for a database without both CronJobs."
  type        = bool
  default     = true
}

variable "backup_bucket" {
  description = "Spaces bucket the dumps go to, under <engine>/<database>/. Created outside this module, with a lifecycle rule that expires old backups (retention is the bucket's job)."
  type        = string
  default     = null

  validation {
    condition     = var.backup_bucket == null ? !var.backups_enabled : can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.backup_bucket)) && strcontains(var.backup_bucket, "backup")
    error_message = "backup_bucket is required while backups_enabled is true, and must be a Spaces bucket name (3 to 63 lower-case letters, digits and '-', starting and ending with a letter or digit, no dots) containing \"backup\", so the stateful-backed-up policy knows it as a backup target and requires its expiry rule."
  }
}

variable "backup_region" {
  description = "DigitalOcean region of the backup bucket (fra1, ams3, nyc3, ...); also the S3 signing region."
  type        = string
  default     = "fra1"

  validation {
    condition     = can(regex("^[a-z]{3}[0-9]$", var.backup_region))
    error_message = "backup_region must be a DigitalOcean region slug such as fra1 or nyc3."
  }
}

variable "backup_endpoint" {
  description = "S3 endpoint of the bucket. Null means Spaces in backup_region (https://<region>.digitaloceanspaces.com). Only a loopback endpoint (a test object store) may use plain http."
  type        = string
  default     = null

  validation {
    condition     = var.backup_endpoint == null || ((can(regex("^https://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?/?$", var.backup_endpoint)) || can(regex("^http://(localhost|127\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}|\\[::1\\])(:[0-9]{1,5})?/?$", var.backup_endpoint))) && try(tonumber(regex(":([0-9]+)/?$", coalesce(var.backup_endpoint, "-"))[0]) >= 1 && tonumber(regex(":([0-9]+)/?$", coalesce(var.backup_endpoint, "-"))[0]) <= 65535, true))
    error_message = "backup_endpoint must be an https:// URL with no path and a port (if any) from 1 to 65535 (e.g. https://fra1.digitaloceanspaces.com); plain http:// is accepted only for a loopback test endpoint (localhost, 127.0.0.0/8, [::1])."
  }
}

variable "backup_access_key" {
  description = "Spaces access key id for the backup bucket (a key limited to that bucket). Stored in the backup-credentials Secret; set it from the CI secret store (TF_VAR_backup_access_key)."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = !var.backups_enabled || try(length(var.backup_access_key) > 0, false)
    error_message = "backup_access_key is required while backups_enabled is true."
  }
}

variable "backup_secret_key" {
  description = "Spaces secret key matching backup_access_key. Stored in the backup-credentials Secret; set it from the CI secret store (TF_VAR_backup_secret_key)."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = !var.backups_enabled || try(length(var.backup_secret_key) > 0, false)
    error_message = "backup_secret_key is required while backups_enabled is true."
  }
}

variable "encryption_passphrase" {
  description = <<-EOT
    When set, backups are encrypted client-side by an rclone crypt remote before they reach
    Spaces. rclone reads crypt passwords only in its obscured form, and obscuring needs rclone,
    so pass the output of `rclone obscure '<passphrase>'`, not the passphrase itself. Keep the
    passphrase itself in the password manager: without it no backup can be read. Null: no
    client-side encryption (Spaces still encrypts at rest).
  EOT
  type        = string
  default     = null
  sensitive   = true

  validation {
    # rclone obscure prints URL-safe base64 of a 16-byte IV and the ciphertext: at least 22 characters.
    condition     = var.encryption_passphrase == null || can(regex("^[A-Za-z0-9_-]{22,}$", var.encryption_passphrase))
    error_message = "encryption_passphrase must be non-empty and in rclone's obscured form (the output of `rclone obscure`: URL-safe base64, at least 22 characters), or null for no client-side encryption."
  }
}

variable "backup_schedule" {
  description = "Cron schedule (UTC) of the nightly backups."
  type        = string
  default     = "15 3 * * *"

  validation {
    condition     = can(regex("^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|[0-9*,/-]+ [0-9*,/-]+ [0-9*,/?LW-]+ [0-9A-Za-z*,/-]+ [0-9A-Za-z*,/?L#-]+)$", var.backup_schedule))
    error_message = "backup_schedule must be a five-field cron expression (minute hour day-of-month month day-of-week, e.g. \"15 3 * * *\") or a macro such as @daily."
  }
}

variable "restore_test_schedule" {
  description = "Cron schedule (UTC) of the restore tests; the default runs weekly, after that night's backup."
  type        = string
  default     = "45 4 * * 0"

  validation {
    condition     = can(regex("^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|[0-9*,/-]+ [0-9*,/-]+ [0-9*,/?LW-]+ [0-9A-Za-z*,/-]+ [0-9A-Za-z*,/?L#-]+)$", var.restore_test_schedule))
    error_message = "restore_test_schedule must be a five-field cron expression (minute hour day-of-month month day-of-week, e.g. \"45 4 * * 0\") or a macro such as @weekly."
  }
}

variable "backup_scratch_size" {
  description = "Size limit of the scratch volume (on the node's disk, never the database's volume) of backup and restore-test pods: the dump, and for a restore test the throwaway server it restores into. Allow about three times the largest database; a pod that outgrows it is evicted and the Job fails."
  type        = string
  default     = "20Gi"

  validation {
    condition     = can(regex("^[1-9][0-9]{0,4}Gi$", var.backup_scratch_size))
    error_message = "backup_scratch_size must be a whole number of GiB such as 20Gi."
  }
}
