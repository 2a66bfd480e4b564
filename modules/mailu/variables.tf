variable "root_domain" {
  description = "The platform's root domain; Mailu's host names are derived from it (and mail_domain)."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.root_domain)) && length(var.root_domain) <= 253
    error_message = "root_domain must be a lower-case DNS name of at most 253 characters such as example.org: no scheme, no trailing dot, no wildcard."
  }
}

variable "enabled" {
  description = "Run Mailu. false keeps what holds mail: the namespace (with the database connection Secrets the data layer writes there) and the retained mail volumes, with the generated secret key and admin password in state, so turning Mailu off and on again never loses mail or logs everyone out; the release, its Valkey, Ingress, mail routes, DKIM Secret, policies and backup CronJobs go (the last archives stay in Spaces). The platform stack's components.mailu sets it."
  type        = bool
  default     = true
  nullable    = false
}

variable "mail" {
  description = "What Mailu serves, from modules/mail-dns's mailu output (the platform stack reads it from the cluster stack, where the mail records are published): mail_domain, mail_host, web_hosts (the Ingress hosts) and mta_sts_policy (null: none). Required while enabled; null while disabled."
  type = object({
    mail_domain    = string
    mail_host      = string
    web_hosts      = list(string)
    mta_sts_policy = optional(string)
  })
  default = null

  validation {
    condition     = var.mail != null || !var.enabled
    error_message = "mail is required while enabled: pass modules/mail-dns's mailu output (production: the cluster stack's mail output)."
  }

  validation {
    condition     = var.mail == null || try(var.mail.mail_domain == var.root_domain || endswith(var.mail.mail_domain, ".${var.root_domain}"), false)
    error_message = "mail.mail_domain must be root_domain or a name below it (every FQDN of the platform derives from root_domain)."
  }

  validation {
    condition     = var.mail == null || try(length(var.mail.web_hosts) > 0 && var.mail.web_hosts[0] == var.mail.mail_host && alltrue([for host in var.mail.web_hosts : endswith(host, ".${var.mail.mail_domain}")]), false)
    error_message = "mail.web_hosts must start with mail.mail_host and hold only names below mail.mail_domain: pass modules/mail-dns's mailu output as it is."
  }

  validation {
    condition     = try(var.mail.mta_sts_policy == null, true) || can(regex("^version: STSv1\nmode: (testing|enforce|none)\n(mx: [a-z0-9*.-]+\n)+max_age: [0-9]+\n$", var.mail.mta_sts_policy))
    error_message = "mail.mta_sts_policy must be an MTA-STS policy (version, mode, mx and max_age lines) or null: pass modules/mail-dns's mailu output as it is."
  }
}

variable "dkim_private_key" {
  description = "Mailu's DKIM signing key (PKCS#8 PEM) from modules/mail-dns's dkim_private_key output, whose public half that module publishes: the key that signs and the key in DNS come from one place. Required while enabled; null while disabled."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = var.dkim_private_key == null ? !var.enabled : can(regex("^-{5}BEGIN PRIVATE[ ]KEY-{5}\n[A-Za-z0-9+/=\n]+\n-{5}END PRIVATE[ ]KEY-{5}\n?$", var.dkim_private_key)) && length(var.dkim_private_key) > 1000
    error_message = "dkim_private_key must be the whole PKCS#8 PEM private key (BEGIN/END PRIVATE KEY) from modules/mail-dns (output dkim_private_key); it is required while enabled."
  }
}

variable "namespace" {
  description = "Mailu's namespace, created by this module through modules/namespace."
  type        = string
  default     = "mailu"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.namespace)) && !contains(["default", "kube-system", "kube-public", "kube-node-lease", "infra", "data"], var.namespace)
    error_message = "namespace must be a DNS label and the app's own namespace: not default, kube-*, infra or data."
  }
}

