variable "root_domain" {
  description = "The platform's root domain; Nextcloud is served at <subdomain>.<root_domain>."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.root_domain)) && length(var.root_domain) <= 253
    error_message = "root_domain must be a lower-case DNS name of at most 253 characters such as example.org: no scheme, no trailing dot, no wildcard."
  }
}

variable "enabled" {
  description = "Run Nextcloud. false keeps what holds data: the namespace (with the database connection Secret the data layer writes there), the two retained volumes, and the egress to the data layer, so files and the database can be migrated in and upgraded rung by rung (docs/migration.md, phase 7) before the web pod starts; the release, its Ingress, admin Secret and web policies go. The platform stack's components.nextcloud sets it."
  type        = bool
  default     = true
  nullable    = false
}

variable "subdomain" {
  description = "Label(s) in front of root_domain for Nextcloud, e.g. cloud."
  type        = string
  default     = "cloud"

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$", var.subdomain))
    error_message = "subdomain must be one or more lower-case DNS labels such as cloud or files.eu: no dots at either end, no scheme, no wildcard, not empty."
  }
}

variable "namespace" {
  description = "The app's namespace, created by this module through modules/namespace."
  type        = string
  default     = "nextcloud"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.namespace)) && !contains(["default", "kube-system", "kube-public", "kube-node-lease", "infra", "data"], var.namespace)
    error_message = "namespace must be a DNS label and the app's own namespace: not default, kube-*, infra or data."
  }
}

variable "cluster_issuer" {
  description = "cert-manager ClusterIssuer for Nextcloud's certificate: letsencrypt-staging while testing, letsencrypt-production once DNS points at the cluster."
  type        = string
  default     = "letsencrypt-staging"

  validation {
    condition     = contains(["letsencrypt-staging", "letsencrypt-production"], var.cluster_issuer)
    error_message = "cluster_issuer must be letsencrypt-staging or letsencrypt-production (the ClusterIssuers the platform stack installs)."
  }
}

variable "chart_mirror" {
  description = "Where Helm reads the pinned chart instead of its upstream repository: a folder of <chart>-<version>.tgz or an oci:// registry. null reads upstream. Environments pass what the harness sets from PLATFORM_CHART_MIRROR after checking the chart against versions.json."
  type        = string
  default     = null

  validation {
    condition     = var.chart_mirror == null || can(regex("^(oci://[^\\s]+[^\\s/]|/[^\\s]*[^\\s/])$", coalesce(var.chart_mirror, "-")))
    error_message = "chart_mirror must be an absolute folder path or an oci://host/path reference, without a trailing slash."
  }
}

variable "nextcloud_version" {
  description = "Nextcloud release to run instead of the pinned one (34.0.1, versions.json): the official fpm-alpine image of that version, e.g. 27.1.11 while upgrading data from an older major step by step. Nextcloud upgrades one major version at a time: the plan refuses a jump of more than one major above the running version, and any downgrade. Null: the pinned release."
  type        = string
  default     = null

  validation {
    condition     = var.nextcloud_version == null || can(regex("^[1-9][0-9]*\\.[0-9]+\\.[0-9]+$", coalesce(var.nextcloud_version, "-")))
    error_message = "nextcloud_version must be a release number such as 34.0.1."
  }
}

variable "upgrade_from_version" {
  description = "The Nextcloud version whose data this deployment starts from when no Nextcloud runs in the namespace yet (a migration, e.g. 26.0.13 from Mail-in-a-Box): the one-major rule is checked against it. Ignored once a deployment exists, whose image is the truth. Null: a fresh install."
  type        = string
  default     = null

  validation {
    condition     = var.upgrade_from_version == null || can(regex("^[1-9][0-9]*\\.[0-9]+\\.[0-9]+$", coalesce(var.upgrade_from_version, "-")))
    error_message = "upgrade_from_version must be a release number such as 26.0.13, or null."
  }
}

variable "database_secret_name" {
  description = "Name of the connection Secret the data layer writes into the namespace for the nextcloud database (modules/data output connection_secrets[\"nextcloud\"].name). Null: the data layer's naming, nextcloud-database."
  type        = string
  default     = null

  validation {
    condition     = var.database_secret_name == null || can(regex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", coalesce(var.database_secret_name, "-")))
    error_message = "database_secret_name must be a Kubernetes Secret name (lower case, digits, '-' and '.')."
  }
}

variable "valkey_host" {
  description = "Cluster DNS name of the data layer's Valkey (modules/data output valkey_host). Its password comes from the valkey-connection Secret the data layer writes into the namespace (add the namespace to valkey_consumer_namespaces)."
  type        = string
  default     = "valkey.data.svc.cluster.local"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$", var.valkey_host))
    error_message = "valkey_host must be a host name such as valkey.data.svc.cluster.local."
  }
}

variable "data_namespace" {
  description = "Namespace of the data layer (its PostgreSQL server and Valkey): the only in-cluster destinations Nextcloud's pods may reach."
  type        = string
  default     = "data"
}

