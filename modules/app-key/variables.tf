variable "namespace" {
  description = "Namespace of the Secret that holds the key (the app's namespace)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.namespace))
    error_message = "namespace must be a DNS label."
  }
}

variable "secret_name" {
  description = "Name of the Secret that holds the key."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", var.secret_name))
    error_message = "secret_name must be a Kubernetes Secret name (lower case, digits, '-' and '.')."
  }
}

variable "env_name" {
  description = "Key inside the Secret under which the key is stored (the environment variable the app reads, e.g. N8N_ENCRYPTION_KEY)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z_][A-Za-z0-9_]*$", var.env_name))
    error_message = "env_name must be an environment variable name (letters, digits and '_', not starting with a digit)."
  }
}

variable "key" {
  description = "The key itself, when it already exists (an app migrated from another host, or a restore after losing state). Null: generate 32 random bytes, base64-encoded, once."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = var.key == null || try(length(var.key) >= 16, false)
    error_message = "key must be at least 16 characters long, or null to generate one."
  }
}

variable "key_sha256" {
  description = "SHA-256 (hex) of the key in service, as the sha256 output printed it after the first apply. Once set, any plan that would deploy a different key fails, even after state loss or a -replace."
  type        = string
  default     = null

  validation {
    condition     = var.key_sha256 == null || can(regex("^[0-9a-f]{64}$", var.key_sha256))
    error_message = "key_sha256 must be 64 lower-case hex digits (the module's sha256 output), or null before the first apply."
  }
}

variable "labels" {
  description = "Labels of the Secret."
  type        = map(string)
  default     = {}
}
