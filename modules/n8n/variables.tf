variable "root_domain" {
  description = "The platform's root domain; n8n is served at <subdomain>.<root_domain>."
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
  description = "Label(s) in front of root_domain for n8n's editor and webhooks, e.g. n8n or automation."
  type        = string
  default     = "n8n"

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$", var.subdomain))
    error_message = "subdomain must be one or more lower-case DNS labels such as www or blog.eu: no dots at either end, no scheme, no wildcard, not empty."
  }
}

variable "cluster_issuer" {
  description = "cert-manager ClusterIssuer for n8n's certificate: letsencrypt-staging while testing, letsencrypt-production once DNS points at the cluster."
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
  default     = "n8n"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.namespace)) && !contains(["default", "kube-system", "kube-public", "kube-node-lease", "infra", "data"], var.namespace)
    error_message = "namespace must be a DNS label and the app's own namespace: not default, kube-*, infra or data."
  }
}

variable "database_secret_name" {
  description = "Name of the connection Secret the data layer writes into the namespace for the n8n database (modules/data output connection_secrets[\"n8n\"].name). Null: the data layer's naming, n8n-database."
  type        = string
  default     = null

  validation {
    condition     = var.database_secret_name == null || can(regex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", var.database_secret_name))
    error_message = "database_secret_name must be a Kubernetes Secret name (lower case, digits, '-' and '.')."
  }
}

variable "storage_class_name" {
  description = "StorageClass of n8n's data volume; a -retain class keeps the DigitalOcean volume if the claim is deleted by mistake."
  type        = string
  default     = "do-block-storage-retain"

  validation {
    condition     = contains(["do-block-storage-retain", "do-block-storage-xfs-retain"], var.storage_class_name)
    error_message = "storage_class_name must be do-block-storage-retain or do-block-storage-xfs-retain: app state lives on retained block volumes."
  }
}

variable "storage_size" {
  description = "Size of n8n's data volume (/home/node/.n8n: binary data of executions in filesystem mode, community nodes, settings). DigitalOcean volumes grow, never shrink."
  type        = string
  default     = "5Gi"

  validation {
    condition     = can(regex("^[1-9][0-9]{0,4}Gi$", var.storage_size))
    error_message = "storage_size must be a whole number of GiB such as 5Gi."
  }
}

variable "queue_mode_enabled" {
  description = "Run n8n in queue mode: the main instance takes webhooks and the editor, worker pods run executions, Valkey carries the queue. Off (the default): one main instance does everything."
  type        = bool
  default     = false
}

variable "valkey_secret_name" {
  description = "Name of the Valkey connection Secret the data layer writes into the namespace (list the namespace in modules/data's valkey_consumer_namespaces). Used only in queue mode."
  type        = string
  default     = "valkey-connection"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", var.valkey_secret_name))
    error_message = "valkey_secret_name must be a Kubernetes Secret name."
  }
}

variable "worker_replicas" {
  description = "Worker pods in queue mode."
  type        = number
  default     = 1

  validation {
    condition     = var.worker_replicas >= 1 && var.worker_replicas <= 10 && floor(var.worker_replicas) == var.worker_replicas
    error_message = "worker_replicas must be a whole number from 1 to 10."
  }
}

variable "worker_concurrency" {
  description = "Executions each worker runs at once in queue mode."
  type        = number
  default     = 5

  validation {
    condition     = var.worker_concurrency >= 1 && var.worker_concurrency <= 50 && floor(var.worker_concurrency) == var.worker_concurrency
    error_message = "worker_concurrency must be a whole number from 1 to 50."
  }
}

variable "timezone" {
  description = "Default timezone of schedule triggers (GENERIC_TIMEZONE), an IANA name such as Europe/Paris."
  type        = string
  default     = "UTC"

  validation {
    condition     = can(regex("^(UTC|[A-Z][A-Za-z_+-]+(/[A-Za-z0-9_+-]+){1,2})$", var.timezone))
    error_message = "timezone must be an IANA timezone name such as Europe/Paris, or UTC."
  }
}

variable "encryption_key" {
  description = "An existing N8N_ENCRYPTION_KEY (an instance migrated from another host, or a restore after losing state). Null: generate one once. Every stored credential is encrypted with it: back it up (README)."
  type        = string
  default     = null
  sensitive   = true
}

variable "encryption_key_sha256" {
  description = "SHA-256 of the encryption key in service (the encryption_key_sha256 output after the first apply). Once set, any plan that would deploy another key fails."
  type        = string
  default     = null

  validation {
    condition     = var.encryption_key_sha256 == null || can(regex("^[0-9a-f]{64}$", var.encryption_key_sha256))
    error_message = "encryption_key_sha256 must be 64 lower-case hex digits (the encryption_key_sha256 output), or null before the first apply."
  }

  validation {
    condition     = var.encryption_key_sha256 == null || var.encryption_key == null || nonsensitive(sha256(coalesce(var.encryption_key, "-"))) == var.encryption_key_sha256
    error_message = "encryption_key does not match encryption_key_sha256: this is not the N8N_ENCRYPTION_KEY in service. Restore the right key from the password manager; replacing it would make every stored secret unreadable."
  }
}

variable "public_egress_ports" {
  description = "Public TCP ports n8n's pods may reach: 443 for the APIs workflows call (and community-node installs from npm); add 465/587 for SMTP nodes, or others a workflow needs."
  type        = list(number)
  default     = [443]
}
