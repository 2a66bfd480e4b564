# Inputs of the platform stack. Those it shares with the cluster stack (name, root_domain,
# region, components, velero_backup_ttl_days, state_passphrase) are declared identically in
# both (test/unit/production.test.ts); environments/production/terraform.tfvars sets them once.

variable "name" {
  description = "Short name of the platform (e.g. acme): prefixes the cluster, the VPC, the project and every Spaces bucket. Bucket names are shared by every Spaces customer in a region, so pick something that is yours."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,18}[a-z0-9]$", var.name))
    error_message = "name must be 3-20 characters: lower-case letters, digits and dashes, starting with a letter (it becomes part of bucket names such as <name>-db-backups)."
  }

  validation {
    condition     = !startswith(var.name, "xn--") && !strcontains(var.name, "--")
    error_message = "name may not contain \"--\" (S3 bucket names reserve xn-- and read doubled dashes as punycode)."
  }
}

variable "root_domain" {
  description = "The platform's one domain (e.g. example.org). Every FQDN is derived from it; with components.dns on, it becomes a DigitalOcean DNS zone."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.root_domain))
    error_message = "root_domain must be a lower-case DNS name such as example.org: no scheme, no trailing dot, no wildcard."
  }
}

variable "region" {
  description = "DigitalOcean region of the cluster, the VPC and the Spaces buckets. Only regions that offer both DOKS and Spaces are accepted (the list in the validation below; verify a new one with `doctl kubernetes options regions` and DigitalOcean's Spaces availability before adding it)."
  type        = string
  default     = "fra1"

  validation {
    condition     = contains(["ams3", "blr1", "fra1", "lon1", "nyc3", "sfo3", "sgp1", "syd1", "tor1"], var.region)
    error_message = "region must be one that offers both DOKS and Spaces: ams3, blr1, fra1, lon1, nyc3, sfo3, sgp1, syd1 or tor1."
  }
}

variable "velero_backup_ttl_days" {
  description = "Days Velero keeps a backup (its schedules' TTL). The Velero bucket's lifecycle rule only sweeps leftovers of backup metadata, 15 days after this; Velero's own garbage collection does the real expiry, because an age rule on its kopia repository would delete blocks newer backups still share."
  type        = number
  default     = 30

  validation {
    condition     = var.velero_backup_ttl_days >= 1 && var.velero_backup_ttl_days <= 365 && floor(var.velero_backup_ttl_days) == var.velero_backup_ttl_days
    error_message = "velero_backup_ttl_days must be a whole number of days between 1 and 365."
  }
}

variable "components" {
  description = "What runs, phase by phase (docs/rollout.md). The cluster stack creates the Spaces bucket and scoped key of each enabled consumer and, with dns, the DNS zone; the platform stack deploys the components themselves."
  type = object({
    traefik      = optional(bool, true)
    cert_manager = optional(bool, true)
    velero       = optional(bool, true)
    monitoring   = optional(bool, true)
    logging      = optional(bool, true)
    postgres     = optional(bool, false)
    mariadb      = optional(bool, false)
    wordpress    = optional(bool, false)
    n8n          = optional(bool, false)
    dns          = optional(bool, false)
    nextcloud    = optional(bool, false)
    mailu        = optional(bool, false)
    crm          = optional(bool, false)
  })
  default = {}

  validation {
    condition     = !var.components.wordpress || var.components.mariadb
    error_message = "components.wordpress needs components.mariadb: WordPress runs on MariaDB only."
  }

  validation {
    condition     = !(var.components.n8n || var.components.nextcloud || var.components.mailu || var.components.crm) || var.components.postgres
    error_message = "components.n8n, nextcloud, mailu and crm need components.postgres: their databases live there."
  }

  validation {
    condition     = !(var.components.wordpress || var.components.n8n || var.components.nextcloud || var.components.mailu || var.components.crm) || (var.components.traefik && var.components.cert_manager)
    error_message = "Apps need components.traefik and components.cert_manager: they are reached through Traefik over TLS."
  }

  validation {
    condition     = !var.components.mailu || var.components.dns
    error_message = "components.mailu needs components.dns: Mailu's MX, SPF, DKIM and DMARC records are published in the DigitalOcean zone (phase 6 before phase 8, docs/rollout.md)."
  }
}

