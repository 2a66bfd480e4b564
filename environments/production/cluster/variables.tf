# Inputs of the cluster stack. environments/production/terraform.tfvars sets them for both
# stacks at once (the harness hands each stack the inputs it declares); variables both stacks
# declare are declared identically (test/unit/production.test.ts).

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

variable "kubernetes_version" {
  description = "DOKS version slug, e.g. 1.35.4-do.0 (`doctl kubernetes options versions` lists what DigitalOcean offers today). Its minor must be one this platform supports: 1.35 (what the local control plane runs in every test) or 1.36, the list in the validation below. With auto_upgrade DigitalOcean moves the patch on its own: set the running slug here afterwards, or the plan stops (a lower version would replace the cluster)."
  type        = string

  validation {
    condition     = can(regex("^1\\.(35|36)\\.[0-9]+-do\\.[0-9]+$", var.kubernetes_version))
    error_message = "kubernetes_version must be a DOKS slug of a supported minor (1.35 or 1.36), such as 1.35.4-do.0: see `doctl kubernetes options versions`."
  }
}

variable "node_size" {
  description = "Droplet size of the worker nodes. The cost and capacity report prices it and checks the workloads fit its allocatable memory (harness/cost/digitalocean.json holds both figures). Choose it for the last phase: DigitalOcean cannot resize the cluster's pool, so a new size means a new cluster (the plan stops on prevent_destroy). The default, s-4vcpu-8gb, holds every app at one node for the price of two s-2vcpu-4gb (6 GiB allocatable against 2 x 2.5 GiB)."
  type        = string
  default     = "s-4vcpu-8gb"

  validation {
    condition     = contains(["s-2vcpu-4gb", "s-4vcpu-8gb", "s-8vcpu-16gb", "g-2vcpu-8gb", "c-2"], var.node_size)
    error_message = "node_size must be one of the sizes the cost table prices: s-2vcpu-4gb, s-4vcpu-8gb, s-8vcpu-16gb, g-2vcpu-8gb or c-2 (smaller droplets cannot hold the infra layer)."
  }
}

variable "node_pool" {
  description = "Autoscaling bounds of the worker pool. min_nodes is what you always pay for and what the capacity gate checks the workloads against; max_nodes caps the bill."
  type = object({
    min_nodes = number
    max_nodes = number
  })
  default = {
    min_nodes = 1
    max_nodes = 2
  }

  validation {
    condition     = var.node_pool.min_nodes >= 1 && var.node_pool.max_nodes >= var.node_pool.min_nodes && var.node_pool.max_nodes <= 10 && floor(var.node_pool.min_nodes) == var.node_pool.min_nodes && floor(var.node_pool.max_nodes) == var.node_pool.max_nodes
    error_message = "node_pool needs whole numbers with 1 <= min_nodes <= max_nodes <= 10."
  }
}

variable "ha_control_plane" {
  description = "Run the highly available control plane (99.95% SLA; priced in the cost report). Once on it cannot be turned off again: DigitalOcean refuses the change."
  type        = bool
  default     = false
}

variable "maintenance_window" {
  description = "When DigitalOcean may apply patch upgrades (auto_upgrade is always on): a day (any, monday ... sunday) and a UTC start time HH:MM. Surge upgrades add a node during the upgrade so workloads move before a node drains."
  type = object({
    day        = string
    start_time = string
  })
  default = {
    day        = "sunday"
    start_time = "03:00"
  }

  validation {
    condition     = contains(["any", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"], var.maintenance_window.day)
    error_message = "maintenance_window.day must be any or a lower-case weekday (monday ... sunday)."
  }

  validation {
    condition     = can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]$", var.maintenance_window.start_time))
    error_message = "maintenance_window.start_time must be a UTC time HH:MM, such as 03:00."
  }
}

variable "control_plane_allowed_addresses" {
  description = "CIDRs allowed to reach the Kubernetes API (the control plane firewall). Empty leaves the API open to the internet, protected by its certificates and tokens only."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for cidr in var.control_plane_allowed_addresses : can(cidrhost(cidr, 0))])
    error_message = "control_plane_allowed_addresses must be CIDRs such as 203.0.113.7/32."
  }
}

variable "vpc_ip_range" {
  description = "Private range of the platform's VPC. It must not overlap another VPC of the account, nor DOKS's pod and service ranges (10.244.0.0/16, 10.245.0.0/16 by default)."
  type        = string
  default     = "10.110.0.0/20"

  validation {
    condition     = can(cidrhost(var.vpc_ip_range, 0)) && tonumber(split("/", var.vpc_ip_range)[1]) >= 16 && tonumber(split("/", var.vpc_ip_range)[1]) <= 24
    error_message = "vpc_ip_range must be a private CIDR between /16 and /24, such as 10.110.0.0/20."
  }
}

variable "backup_retention_days" {
  description = "Days a database or mail backup is kept in Spaces before the bucket's lifecycle rule expires it."
  type        = number
  default     = 30

  validation {
    condition     = var.backup_retention_days >= 7 && var.backup_retention_days <= 365 && floor(var.backup_retention_days) == var.backup_retention_days
    error_message = "backup_retention_days must be a whole number of days between 7 and 365."
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

variable "dns_records" {
  description = "Records OpenTofu owns in the zone (mail, the apex, static records), in the schema of modules/dns; `platform migrate dns` writes them as a tfvars JSON file. Needs components.dns."
  type = map(object({
    type     = string
    name     = string
    value    = string
    ttl      = optional(number, 3600)
    priority = optional(number)
    port     = optional(number)
    weight   = optional(number)
    flags    = optional(number)
    tag      = optional(string)
  }))
  default = {}

  validation {
    condition     = length(var.dns_records) == 0 || var.components.dns
    error_message = "dns_records needs components.dns = true: the records live in the DigitalOcean zone that toggle creates."
  }
}

variable "mail_dns" {
  description = "Settings of Mailu's DNS records (modules/mail-dns, used with components.mailu): mail_domain (null: root_domain), hostname (mail), dns_ttl (300 during the cutover, 3600 after), dmarc ({ policy, rua, ruf }), spf_include (the relay's include:), legacy_dkim ({ selector = \"mail\", public_key } of Mail-in-a-Box during the cutover), mta_sts_mode (testing, enforce, none) and tls_rpt_address. The module validates each field."
  type = object({
    mail_domain     = optional(string)
    hostname        = optional(string, "mail")
    dns_ttl         = optional(number, 300)
    dmarc           = optional(object({ policy = optional(string, "quarantine"), rua = optional(string), ruf = optional(string) }), {})
    spf_include     = optional(list(string), [])
    legacy_dkim     = optional(object({ selector = optional(string, "mail"), public_key = string }))
    mta_sts_mode    = optional(string, "testing")
    tls_rpt_address = optional(string)
  })
  default  = {}
  nullable = false
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
