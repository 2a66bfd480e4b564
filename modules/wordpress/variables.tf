variable "root_domain" {
  description = "The platform's root domain; the site is served at <subdomain>.<root_domain>."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.root_domain)) && length(var.root_domain) <= 253
    error_message = "root_domain must be a lower-case DNS name of at most 253 characters such as example.org: no scheme, no trailing dot, no wildcard."
  }
}

variable "enabled" {
  description = "Run the app. false: only its namespace exists (with the database the data layer provisions there), so data can be migrated in and restore-tested before the app starts; the platform stack's component toggle sets it."
  type        = bool
  default     = true
}

variable "subdomain" {
  description = "Label(s) in front of root_domain for the site, e.g. www or blog. The apex belongs to the DNS stack, not to an Ingress."
  type        = string
  default     = "www"

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$", var.subdomain))
    error_message = "subdomain must be one or more lower-case DNS labels such as www or blog.eu: no dots at either end, no scheme, no wildcard, not empty."
  }
}

variable "cluster_issuer" {
  description = "cert-manager ClusterIssuer for the site's certificate: letsencrypt-staging while testing, letsencrypt-production once DNS points at the cluster."
  type        = string
  default     = "letsencrypt-staging"

  validation {
    condition     = contains(["letsencrypt-staging", "letsencrypt-production"], var.cluster_issuer)
    error_message = "cluster_issuer must be letsencrypt-staging or letsencrypt-production (the ClusterIssuers the platform stack installs)."
  }
}

variable "namespace" {
  description = "The app's namespace, created by this module through modules/namespace."
  type        = string
  default     = "wordpress"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.namespace)) && !contains(["default", "kube-system", "kube-public", "kube-node-lease", "infra", "data"], var.namespace)
    error_message = "namespace must be a DNS label and the app's own namespace: not default, kube-*, infra or data."
  }
}

variable "database_secret_name" {
  description = "Name of the connection Secret the data layer writes into the namespace for the wordpress database (modules/data output connection_secrets[\"wordpress\"].name). Null: the data layer's naming, wordpress-database."
  type        = string
  default     = null

  validation {
    condition     = var.database_secret_name == null || can(regex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", var.database_secret_name))
    error_message = "database_secret_name must be a Kubernetes Secret name (lower case, digits, '-' and '.')."
  }
}

variable "storage_class_name" {
  description = "StorageClass of the wp-content volume; a -retain class keeps the DigitalOcean volume if the claim is deleted by mistake."
  type        = string
  default     = "do-block-storage-retain"

  validation {
    condition     = contains(["do-block-storage-retain", "do-block-storage-xfs-retain"], var.storage_class_name)
    error_message = "storage_class_name must be do-block-storage-retain or do-block-storage-xfs-retain: app state lives on retained block volumes."
  }
}

variable "storage_size" {
  description = "Size of the wp-content volume (themes, plugins, and media unless they are offloaded to Spaces). DigitalOcean volumes grow, never shrink."
  type        = string
  default     = "5Gi"

  validation {
    condition     = can(regex("^[1-9][0-9]{0,4}Gi$", var.storage_size))
    error_message = "storage_size must be a whole number of GiB such as 5Gi."
  }
}

variable "upload_max_mb" {
  description = "Largest upload in MiB. nginx's client_max_body_size and PHP's upload_max_filesize and post_max_size are all set from it, so no layer refuses what another accepts."
  type        = number
  default     = 64

  validation {
    condition     = var.upload_max_mb >= 1 && var.upload_max_mb <= 1024 && floor(var.upload_max_mb) == var.upload_max_mb
    error_message = "upload_max_mb must be a whole number of MiB from 1 to 1024."
  }
}

variable "php_memory_limit_mb" {
  description = "PHP's memory_limit in MiB (WP_MEMORY_LIMIT too). The php container's memory limit is sized from it."
  type        = number
  default     = 256

  validation {
    condition     = var.php_memory_limit_mb >= 64 && var.php_memory_limit_mb <= 2048 && floor(var.php_memory_limit_mb) == var.php_memory_limit_mb
    error_message = "php_memory_limit_mb must be a whole number of MiB from 64 to 2048."
  }
}

variable "cron_schedule" {
  description = "How often the CronJob runs WP-Cron (UTC cron expression); page loads never do."
  type        = string
  default     = "*/5 * * * *"

  validation {
    condition     = can(regex("^(@(hourly|daily)|[0-9*,/-]+ [0-9*,/-]+ [0-9*,/?LW-]+ [0-9A-Za-z*,/-]+ [0-9A-Za-z*,/?L#-]+)$", var.cron_schedule))
    error_message = "cron_schedule must be a five-field cron expression such as \"*/5 * * * *\", @hourly or @daily."
  }
}

# ---------------------------------------------------------------------------------------------
# Media offload to Spaces through S3 Uploads (humanmade/S3-Uploads).
# ---------------------------------------------------------------------------------------------

variable "media_offload_enabled" {
  description = "Store the media library on Spaces through the S3 Uploads plugin (installed as a must-use plugin at the pinned version, no clicks). Off: media stay on the wp-content volume."
  type        = bool
  default     = false
}

variable "media_bucket" {
  description = "Spaces bucket for the media library (created outside this module, public-read objects). Required while media_offload_enabled."
  type        = string
  default     = null

  validation {
    condition     = var.media_bucket == null ? !var.media_offload_enabled : can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.media_bucket))
    error_message = "media_bucket is required while media_offload_enabled is true, and must be a Spaces bucket name (3 to 63 lower-case letters, digits and '-', no dots)."
  }
}