variable "trusted_proxy_cidrs" {
  description = "Networks Traefik connects to Nextcloud from (the cluster's pod network, DOKS cluster_subnet): Nextcloud believes X-Forwarded-For only from these."
  type        = list(string)
  default     = ["10.244.0.0/16"]

  validation {
    condition     = length(var.trusted_proxy_cidrs) > 0 && alltrue([for cidr in var.trusted_proxy_cidrs : can(cidrhost(cidr, 0)) && try(tonumber(split("/", cidr)[1]) >= 8, false)])
    error_message = "trusted_proxy_cidrs must list at least one CIDR no wider than /8, e.g. 10.244.0.0/16: never 0.0.0.0/0, ::/0 or halves of them (anyone could then forge their address)."
  }
}

variable "storage_class_name" {
  description = "StorageClass of Nextcloud's two volumes (app and config; user data). Only Retain classes: deleting a claim must never delete files."
  type        = string
  default     = "do-block-storage-retain"

  validation {
    condition     = contains(["do-block-storage-retain", "do-block-storage-xfs-retain"], var.storage_class_name)
    error_message = "storage_class_name must be do-block-storage-retain or do-block-storage-xfs-retain."
  }
}

variable "data_storage_size" {
  description = "Size of the user-data volume, e.g. 50Gi. DigitalOcean volumes can grow later, never shrink."
  type        = string
  default     = "50Gi"

  validation {
    condition     = can(regex("^[1-9][0-9]{0,4}Gi$", var.data_storage_size))
    error_message = "data_storage_size must be a whole number of GiB such as 50Gi."
  }
}

variable "app_storage_size" {
  description = "Size of the volume holding Nextcloud's code, config.php and installed apps, e.g. 5Gi."
  type        = string
  default     = "5Gi"

  validation {
    condition     = can(regex("^[1-9][0-9]{0,4}Gi$", var.app_storage_size))
    error_message = "app_storage_size must be a whole number of GiB such as 5Gi."
  }
}

variable "admin_username" {
  description = "Login of the administrator the first install creates (its password is generated; see the admin_secret output)."
  type        = string
  default     = "admin"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.@-]{1,64}$", var.admin_username))
    error_message = "admin_username must be 1 to 64 letters, digits, '_', '.', '@' or '-'."
  }
}

variable "s3_external_storage" {
  description = <<-EOT
    Optional Spaces bucket mounted as external storage (the files_external app) at
    /<mount_point> for every user. Never primary storage: files on the data volume stay
    there. Null: none. The key pair goes in s3_external_storage_credentials.
  EOT
  type = object({
    bucket      = string
    region      = string
    mount_point = optional(string, "Spaces")
    endpoint    = optional(string)
  })
  default = null

  validation {
    condition     = var.s3_external_storage == null || can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", try(var.s3_external_storage.bucket, "")))
    error_message = "s3_external_storage.bucket must be a Spaces bucket name: 3 to 63 lower-case letters, digits and dashes."
  }

  validation {
    condition     = var.s3_external_storage == null || can(regex("^[a-z]{3}[0-9]$", try(var.s3_external_storage.region, "")))
    error_message = "s3_external_storage.region must be a DigitalOcean region slug such as fra1."
  }

  validation {
    condition     = var.s3_external_storage == null || can(regex("^[A-Za-z0-9][A-Za-z0-9 _-]{0,63}$", try(var.s3_external_storage.mount_point, "")))
    error_message = "s3_external_storage.mount_point must be a folder name of letters, digits, spaces, '_' and '-'."
  }

  validation {
    condition     = var.s3_external_storage == null || try(var.s3_external_storage.endpoint, null) == null || can(regex("^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$", try(var.s3_external_storage.endpoint, "")))
    error_message = "s3_external_storage.endpoint must be a host name without scheme, e.g. fra1.digitaloceanspaces.com, or unset for Spaces in region."
  }
}

variable "s3_external_storage_credentials" {
  description = "Spaces key (access_key, secret_key) for s3_external_storage, limited to its bucket. Required with s3_external_storage; set it from the CI secret store."
  type = object({
    access_key = string
    secret_key = string
  })
  default   = null
  sensitive = true

  validation {
    condition     = var.s3_external_storage_credentials == null || (length(try(var.s3_external_storage_credentials.access_key, "")) > 0 && length(try(var.s3_external_storage_credentials.secret_key, "")) > 0)
    error_message = "s3_external_storage_credentials needs a non-empty access_key and secret_key."
  }

  validation {
    condition     = var.s3_external_storage == null || var.s3_external_storage_credentials != null
    error_message = "s3_external_storage_credentials is required with s3_external_storage (a Spaces key limited to its bucket)."
  }
}

variable "local_control_plane" {
  description = "true on an API server without kubelet or scheduler (environments/local): Helm does not wait for pods that never start."
  type        = bool
  default     = false
}
