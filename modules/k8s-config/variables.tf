variable "root_domain" {
  description = "The one domain every FQDN of the platform is derived from (e.g. example.org). Set once, in the environment."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.root_domain)) && length(var.root_domain) <= 253
    error_message = "root_domain must be a lower-case DNS name of at most 253 characters such as example.org: no scheme, no trailing dot, no wildcard."
  }
}

variable "pod_security" {
  description = <<-EOT
    Pod Security Standard enforced per platform namespace. infra defaults to privileged because
    Velero's node-agent and the node exporter mount host paths; data runs the official database
    images as non-root and can be restricted.
  EOT
  type        = map(string)
  default = {
    infra = "privileged"
    data  = "restricted"
  }

  validation {
    condition     = alltrue([for level in values(var.pod_security) : contains(["privileged", "baseline", "restricted"], level)])
    error_message = "pod_security values must be one of privileged, baseline or restricted."
  }

  validation {
    condition     = length(setsubtract(keys(var.pod_security), ["infra", "data"])) == 0 && length(var.pod_security) == 2
    error_message = "pod_security must have exactly the keys infra and data (k8s-config manages only those two layers)."
  }
}

variable "extra_labels" {
  description = "Labels added to every namespace this module creates (cost centre, owner, ...)."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for key in keys(var.extra_labels) : !startswith(key, "platform/") && !startswith(key, "pod-security.kubernetes.io/")])
    error_message = "extra_labels may not set platform/* or pod-security.kubernetes.io/* keys: the module owns those."
  }
}

variable "chart_mirror" {
  description = "Where Helm reads the pinned charts instead of their upstream repositories: a folder of <chart>-<version>.tgz (as `helm pull` writes them) or an oci:// registry. null reads upstream. The harness sets it from PLATFORM_CHART_MIRROR after checking every chart against versions.json."
  type        = string
  default     = null

  validation {
    condition     = var.chart_mirror == null || can(regex("^(oci://[^\\s]+[^\\s/]|/[^\\s]*[^\\s/])$", coalesce(var.chart_mirror, "-")))
    error_message = "chart_mirror must be an absolute folder path or an oci://host/path reference, without a trailing slash."
  }
}

variable "components" {
  description = "Which infra components to install, each in its own file: traefik, cert_manager, external_dns, velero, monitoring (Prometheus, Alertmanager, kube-state-metrics, node exporter), logging (VictoriaLogs and its Vector agent). All off by default; an environment turns on what it runs."
  type = object({
    traefik      = optional(bool, false)
    cert_manager = optional(bool, false)
    external_dns = optional(bool, false)
    velero       = optional(bool, false)
    monitoring   = optional(bool, false)
    logging      = optional(bool, false)
  })
  default  = {}
  nullable = false
}

variable "local_control_plane" {
  description = "true on an API server without kubelet or scheduler (environments/local): Helm neither waits for workloads nor runs chart hooks (Jobs that would never finish). Production leaves it false: every release waits until ready and runs its hooks."
  type        = bool
  default     = false
}

variable "storage_class" {
  description = "StorageClass of every volume the infra layer claims (Prometheus, VictoriaLogs). Only Retain classes: deleting a release must never delete its data."
  type        = string
  default     = "do-block-storage-retain"

  validation {
    condition     = contains(["do-block-storage-retain", "do-block-storage-xfs-retain"], var.storage_class)
    error_message = "storage_class must be do-block-storage-retain or do-block-storage-xfs-retain (Retain classes only)."
  }
}

variable "ingress" {
  description = <<-EOT
    The one DigitalOcean load balancer in front of Traefik. trusted_cidrs are the addresses the
    load balancer connects from (the VPC range): only they may send PROXY protocol headers.
    load_balancer_name names the LB in DigitalOcean so the platform stack can read its address;
    its hostname (lb.<root_domain>) keeps in-cluster hairpin traffic working with PROXY protocol.
  EOT
  type = object({
    trusted_cidrs      = list(string)
    load_balancer_name = optional(string, "platform-ingress")
    replicas           = optional(number, 2)
  })
  default = { trusted_cidrs = ["10.0.0.0/8"] }

  validation {
    condition     = length(var.ingress.trusted_cidrs) > 0 && alltrue([for cidr in var.ingress.trusted_cidrs : can(cidrhost(cidr, 0)) && try(tonumber(split("/", cidr)[1]) >= 8, false)])
    error_message = "ingress.trusted_cidrs must list at least one CIDR no wider than /8, e.g. the VPC range 10.110.0.0/20: a wider range (0.0.0.0/0, ::/0) would let anyone send a PROXY protocol header and forge their address."
  }

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", var.ingress.load_balancer_name))
    error_message = "ingress.load_balancer_name must be lower-case letters, digits and dashes (a DigitalOcean resource name)."
  }

  validation {
    condition     = var.ingress.replicas >= 1 && var.ingress.replicas <= 5 && floor(var.ingress.replicas) == var.ingress.replicas
    error_message = "ingress.replicas must be a whole number from 1 to 5."
  }
}

