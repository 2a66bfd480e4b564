variable "name" {
  description = "Name of the namespace. For the infra and data layers it is the layer's name; each app gets its own."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.name)) && !contains(["default", "kube-system", "kube-public", "kube-node-lease"], var.name)
    error_message = "name must be a DNS label (lower case, digits, '-', at most 63 characters) and not default or a kube-* namespace."
  }
}

variable "layer" {
  description = "Layer of the platform the namespace belongs to: infra, data or apps."
  type        = string
  default     = "apps"

  validation {
    condition     = contains(["infra", "data", "apps"], var.layer)
    error_message = "layer must be one of infra, data or apps."
  }
}

variable "root_domain" {
  description = "The platform's root domain; recorded on the namespace so policies can check the app's hosts against it."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.root_domain))
    error_message = "root_domain must be a lower-case DNS name such as example.org: no scheme, no trailing dot, no wildcard."
  }
}

variable "pod_security" {
  description = "Pod Security Standard enforced on the namespace. baseline suits the official app images that start as root and drop privileges."
  type        = string
  default     = "baseline"

  validation {
    condition     = contains(["privileged", "baseline", "restricted"], var.pod_security)
    error_message = "pod_security must be one of privileged, baseline or restricted."
  }
}

variable "purpose" {
  description = "One sentence on what runs in the namespace, recorded as an annotation for people reading the cluster."
  type        = string
  default     = ""
}

variable "extra_labels" {
  description = "Labels added to the namespace (cost centre, owner, ...)."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for key in keys(var.extra_labels) : !startswith(key, "platform/") && !startswith(key, "pod-security.kubernetes.io/")])
    error_message = "extra_labels may not set platform/* or pod-security.kubernetes.io/* keys: the module owns those."
  }
}