variable "media_region" {
  description = "DigitalOcean region of the media bucket (fra1, ams3, nyc3, ...); also the S3 signing region."
  type        = string
  default     = "fra1"

  validation {
    condition     = can(regex("^[a-z]{3}[0-9]$", var.media_region))
    error_message = "media_region must be a DigitalOcean region slug such as fra1 or nyc3."
  }
}

variable "media_endpoint" {
  description = "S3 endpoint of the media bucket (S3 Uploads' custom-endpoint filter). Null: Spaces in media_region."
  type        = string
  default     = null

  validation {
    condition     = var.media_endpoint == null || (can(regex("^https://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?/?$", var.media_endpoint)) && try(tonumber(regex(":([0-9]+)/?$", coalesce(var.media_endpoint, "-"))[0]) >= 1 && tonumber(regex(":([0-9]+)/?$", coalesce(var.media_endpoint, "-"))[0]) <= 65535, true))
    error_message = "media_endpoint must be an https:// URL with no path and a port (if any) from 1 to 65535, e.g. https://fra1.digitaloceanspaces.com."
  }
}

variable "media_access_key" {
  description = "Spaces access key id for the media bucket (a key limited to that bucket). Set it from the CI secret store (TF_VAR_...)."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = !var.media_offload_enabled || try(length(var.media_access_key) > 0, false)
    error_message = "media_access_key is required while media_offload_enabled is true."
  }
}

variable "media_secret_key" {
  description = "Spaces secret key matching media_access_key. Set it from the CI secret store."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = !var.media_offload_enabled || try(length(var.media_secret_key) > 0, false)
    error_message = "media_secret_key is required while media_offload_enabled is true."
  }
}

variable "s3_uploads_version" {
  description = "Release of S3 Uploads to install (its manual-install.zip, which bundles the AWS SDK)."
  type        = string
  default     = "3.0.11"

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+$", var.s3_uploads_version))
    error_message = "s3_uploads_version must be an exact release such as 3.0.11 (no ranges, no latest)."
  }
}

variable "s3_uploads_sha256" {
  description = "SHA-256 of that release's manual-install.zip. The init container refuses any other file. Required while media_offload_enabled; the README says how to take it."
  type        = string
  default     = null

  validation {
    condition     = var.s3_uploads_sha256 == null ? !var.media_offload_enabled : can(regex("^[0-9a-f]{64}$", var.s3_uploads_sha256))
    error_message = "s3_uploads_sha256 is required while media_offload_enabled is true, as 64 lower-case hex digits (sha256sum of manual-install.zip)."
  }
}