variable "acme_email" {
  description = "Contact address of the Let's Encrypt account (certificate expiry notices go there). Required with components.cert_manager."
  type        = string
  default     = null

  validation {
    condition     = var.acme_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$", coalesce(var.acme_email, "-")))
    error_message = "acme_email must be an e-mail address such as ops@example.org."
  }

  validation {
    condition     = !var.components.cert_manager || var.acme_email != null
    error_message = "components.cert_manager needs acme_email: the Let's Encrypt account's contact address, e.g. ops@example.org."
  }
}

variable "external_dns_token" {
  description = "DigitalOcean API token for external-dns, scoped to domain read/write (a custom-scoped token, not the admin one). Required with components.dns; set it as TF_VAR_external_dns_token, never in a file."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = !var.components.dns || var.external_dns_token != null
    error_message = "components.dns needs external_dns_token: export TF_VAR_external_dns_token, a DigitalOcean token scoped to domain read/write."
  }
}

variable "chart_mirror" {
  description = "Where Helm reads the pinned charts instead of their upstream repositories. The harness sets it from PLATFORM_CHART_MIRROR after checking every chart against versions.json; leave it unset in tfvars."
  type        = string
  default     = null
}

variable "ingress_replicas" {
  description = "Traefik replicas behind the one load balancer (1-5). Two keep ingress and mail up while a node drains in an upgrade."
  type        = number
  default     = 2

  validation {
    condition     = var.ingress_replicas >= 1 && var.ingress_replicas <= 5 && floor(var.ingress_replicas) == var.ingress_replicas
    error_message = "ingress_replicas must be a whole number from 1 to 5."
  }
}

variable "storage_class" {
  description = "StorageClass of the infra layer's volumes (Prometheus, Alertmanager, VictoriaLogs): do-block-storage-retain or do-block-storage-xfs-retain, Retain classes only, so deleting a release never deletes its data. modules/k8s-config validates it."
  type        = string
  default     = "do-block-storage-retain"
}

# monitoring and logging are modules/k8s-config's inputs of the same names, passed through: the
# module validates them, and its messages name the fields as written here.
variable "monitoring" {
  description = "Prometheus retention (retention_days 1-90, and retention_size like 6GB below the volume) and its volume_size (like 8Gi). The defaults fit two s-2vcpu-4gb nodes and an 8 GiB volume ($0.80/month). Alertmanager's configuration is alertmanager_config, not set here."
  type = object({
    retention_days = optional(number, 10)
    retention_size = optional(string, "6GB")
    volume_size    = optional(string, "8Gi")
  })
  default  = {}
  nullable = false
}

variable "alertmanager_config" {
  description = "Alertmanager's configuration (YAML: receivers, routes). It usually holds an SMTP password or a webhook URL, so it is sensitive: set it as TF_VAR_alertmanager_config, never in a file. Null: alerts show only in Alertmanager's UI."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = var.alertmanager_config == null || can(yamldecode(coalesce(var.alertmanager_config, "{}")))
    error_message = "alertmanager_config must be YAML (Alertmanager's configuration file)."
  }
}

variable "logging" {
  description = "VictoriaLogs retention_period (like 14d or 2w) and volume_size (10Gi: $1.00/month)."
  type = object({
    retention_period = optional(string, "14d")
    volume_size      = optional(string, "10Gi")
  })
  default  = {}
  nullable = false
}

variable "cluster_issuer" {
  description = "ClusterIssuer of the apps' certificates: letsencrypt-staging until DNS points at the cluster and a staging certificate was issued (docs/rollout.md), then letsencrypt-production."
  type        = string
  default     = "letsencrypt-staging"

  validation {
    condition     = contains(["letsencrypt-staging", "letsencrypt-production"], var.cluster_issuer)
    error_message = "cluster_issuer must be letsencrypt-staging or letsencrypt-production (the ClusterIssuers of modules/k8s-config)."
  }
}