variable "acme_email" {
  description = "Contact address for the Let's Encrypt account of both ClusterIssuers (expiry notices go there). Required with cert_manager."
  type        = string
  default     = null

  validation {
    condition     = var.acme_email == null || can(regex("^[A-Za-z0-9._%+-]+@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}$", coalesce(var.acme_email, "-")))
    error_message = "acme_email must be an e-mail address such as ops@example.org (no mailto:, no display name)."
  }
}

variable "digitalocean_token" {
  description = "DigitalOcean API token for external-dns (scope: domain read/write). Stored only in a Secret in infra. Required with external_dns."
  type        = string
  default     = null
  sensitive   = true
}

variable "velero_storage" {
  description = "Spaces bucket for Velero's file-system backups and the region it lives in (its endpoint is https://<region>.digitaloceanspaces.com). Required with velero."
  type = object({
    bucket = string
    region = string
  })
  default = null

  validation {
    condition     = var.velero_storage == null || can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", try(var.velero_storage.bucket, "")))
    error_message = "velero_storage.bucket must be a Spaces bucket name: 3 to 63 lower-case letters, digits and dashes."
  }

  validation {
    condition     = var.velero_storage == null || contains(["nyc3", "sfo2", "sfo3", "ams3", "sgp1", "fra1", "syd1", "lon1", "blr1", "tor1", "atl1"], try(var.velero_storage.region, ""))
    error_message = "velero_storage.region must be a Spaces region: nyc3, sfo2, sfo3, ams3, sgp1, fra1, syd1, lon1, blr1, tor1 or atl1."
  }
}

variable "velero_credentials" {
  description = "The Spaces key Velero writes with (access_key, secret_key), scoped to velero_storage.bucket. Required with velero."
  type = object({
    access_key = string
    secret_key = string
  })
  default   = null
  sensitive = true
}

variable "velero_schedules" {
  description = "Velero backup schedules: cron (UTC) and how long each backup is kept (ttl, a Go duration in hours). They cover the app namespaces; database volumes are excluded by label (the data layer's dumps cover them)."
  type = map(object({
    schedule = string
    ttl      = string
  }))
  default = {
    daily  = { schedule = "30 2 * * *", ttl = "168h" }
    weekly = { schedule = "0 4 * * 0", ttl = "720h" }
  }

  validation {
    condition     = alltrue([for s in values(var.velero_schedules) : can(regex("^[0-9*,/-]+ [0-9*,/-]+ [0-9*,/?LW-]+ [0-9A-Za-z*,/-]+ [0-9A-Za-z*,/?L#-]+$", s.schedule)) && can(regex("^[0-9]+h$", s.ttl))])
    error_message = "velero_schedules entries need a five-field cron schedule such as \"30 2 * * *\" (no macros, no shell characters) and a ttl in hours such as 168h."
  }
}

variable "backup_namespaces" {
  description = "Namespaces Velero backs up. Pods opt their volumes in with the backup.velero.io/backup-volumes annotation; volumes labelled velero.io/exclude-from-backup=true are left out."
  type        = list(string)
  default     = ["wordpress", "n8n", "crm", "nextcloud", "mailu"]

  validation {
    condition     = length(var.backup_namespaces) > 0 && alltrue([for ns in var.backup_namespaces : can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", ns)) && !contains(["data", "infra", "default"], ns) && !startswith(ns, "kube-")])
    error_message = "backup_namespaces must list at least one app namespace (an empty list would make Velero back up every namespace); data (dumped by the data layer), infra, default and kube-* are not backed up by Velero."
  }
}

variable "monitoring" {
  description = "Prometheus retention (days and size cap) and volume size, and the Alertmanager configuration (YAML; null keeps alerts in Alertmanager's UI only). Sized for two s-2vcpu-4gb nodes."
  type = object({
    retention_days      = optional(number, 10)
    retention_size      = optional(string, "6GB")
    volume_size         = optional(string, "8Gi")
    alertmanager_config = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.monitoring.retention_days >= 1 && var.monitoring.retention_days <= 90 && floor(var.monitoring.retention_days) == var.monitoring.retention_days && can(regex("^[0-9]+(MB|GB)$", var.monitoring.retention_size)) && can(regex("^[1-9][0-9]*Gi$", var.monitoring.volume_size))
    error_message = "monitoring needs retention_days a whole number from 1 to 90, retention_size like 6GB and volume_size like 8Gi (at least 1Gi)."
  }
}

variable "logging" {
  description = "VictoriaLogs retention and volume size."
  type = object({
    retention_period = optional(string, "14d")
    volume_size      = optional(string, "10Gi")
  })
  default  = {}
  nullable = false

  validation {
    condition     = can(regex("^[1-9][0-9]*[dw]$", var.logging.retention_period)) && can(regex("^[1-9][0-9]*Gi$", var.logging.volume_size))
    error_message = "logging needs retention_period like 14d or 2w (at least 1d) and volume_size like 10Gi (at least 1Gi)."
  }
}
