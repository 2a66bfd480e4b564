# The mail side of DNS for Mailu, in the records schema of modules/dns (HOUSE contract 7), and
# the DKIM key those records publish. It needs no cluster, so it lives in the cluster stack next
# to modules/dns; the platform stack hands modules/mailu the key and the settings (the mailu and
# dkim_private_key outputs), so the key that signs and the key in DNS are one key.
#
# Who owns which record (they never manage the same name and type):
# - external-dns: the A/AAAA records of Ingress hosts, with its TXT registry (owner id
#   platform). For mail these are web_hosts: mail.<domain> (MX target, IMAP/SMTP, web UI),
#   autoconfig., autodiscover. and mta-sts., all served by Mailu's front through Traefik.
# - OpenTofu (the records output): MX, the SPF, DKIM, DMARC, MTA-STS and TLS-RPT TXT records,
#   and the RFC 6186 SRV records. Never A, AAAA or CNAME, and nothing on a web host's name: the
#   module's tests check both.

locals {
  mail_domain = coalesce(var.mail_domain, var.root_domain)
  mail_host   = "${var.hostname}.${local.mail_domain}"
  mta_sts     = var.mta_sts_mode != "none"
  web_hosts = concat(
    [local.mail_host, "autoconfig.${local.mail_domain}", "autodiscover.${local.mail_domain}"],
    local.mta_sts ? ["mta-sts.${local.mail_domain}"] : [],
  )

  # The MTA-STS policy (RFC 8461) Mailu's front serves at mta-sts.<mail_domain>; its hash is the
  # id in DNS, so senders fetch it again whenever it changes.
  mta_sts_policy = local.mta_sts ? "version: STSv1\nmode: ${var.mta_sts_mode}\nmx: ${local.mail_host}\nmax_age: ${var.mta_sts_mode == "enforce" ? 604800 : 86400}\n" : null

  # Names relative to the zone (root_domain), as DigitalOcean stores them.
  at = local.mail_domain == var.root_domain ? "@" : trimsuffix(local.mail_domain, ".${var.root_domain}")
  below = { for label in ["dkim._domainkey", "_dmarc", "_mta-sts", "_smtp._tls", "_submission._tcp", "_submissions._tcp", "_imaps._tcp", "_autodiscover._tcp", "${try(var.legacy_dkim.selector, "mail")}._domainkey"] :
    label => local.at == "@" ? label : "${label}.${local.at}"
  }

  # DKIM's p= tag: the base64 of the SubjectPublicKeyInfo, as Mailu's admin shows it.
  dkim_public_key = replace(replace(replace(tls_private_key.dkim.public_key_pem, "-----BEGIN PUBLIC KEY-----", ""), "-----END PUBLIC KEY-----", ""), "\n", "")

  dmarc = join("; ", compact([
    "v=DMARC1",
    "p=${var.dmarc.policy}",
    "rua=mailto:${coalesce(var.dmarc.rua, "postmaster@${local.mail_domain}")}",
    var.dmarc.ruf == null ? "" : "ruf=mailto:${var.dmarc.ruf}",
  ]))

  spf = join(" ", concat(["v=spf1", "mx", "a:${local.mail_host}"], var.spf_include, ["~all"]))

  # What mail clients find (RFC 6186): only the services Mailu offers through Traefik.
  srv = {
    submission   = 587
    submissions  = 465
    imaps        = 993
    autodiscover = 443
  }

  records = merge(
    {
      "mx-${local.at == "@" ? "apex" : replace(local.at, ".", "-")}-10" = { type = "MX", name = local.at, value = "${local.mail_host}.", ttl = var.dns_ttl, priority = 10 }
      "spf"                                                             = { type = "TXT", name = local.at, value = local.spf, ttl = var.dns_ttl }
      "dkim-dkim"                                                       = { type = "TXT", name = local.below["dkim._domainkey"], value = "v=DKIM1; k=rsa; p=${local.dkim_public_key}", ttl = var.dns_ttl }
      "dmarc"                                                           = { type = "TXT", name = local.below["_dmarc"], value = local.dmarc, ttl = var.dns_ttl }
    },
    var.legacy_dkim == null ? {} : {
      "dkim-${var.legacy_dkim.selector}" = { type = "TXT", name = local.below["${var.legacy_dkim.selector}._domainkey"], value = "v=DKIM1; k=rsa; p=${var.legacy_dkim.public_key}", ttl = var.dns_ttl }
    },
    { for service, port in local.srv : "srv-${service}" => {
      type = "SRV", name = local.below["_${service}._tcp"], value = "${local.mail_host}.", ttl = var.dns_ttl, priority = 0, weight = 1, port = port
    } },
    local.mta_sts ? {
      "mta-sts" = { type = "TXT", name = local.below["_mta-sts"], value = "v=STSv1; id=${substr(sha256(local.mta_sts_policy), 0, 20)}", ttl = var.dns_ttl }
    } : {},
    var.tls_rpt_address == null ? {} : {
      "tls-rpt" = { type = "TXT", name = local.below["_smtp._tls"], value = "v=TLSRPTv1; rua=mailto:${var.tls_rpt_address}", ttl = var.dns_ttl }
    },
  )
}

# Mailu's DKIM key. It changes only when this resource is replaced on purpose (README: rotating).
resource "tls_private_key" "dkim" {
  algorithm = "RSA"
  rsa_bits  = 2048
}