variable "cluster_issuer" {
  description = "cert-manager ClusterIssuer for the certificate of every Mailu host name (the web UI, and IMAP/SMTP TLS, which Mailu terminates itself): letsencrypt-staging while testing, letsencrypt-production for real mail."
  type        = string
  default     = "letsencrypt-staging"

  validation {
    condition     = contains(["letsencrypt-staging", "letsencrypt-production"], var.cluster_issuer)
    error_message = "cluster_issuer must be letsencrypt-staging or letsencrypt-production (the ClusterIssuers the platform stack installs)."
  }
}

variable "chart_mirror" {
  description = "Where Helm reads the pinned chart instead of its upstream repository: a folder of <chart>-<version>.tgz or an oci:// registry. null reads upstream."
  type        = string
  default     = null

  validation {
    condition     = var.chart_mirror == null || can(regex("^(oci://[^\\s]+[^\\s/]|/[^\\s]*[^\\s/])$", coalesce(var.chart_mirror, "-")))
    error_message = "chart_mirror must be an absolute folder path or an oci://host/path reference, without a trailing slash."
  }
}

variable "local_control_plane" {
  description = "true on an API server without kubelet or scheduler (environments/local): Helm does not wait for pods that never start."
  type        = bool
  default     = false
}

# ---------------------------------------------------------------------------------------------
# Whom Mailu trusts. The mail-safety policy judges the same settings in the plan.
# ---------------------------------------------------------------------------------------------

variable "pod_cidr" {
  description = "The cluster's pod network (DOKS cluster_subnet, 10.244.0.0/16 unless the cluster sets another). Mailu's SUBNET (its own components, which may relay) and REAL_IP_FROM (Traefik's pods, whose PROXY protocol header Mailu believes) are exactly this network."
  type        = string
  default     = "10.244.0.0/16"

  validation {
    condition = can(cidrhost(var.pod_cidr, 0)) && try(tonumber(split("/", var.pod_cidr)[1]) >= 8, false) && anytrue([
      for private in ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"] :
      try(tonumber(split("/", var.pod_cidr)[1]) >= tonumber(split("/", private)[1]) && cidrhost("${cidrhost(var.pod_cidr, 0)}/${split("/", private)[1]}", 0) == cidrhost(private, 0), false)
    ])
    error_message = "pod_cidr must be a private IPv4 network (inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10) no wider than /8: every address in it may send mail through Mailu."
  }
}

variable "relay_networks" {
  description = "Private networks that may send mail through Mailu without logging in (RELAYNETS), e.g. a VPC subnet of servers that send notifications. Keep it empty unless such hosts exist."
  type        = list(string)
  default     = []

  validation {
    condition = alltrue([for network in var.relay_networks : can(cidrhost(network, 0)) && try(tonumber(split("/", network)[1]) >= 16, false) && anytrue([
      for private in ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"] :
      try(tonumber(split("/", network)[1]) >= tonumber(split("/", private)[1]) && cidrhost("${cidrhost(network, 0)}/${split("/", private)[1]}", 0) == cidrhost(private, 0), false)
    ])])
    error_message = "relay_networks must hold private IPv4 networks (RFC 1918 or 100.64.0.0/10) no wider than /16: every address in them may relay without logging in."
  }
}

# ---------------------------------------------------------------------------------------------
# Outbound mail. DigitalOcean blocks port 25 on new accounts, so mail leaves through a relay.
# ---------------------------------------------------------------------------------------------

variable "relay_host" {
  description = "The relay (smarthost) outbound mail leaves through, as postfix takes it: [host]:port, e.g. [smtp.relay.example]:587. Null: deliver directly on port 25 (only where the account may send on 25)."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = var.relay_host == null || can(regex("^\\[[a-z0-9]([a-z0-9.-]*[a-z0-9])?\\]:(25|465|587|2525)$", coalesce(var.relay_host, "-")))
    error_message = "relay_host must look like [smtp.relay.example]:587 (brackets: no MX lookup; port 25, 465, 587 or 2525)."
  }
}

