output "records" {
  description = "The mail records of the zone root_domain in modules/dns's records schema (HOUSE contract 7): MX, SPF, DKIM (Mailu's selector dkim, and the legacy one during the cutover), DMARC, RFC 6186 SRV records, MTA-STS and TLS-RPT. Merge them into modules/dns's records."
  value       = local.records
}

output "mailu" {
  description = "What modules/mailu serves, as its mail input: mail_domain, mail_host, web_hosts (the Ingress hosts, whose A records external-dns owns) and mta_sts_policy."
  value = {
    mail_domain    = local.mail_domain
    mail_host      = local.mail_host
    web_hosts      = local.web_hosts
    mta_sts_policy = local.mta_sts_policy
  }
}

output "dkim_private_key" {
  description = "Mailu's DKIM signing key (PKCS#8 PEM), for modules/mailu's dkim_private_key."
  value       = tls_private_key.dkim.private_key_pem_pkcs8
  sensitive   = true
}

output "dkim_public_key" {
  description = "Base64 of the DKIM public key (the p= tag of dkim._domainkey)."
  value       = local.dkim_public_key
}

output "web_hosts" {
  description = "The Ingress hosts of Mailu: external-dns publishes them; records never names them."
  value       = local.web_hosts
}