variable "wordpress_s3_uploads_sha256" {
  description = "SHA-256 of S3 Uploads' manual-install.zip at the version modules/wordpress pins (its README says how to take it). Set: the media library goes to the <name>-wp-media bucket with its scoped key. Null: media stays on the wp-content volume."
  type        = string
  default     = null

  validation {
    condition     = var.wordpress_s3_uploads_sha256 == null || can(regex("^[0-9a-f]{64}$", coalesce(var.wordpress_s3_uploads_sha256, "-")))
    error_message = "wordpress_s3_uploads_sha256 must be 64 lower-case hex digits (sha256sum of manual-install.zip), or null to keep media on the volume."
  }
}

variable "n8n_encryption_key_sha256" {
  description = "Fingerprint of n8n's encryption key (the output n8n_encryption_key_sha256 after the first apply with components.n8n). Once set, no plan can deploy another key. Null before the first apply."
  type        = string
  default     = null

  validation {
    condition     = var.n8n_encryption_key_sha256 == null || can(regex("^[0-9a-f]{64}$", coalesce(var.n8n_encryption_key_sha256, "-")))
    error_message = "n8n_encryption_key_sha256 must be 64 lower-case hex digits (the output n8n_encryption_key_sha256), or null before the first apply."
  }
}

variable "crm_encryption_key_sha256" {
  description = "Fingerprint of the CRM's (Twenty's) encryption key (the output crm_encryption_key_sha256 after the first apply with components.crm). Once set, no plan can deploy another key. Null before the first apply."
  type        = string
  default     = null

  validation {
    condition     = var.crm_encryption_key_sha256 == null || can(regex("^[0-9a-f]{64}$", coalesce(var.crm_encryption_key_sha256, "-")))
    error_message = "crm_encryption_key_sha256 must be 64 lower-case hex digits (the output crm_encryption_key_sha256), or null before the first apply."
  }
}

variable "nextcloud_upgrade_from_version" {
  description = "The Nextcloud version of data moved in from elsewhere before Nextcloud first runs here (docs/migration.md, phase 7: the rung the migration reached, e.g. 33.0.9). The one-major upgrade rule is checked against it until a Nextcloud Deployment exists; afterwards the running image is the truth. Null: a fresh install."
  type        = string
  default     = null

  validation {
    condition     = var.nextcloud_upgrade_from_version == null || can(regex("^[1-9][0-9]*\\.[0-9]+\\.[0-9]+$", coalesce(var.nextcloud_upgrade_from_version, "-")))
    error_message = "nextcloud_upgrade_from_version must be a release number such as 33.0.9, or null."
  }
}

variable "mail_relay_host" {
  description = "The relay outbound mail leaves through, as postfix takes it: [host]:port, e.g. [smtp.relay.example]:587 (DigitalOcean blocks port 25 on new accounts). Set it as TF_VAR_mail_relay_host. Null: direct delivery on port 25, only where the account may send on 25. modules/mailu validates it."
  type        = string
  default     = null
  sensitive   = true
}

variable "mail_relay_credentials" {
  description = "Login at the relay ({ username, password }); required with mail_relay_host. Set it as TF_VAR_mail_relay_credentials, never in a file."
  type = object({
    username = string
    password = string
  })
  default   = null
  sensitive = true
}

variable "mail_antivirus_enabled" {
  description = "Run ClamAV beside Mailu: about 1 GiB more memory requested (2 GiB limit), which the default node pool does not have room for with every app on (docs/rollout.md, capacity). Off: rspamd still scores spam and oletools still blocks Office macros."
  type        = bool
  default     = false
}

variable "backup_encryption_passphrase" {
  description = "Optional client-side encryption of the database backups, in rclone's obscured form (`rclone obscure '<passphrase>'`); keep the passphrase itself in the password manager, without it no backup can be read. Null: Spaces' encryption at rest only."
  type        = string
  default     = null
  sensitive   = true
}

variable "state_passphrase" {
  description = "Passphrase of state and plan encryption (at least 16 characters). Keep it in the CI secret store as TF_VAR_state_passphrase; without it the state cannot be read, so keep a copy offline too."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.state_passphrase) >= 16
    error_message = "state_passphrase must be at least 16 characters long."
  }
}
