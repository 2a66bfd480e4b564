variable "root_domain" {
  description = "The platform's root domain; Mailu's host names are derived from it (and mail_domain)."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.root_domain)) && length(var.root_domain) <= 253
    error_message = "root_domain must be a lower-case DNS name of at most 253 characters such as example.org: no scheme, no trailing dot, no wildcard."
  }
}

variable "mail_domain" {
  description = "The domain mail is for (addresses user@mail_domain, its MX, SPF, DKIM and DMARC). Null: root_domain. It must be root_domain or below it."
  type        = string
  default     = null

  validation {
    condition     = var.mail_domain == null || can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", coalesce(var.mail_domain, "-")))
    error_message = "mail_domain must be a lower-case DNS name such as example.org, or null for root_domain."
  }

  validation {
    condition     = var.mail_domain == null || coalesce(var.mail_domain, "-") == var.root_domain || endswith(coalesce(var.mail_domain, "-"), ".${var.root_domain}")
    error_message = "mail_domain must be root_domain or a name below it (every FQDN of the platform derives from root_domain)."
  }
}

variable "hostname" {
  description = "Label in front of the mail domain for the mail server: MX target, IMAP/SMTP host and web UI (mail.<mail_domain>)."
  type        = string
  default     = "mail"

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", var.hostname))
    error_message = "hostname must be one lower-case DNS label such as mail."
  }
}

variable "dns_ttl" {
  description = "TTL (seconds) of every mail record. Low (300) during the cutover so a mistake is corrected in minutes; raise it (3600) once mail runs here."
  type        = number
  default     = 300

  validation {
    condition     = var.dns_ttl >= 30 && var.dns_ttl <= 86400 && floor(var.dns_ttl) == var.dns_ttl
    error_message = "dns_ttl must be a whole number of seconds from 30 to 86400."
  }
}

variable "dmarc" {
  description = "DMARC policy for the mail domain: policy none, quarantine or reject (start with quarantine during the cutover, reject once reports are clean), and the addresses aggregate (rua; null: postmaster@<mail_domain>) and optional failure (ruf) reports go to."
  type = object({
    policy = optional(string, "quarantine")
    rua    = optional(string)
    ruf    = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    condition     = contains(["none", "quarantine", "reject"], var.dmarc.policy)
    error_message = "dmarc.policy must be none, quarantine or reject."
  }

  validation {
    condition     = alltrue([for address in compact([var.dmarc.rua, var.dmarc.ruf]) : can(regex("^[a-z0-9._%+-]+@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", address))])
    error_message = "dmarc.rua and dmarc.ruf must be e-mail addresses such as dmarc@example.org (without mailto:)."
  }
}

variable "spf_include" {
  description = "Extra SPF mechanisms for senders besides Mailu's own hosts, e.g. [\"include:spf.relay.example\"] for the relay provider."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for mechanism in var.spf_include : can(regex("^(include:|ip4:|ip6:|a:|mx:)[A-Za-z0-9.:/_-]+$", mechanism)) && !can(regex("^ip[46]:.*/[0-7]$", mechanism))])
    error_message = "spf_include entries must be SPF mechanisms: include:<domain>, ip4:<net>, ip6:<net>, a:<host> or mx:<host>; ip4/ip6 networks no wider than /8 (ip4:0.0.0.0/0 would let anyone send as the domain)."
  }
}

variable "legacy_dkim" {
  description = "The DKIM key of the server mail moves from, kept published during the cutover so mail it signed still verifies: selector (Mail-in-a-Box: mail) and the public key (base64 of the key in the p= tag). Null once the cutover is done."
  type = object({
    selector   = optional(string, "mail")
    public_key = string
  })
  default = null

  validation {
    condition     = var.legacy_dkim == null || (can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", try(var.legacy_dkim.selector, ""))) && try(var.legacy_dkim.selector, "") != "dkim")
    error_message = "legacy_dkim.selector must be a DNS label other than dkim (Mailu's own selector), e.g. mail."
  }

  validation {
    condition     = var.legacy_dkim == null || can(regex("^[A-Za-z0-9+/]{200,}={0,2}$", try(var.legacy_dkim.public_key, "")))
    error_message = "legacy_dkim.public_key must be the base64 public key from the old DKIM record's p= tag (no quotes, no spaces)."
  }
}

variable "mta_sts_mode" {
  description = "MTA-STS policy Mailu serves at https://mta-sts.<mail_domain>/.well-known/mta-sts.txt: testing during the cutover (failures are reported, not enforced), enforce once TLS-RPT reports are clean, none to withdraw it."
  type        = string
  default     = "testing"

  validation {
    condition     = contains(["none", "testing", "enforce"], var.mta_sts_mode)
    error_message = "mta_sts_mode must be none, testing or enforce."
  }
}

variable "tls_rpt_address" {
  description = "Address TLS reports (TLS-RPT, RFC 8460) go to; null publishes no TLS-RPT record."
  type        = string
  default     = null

  validation {
    condition     = var.tls_rpt_address == null || can(regex("^[a-z0-9._%+-]+@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", coalesce(var.tls_rpt_address, "-")))
    error_message = "tls_rpt_address must be an e-mail address such as tls-reports@example.org (without mailto:)."
  }
}

