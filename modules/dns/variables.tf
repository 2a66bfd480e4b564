variable "root_domain" {
  description = "The platform's one domain (e.g. example.org): the DigitalOcean DNS zone this module creates. Every other name is relative to it."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.root_domain))
    error_message = "root_domain must be a lower-case DNS name such as example.org: no scheme, no trailing dot, no wildcard."
  }
}

variable "records" {
  description = <<-EOT
    Records OpenTofu owns in the zone (mail, the apex, static records), keyed by a stable id such
    as "mx-apex-10" so plans never churn on order. external-dns owns the A/AAAA/CNAME records of
    Ingress hosts; never list the same name and type here. Schema (HOUSE.md contract 7):
    type (A, AAAA, CAA, CNAME, MX, NS, TXT, SRV), name ("@" for the apex, else relative to the
    domain), value (as DigitalOcean stores it; FQDN targets end with "."), ttl (default 3600),
    priority (MX, SRV), port and weight (SRV), flags and tag (CAA).
  EOT
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
    condition     = alltrue([for id, record in var.records : can(regex("^[a-z0-9][a-z0-9-]{0,62}$", id))])
    error_message = "records keys are stable ids: lower-case letters, digits and dashes, e.g. mx-apex-10."
  }

  validation {
    condition     = alltrue([for record in values(var.records) : contains(["A", "AAAA", "CAA", "CNAME", "MX", "NS", "TXT", "SRV"], record.type)])
    error_message = "records[*].type must be one of A, AAAA, CAA, CNAME, MX, NS, TXT, SRV (what DigitalOcean DNS holds; DS, TLSA and SSHFP cannot move there)."
  }

  validation {
    condition     = alltrue([for record in values(var.records) : record.name == "@" || can(regex("^(\\*\\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)(\\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)*$", record.name))])
    error_message = "records[*].name is relative to root_domain: \"@\" for the apex, else labels such as www or _dmarc (no trailing dot, not the full domain)."
  }

  validation {
    condition     = alltrue([for record in values(var.records) : record.name != var.root_domain && !endswith(record.name, ".${var.root_domain}")])
    error_message = "records[*].name must be relative to root_domain (www, not www.<root_domain>): DigitalOcean would append the domain again."
  }

  validation {
    condition     = alltrue([for record in values(var.records) : record.ttl >= 30 && record.ttl <= 86400])
    error_message = "records[*].ttl must be between 30 and 86400 seconds (DigitalOcean's minimum is 30)."
  }

  validation {
    condition     = alltrue([for record in values(var.records) : !contains(["CNAME", "MX", "NS", "SRV"], record.type) || record.value == "@" || endswith(record.value, ".")])
    error_message = "records[*].value of a CNAME, MX, NS or SRV record is a fully qualified name ending with \".\" (or \"@\" for the apex)."
  }

  validation {
    condition     = alltrue([for record in values(var.records) : contains(["MX", "SRV"], record.type) == (record.priority != null)])
    error_message = "records[*].priority is required for MX and SRV records and only for them."
  }

  validation {
    condition     = alltrue([for record in values(var.records) : (record.type == "SRV") == (record.port != null && record.weight != null)])
    error_message = "records[*].port and weight are required for SRV records and only for them."
  }

  validation {
    condition     = alltrue([for record in values(var.records) : (record.type == "CAA") == (record.flags != null && record.tag != null)])
    error_message = "records[*].flags and tag are required for CAA records (tag issue, issuewild or iodef) and only for them."
  }

  validation {
    condition     = alltrue([for record in values(var.records) : record.tag == null || contains(["issue", "issuewild", "iodef"], coalesce(record.tag, "-"))])
    error_message = "records[*].tag of a CAA record must be issue, issuewild or iodef."
  }

  validation {
    condition     = length(distinct([for record in values(var.records) : "${record.type} ${record.name}" if record.type == "CNAME"])) == length([for record in values(var.records) : record if record.type == "CNAME"])
    error_message = "records may hold only one CNAME per name."
  }
}
