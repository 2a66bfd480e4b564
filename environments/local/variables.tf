variable "kubeconfig_path" {
  description = "Kubeconfig of the cluster to plan against. The harness sets it; run `make plan` rather than tofu directly."
  type        = string
}

variable "kube_context" {
  description = "Context in kubeconfig_path to use; null uses the file's current context."
  type        = string
  default     = null
}

variable "root_domain" {
  description = "Root domain of the platform; every FQDN is derived from it. .test is reserved, so nothing local can collide with a real zone."
  type        = string
  default     = "platform.test"
}

variable "state_passphrase" {
  description = "Passphrase for state and plan encryption (at least 16 characters). The harness passes its persistent state key (README, State and keys), or TF_VAR_state_passphrase when set."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.state_passphrase) >= 16
    error_message = "state_passphrase must be at least 16 characters long."
  }
}

variable "chart_mirror" {
  description = "Chart mirror the harness verified (PLATFORM_CHART_MIRROR): a folder of <chart>-<version>.tgz or an oci:// registry; null reads the upstream repositories."
  type        = string
  default     = null
}

variable "charts_available" {
  description = "Charts (versions.json keys) the harness found, in the mirror or upstream; the components of the others are left out of this environment. The harness sets it."
  type        = list(string)
  default     = []
}

# The backups' object store. Locally nothing reaches Spaces unless a run points these at an
# object store of its own (the node kind's end-to-end run does).
variable "backup_endpoint" {
  description = "S3 endpoint of the backup bucket: Spaces by default; an end-to-end run on the node kind points it at its own object store."
  type        = string
  default     = "https://fra1.digitaloceanspaces.com"
}

variable "backup_access_key" {
  description = "Access key for backup_endpoint; null generates a random stand-in (nothing runs against Spaces locally)."
  type        = string
  default     = null
  sensitive   = true
}

variable "backup_secret_key" {
  description = "Secret key for backup_endpoint; null generates a random stand-in."
  type        = string
  default     = null
  sensitive   = true
}

variable "apps_enabled" {
  description = "Run the apps' workloads. The node kind's end-to-end run turns them off: their official images have no locally built stand-ins there. Their namespaces and databases stay either way."
  type        = bool
  default     = true
}