variable "relay_credentials" {
  description = "Login for relay_host (username, password), stored only in a Secret in the namespace. Required with relay_host."
  type = object({
    username = string
    password = string
  })
  default   = null
  sensitive = true

  validation {
    condition     = var.relay_host == null || (var.relay_credentials != null && length(try(var.relay_credentials.username, "")) > 0 && length(try(var.relay_credentials.password, "")) > 0)
    error_message = "relay_credentials (a non-empty username and password) is required with relay_host."
  }
}

# ---------------------------------------------------------------------------------------------
# Data: the admin and webmail databases on the data layer, mail on block volumes.
# ---------------------------------------------------------------------------------------------

variable "database_secret_name" {
  description = "Connection Secret the data layer writes into the namespace for the mailu database (Mailu's accounts, aliases, domains). Null: the data layer's naming, mailu-database."
  type        = string
  default     = null

  validation {
    condition     = var.database_secret_name == null || can(regex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", coalesce(var.database_secret_name, "-")))
    error_message = "database_secret_name must be a Kubernetes Secret name (lower case, digits, '-' and '.')."
  }
}

variable "webmail_database_secret_name" {
  description = "Connection Secret the data layer writes for the mailu_roundcube database (Roundcube's settings and address books). Null: mailu-roundcube-database."
  type        = string
  default     = null

  validation {
    condition     = var.webmail_database_secret_name == null || can(regex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", coalesce(var.webmail_database_secret_name, "-")))
    error_message = "webmail_database_secret_name must be a Kubernetes Secret name (lower case, digits, '-' and '.')."
  }
}

variable "postgres_host" {
  description = "Cluster DNS name of the data layer's PostgreSQL (modules/data output postgres_host)."
  type        = string
  default     = "postgres.data.svc.cluster.local"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$", var.postgres_host))
    error_message = "postgres_host must be a host name such as postgres.data.svc.cluster.local."
  }
}

variable "data_namespace" {
  description = "Namespace of the data layer's PostgreSQL: the one in-cluster destination outside the namespace Mailu's pods reach."
  type        = string
  default     = "data"
}

variable "storage_class_name" {
  description = "StorageClass of Mailu's volumes. Only Retain classes: deleting a claim must never delete mail."
  type        = string
  default     = "do-block-storage-retain"

  validation {
    condition     = contains(["do-block-storage-retain", "do-block-storage-xfs-retain"], var.storage_class_name)
    error_message = "storage_class_name must be do-block-storage-retain or do-block-storage-xfs-retain."
  }
}

variable "storage_sizes" {
  description = "Sizes of Mailu's volumes, one per component so they need not share a node: mail (dovecot's mailboxes, the one that grows), queue (postfix), admin (DKIM and instance data), antispam (rspamd's learnt data), webmail (Roundcube's files)."
  type = object({
    mail     = optional(string, "20Gi")
    queue    = optional(string, "2Gi")
    admin    = optional(string, "1Gi")
    antispam = optional(string, "1Gi")
    webmail  = optional(string, "1Gi")
  })
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for size in values(var.storage_sizes) : can(regex("^[1-9][0-9]{0,4}Gi$", size))])
    error_message = "storage_sizes values must be whole numbers of GiB such as 20Gi (DigitalOcean volumes start at 1Gi)."
  }
}

variable "antivirus_enabled" {
  description = "Run ClamAV (about 1.5 GiB of memory for its signatures). Off by default on the platform's small nodes; rspamd still scores spam and oletools still checks Office macros."
  type        = bool
  default     = false
}

variable "full_text_search_enabled" {
  description = "Run Apache Tika for full-text search of attachments (a JVM, about 1 GiB of memory). Off by default."
  type        = bool
  default     = false
}

variable "admin_username" {
  description = "Local part of the first administrator Mailu creates (<admin_username>@<mail_domain>); its password is generated (see the admin_secret output)."
  type        = string
  default     = "admin"

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?$", var.admin_username))
    error_message = "admin_username must be the local part of an address: lower-case letters, digits, '.', '_' and '-'."
  }
}

