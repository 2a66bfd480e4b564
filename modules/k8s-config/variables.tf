variable "root_domain" {
  description = "The one domain every FQDN of the platform is derived from (e.g. example.org). Set once, in the environment."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.root_domain))
    error_message = "root_domain must be a lower-case DNS name such as example.org: no scheme, no trailing dot, no wildcard."
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
