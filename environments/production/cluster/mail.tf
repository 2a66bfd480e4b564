# Mailu's DNS side: the records and the DKIM key they publish live here, next to the zone, so
# the stack that owns the zone plans every record in it (and the mail-dns rule judges them in
# this plan). The platform stack reads the key and Mailu's settings from this stack's encrypted
# state (output mail), the way it reads the Spaces keys: cluster -> platform only, no cycle.
module "mail_dns" {
  source = "../../../modules/mail-dns"
  count  = var.components.mailu ? 1 : 0

  root_domain     = var.root_domain
  mail_domain     = var.mail_dns.mail_domain
  hostname        = var.mail_dns.hostname
  dns_ttl         = var.mail_dns.dns_ttl
  dmarc           = var.mail_dns.dmarc
  spf_include     = var.mail_dns.spf_include
  legacy_dkim     = var.mail_dns.legacy_dkim
  mta_sts_mode    = var.mail_dns.mta_sts_mode
  tls_rpt_address = var.mail_dns.tls_rpt_address
}

locals {
  mail_records = var.components.mailu ? module.mail_dns[0].records : {}
  mail_web_hosts = var.components.mailu ? [
    for host in module.mail_dns[0].web_hosts : host == var.root_domain ? "@" : trimsuffix(host, ".${var.root_domain}")
  ] : []

  # Ownership (HOUSE contract 7): OpenTofu and external-dns never manage the same name and type.
  # A dns_records entry (the migrated zone) may not take what the mail records hold: the same
  # key, the same type and name (at a name's apex TXT only a second SPF collides: verification
  # TXT records live beside it), or an A/AAAA/CNAME on a host external-dns publishes for Mailu.
  mail_record_owners = { for key, record in local.mail_records : "${record.type} ${record.name}" => key... }
  dns_record_conflicts = sort(compact(flatten([
    for key, record in var.dns_records : [
      contains(keys(local.mail_records), key) ? "dns_records[\"${key}\"] reuses the key of Mailu's record" : "",
      contains(keys(local.mail_record_owners), "${record.type} ${record.name}") && !(record.type == "TXT" && !startswith(record.value, "v=spf1") && !startswith(record.value, "v=DKIM1") && !startswith(record.value, "v=DMARC1") && !startswith(record.value, "v=STSv1") && !startswith(record.value, "v=TLSRPTv1")) ? "dns_records[\"${key}\"] (${record.type} ${record.name}) is Mailu's record ${join(", ", local.mail_record_owners["${record.type} ${record.name}"])}" : "",
      contains(["A", "AAAA", "CNAME"], record.type) && contains(local.mail_web_hosts, record.name) ? "dns_records[\"${key}\"] (${record.type} ${record.name}) is a Mailu web host, which external-dns publishes from the Ingress" : "",
    ]
  ])))
}

output "mail" {
  description = "What the platform stack hands modules/mailu (null while components.mailu is off): mailu (mail_domain, mail_host, web_hosts, mta_sts_policy) and dkim_private_key, whose public half this stack publishes. Sensitive: the key lives only in the encrypted state."
  sensitive   = true
  value = var.components.mailu ? {
    mailu            = module.mail_dns[0].mailu
    dkim_private_key = module.mail_dns[0].dkim_private_key
  } : null

  precondition {
    condition     = length(local.dns_record_conflicts) == 0
    error_message = "dns_records overlaps the records OpenTofu publishes for Mailu: ${join("; ", local.dns_record_conflicts)}. Drop those entries from dns_records (the migrated zone's MX, SPF, DKIM and DMARC go once Mailu's are published; keep Mail-in-a-Box's DKIM key through mail_dns.legacy_dkim instead)."
  }
}

output "mail_records" {
  description = "The mail records this stack publishes for Mailu (modules/mail-dns), by key; empty while components.mailu is off."
  value       = local.mail_records
}
