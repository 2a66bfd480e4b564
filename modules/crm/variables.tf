variable "root_domain" {
  description = "The platform's root domain; the CRM is served at <subdomain>.<root_domain>."
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
  description = "Label(s) in front of root_domain for the CRM, e.g. crm."
  type        = string
  default     = "crm"

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$", var.subdomain))
    error_message = "subdomain must be one or more lower-case DNS labels such as www or blog.eu: no dots at either end, no scheme, no wildcard, not empty."
  }
}

variable "cluster_issuer" {
  description = "cert-manager ClusterIssuer for the CRM's certificate: letsencrypt-staging while testing, letsencrypt-production once DNS points at the cluster."
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
  default     = "crm"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.namespace)) && !contains(["default", "kube-system", "kube-public", "kube-node-lease", "infra", "data"], var.namespace)
    error_message = "namespace must be a DNS label and the app's own namespace: not default, kube-*, infra or data."
  }
}

variable "database_secret_name" {
  description = "Name of the connection Secret the data layer writes into the namespace for the crm database (modules/data output connection_secrets[\"crm\"].name). Null: the data layer's naming, crm-database."
  type        = string
  default     = null

  validation {
    condition     = var.database_secret_name == null || can(regex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", var.database_secret_name))
    error_message = "database_secret_name must be a Kubernetes Secret name (lower case, digits, '-' and '.')."
  }
}

variable "storage_class_name" {
  description = "StorageClass of the CRM's file volume (storage_type local); a -retain class keeps the DigitalOcean volume if the claim is deleted by mistake."
  type        = string
  default     = "do-block-storage-retain"

  validation {
    condition     = contains(["do-block-storage-retain", "do-block-storage-xfs-retain"], var.storage_class_name)
    error_message = "storage_class_name must be do-block-storage-retain or do-block-storage-xfs-retain: app state lives on retained block volumes."
  }
}

variable "storage_size" {
  description = "Size of the CRM's file volume (attachments, avatars) when storage_type is local. DigitalOcean volumes grow, never shrink."
  type        = string
  default     = "5Gi"

  validation {
    condition     = can(regex("^[1-9][0-9]{0,4}Gi$", var.storage_size))
    error_message = "storage_size must be a whole number of GiB such as 5Gi."
  }
}

variable "valkey_secret_name" {
  description = "Name of the Valkey connection Secret the data layer writes into the namespace (list the namespace in modules/data's valkey_consumer_namespaces): Twenty's cache and job queue."
  type        = string
  default     = "valkey-connection"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", var.valkey_secret_name))
    error_message = "valkey_secret_name must be a Kubernetes Secret name."
  }
}

variable "storage_type" {
  description = "Where Twenty keeps files (attachments, pictures): s3 (a Spaces bucket, through Twenty's own S3 support) or local (a retained block volume shared by the server and the worker, which then run on the same node)."
  type        = string
  default     = "local"

  validation {
    condition     = contains(["s3", "local"], var.storage_type)
    error_message = "storage_type must be s3 or local."
  }
}

variable "files_bucket" {
  description = "Spaces bucket for Twenty's files. Required when storage_type is s3."
  type        = string
  default     = null

  validation {
    condition     = var.files_bucket == null ? var.storage_type != "s3" : can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.files_bucket))
    error_message = "files_bucket is required when storage_type is s3, and must be a Spaces bucket name (3 to 63 lower-case letters, digits and '-', no dots)."
  }
}

variable "files_region" {
  description = "DigitalOcean region of the files bucket (fra1, ams3, nyc3, ...); also the S3 signing region."
  type        = string
  default     = "fra1"

  validation {
    condition     = can(regex("^[a-z]{3}[0-9]$", var.files_region))
    error_message = "files_region must be a DigitalOcean region slug such as fra1 or nyc3."
  }
}

variable "files_endpoint" {
  description = "S3 endpoint of the files bucket. Null: Spaces in files_region."
  type        = string
  default     = null

  validation {
    condition     = var.files_endpoint == null || (can(regex("^https://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?/?$", var.files_endpoint)) && try(tonumber(regex(":([0-9]+)/?$", coalesce(var.files_endpoint, "-"))[0]) >= 1 && tonumber(regex(":([0-9]+)/?$", coalesce(var.files_endpoint, "-"))[0]) <= 65535, true))
    error_message = "files_endpoint must be an https:// URL with no path and a port (if any) from 1 to 65535, e.g. https://fra1.digitaloceanspaces.com."
  }
}

variable "files_access_key" {
  description = "Spaces access key id for the files bucket (a key limited to that bucket). Set it from the CI secret store."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = var.storage_type != "s3" || try(length(var.files_access_key) > 0, false)
    error_message = "files_access_key is required when storage_type is s3."
  }
}

variable "files_secret_key" {
  description = "Spaces secret key matching files_access_key. Set it from the CI secret store."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = var.storage_type != "s3" || try(length(var.files_secret_key) > 0, false)
    error_message = "files_secret_key is required when storage_type is s3."
  }
}

variable "encryption_key" {
  description = "An existing Twenty ENCRYPTION_KEY (an instance migrated from another host, or a restore after losing state). Null: generate one once. OAuth tokens, signing keys and TOTP secrets are encrypted with it: back it up (README)."
  type        = string
  default     = null
  sensitive   = true
}

variable "encryption_key_sha256" {
  description = "SHA-256 of the ENCRYPTION_KEY in service (the encryption_key_sha256 output after the first apply). Once set, any plan that would deploy another key fails."
  type        = string
  default     = null

  validation {
    condition     = var.encryption_key_sha256 == null || can(regex("^[0-9a-f]{64}$", var.encryption_key_sha256))
    error_message = "encryption_key_sha256 must be 64 lower-case hex digits (the encryption_key_sha256 output), or null before the first apply."
  }

  validation {
    condition     = var.encryption_key_sha256 == null || var.encryption_key == null || nonsensitive(sha256(coalesce(var.encryption_key, "-"))) == var.encryption_key_sha256
    error_message = "encryption_key does not match encryption_key_sha256: this is not the ENCRYPTION_KEY in service. Restore the right key from the password manager; replacing it would make every stored secret unreadable."
  }
}

variable "public_egress_ports" {
  description = "Public TCP ports Twenty's pods may reach: 443 for Spaces and the mail and calendar providers it syncs with; add 465/587 for SMTP."
  type        = list(number)
  default     = [443]
}