variable "tcp_routes_enabled" {
  description = "Create the Traefik IngressRouteTCP objects that bring the mail ports (smtp, smtps, submission, imaps, sieve entrypoints) to Mailu with PROXY protocol. They are planned once Traefik's CRD is in the cluster (a check warns until then); false leaves mail routing to someone else."
  type        = bool
  default     = true
}

# ---------------------------------------------------------------------------------------------
# Backups of mail and Mailu's own files to Spaces, restore-tested.
# ---------------------------------------------------------------------------------------------

variable "backups_enabled" {
  description = "Archive the mail and admin volumes to Spaces nightly and restore-test the latest archives weekly (the databases are the data layer's)."
  type        = bool
  default     = true
}

variable "backup_bucket" {
  description = "Spaces bucket the archives go to, under mailu/<volume>/. Created outside this module with a lifecycle rule that expires old backups; its name contains \"backup\"."
  type        = string
  default     = null

  validation {
    condition     = var.backup_bucket == null ? !var.backups_enabled : can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", coalesce(var.backup_bucket, "-"))) && strcontains(coalesce(var.backup_bucket, "-"), "backup")
    error_message = "backup_bucket is required while backups_enabled is true: a Spaces bucket name (3 to 63 lower-case letters, digits and '-') containing \"backup\"."
  }
}

variable "backup_region" {
  description = "DigitalOcean region of the backup bucket; also the S3 signing region."
  type        = string
  default     = "fra1"

  validation {
    condition     = can(regex("^[a-z]{3}[0-9]$", var.backup_region))
    error_message = "backup_region must be a DigitalOcean region slug such as fra1."
  }
}

variable "backup_endpoint" {
  description = "S3 endpoint of the bucket. Null: Spaces in backup_region. Only a loopback endpoint (a test object store) may use plain http."
  type        = string
  default     = null

  validation {
    condition     = var.backup_endpoint == null || ((can(regex("^https://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?/?$", coalesce(var.backup_endpoint, "-"))) || can(regex("^http://(localhost|127\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}|\\[::1\\])(:[0-9]{1,5})?/?$", coalesce(var.backup_endpoint, "-")))) && try(tonumber(regex(":([0-9]+)/?$", coalesce(var.backup_endpoint, "-"))[0]) >= 1 && tonumber(regex(":([0-9]+)/?$", coalesce(var.backup_endpoint, "-"))[0]) <= 65535, true))
    error_message = "backup_endpoint must be an https:// URL with no path and a port (if any) from 1 to 65535; plain http:// only for a loopback test endpoint."
  }
}

variable "backup_credentials" {
  description = "Spaces key (access_key, secret_key) limited to backup_bucket. Required while backups_enabled is true; set it from the CI secret store."
  type = object({
    access_key = string
    secret_key = string
  })
  default   = null
  sensitive = true

  validation {
    condition     = !var.backups_enabled || (var.backup_credentials != null && length(try(var.backup_credentials.access_key, "")) > 0 && length(try(var.backup_credentials.secret_key, "")) > 0)
    error_message = "backup_credentials (a non-empty access_key and secret_key) is required while backups_enabled is true."
  }
}

variable "backup_schedule" {
  description = "Cron schedule (UTC) of the nightly archives."
  type        = string
  default     = "30 3 * * *"

  validation {
    condition     = can(regex("^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|[0-9*,/-]+ [0-9*,/-]+ [0-9*,/?LW-]+ [0-9A-Za-z*,/-]+ [0-9A-Za-z*,/?L#-]+)$", var.backup_schedule))
    error_message = "backup_schedule must be a five-field cron expression or a macro such as @daily."
  }
}

variable "restore_test_schedule" {
  description = "Cron schedule (UTC) of the weekly restore tests."
  type        = string
  default     = "15 5 * * 0"

  validation {
    condition     = can(regex("^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|[0-9*,/-]+ [0-9*,/-]+ [0-9*,/?LW-]+ [0-9A-Za-z*,/-]+ [0-9A-Za-z*,/?L#-]+)$", var.restore_test_schedule))
    error_message = "restore_test_schedule must be a five-field cron expression or a macro such as @weekly."
  }
}
