# external-dns keeps the A/AAAA/CNAME records of Ingress hosts in DigitalOcean DNS. OpenTofu
# (modules/dns) owns every other record; the TXT registry with owner id "platform" marks what
# external-dns may change, so the two never fight over a name. Why the in-tree provider of
# 0.20.0 and not the webhook: see README.md ("external-dns: provider choice and exit plan").
resource "kubernetes_secret_v1" "external_dns" {
  count = var.components.external_dns ? 1 : 0

  metadata {
    name      = "external-dns-digitalocean"
    namespace = local.infra_namespace
    labels    = { "app.kubernetes.io/name" = "external-dns" }
  }
  data = { token = var.digitalocean_token }

  lifecycle {
    precondition {
      condition     = var.digitalocean_token != null
      error_message = "components.external_dns needs digitalocean_token (a DigitalOcean API token with DNS write access)."
    }
  }
}

locals {
  external_dns_values = {
    provider           = { name = "digitalocean" }
    env                = [{ name = "DO_TOKEN", valueFrom = { secretKeyRef = { name = "external-dns-digitalocean", key = "token" } } }]
    sources            = ["ingress"]
    domainFilters      = [var.root_domain]
    managedRecordTypes = ["A", "AAAA", "CNAME"]
    registry           = "txt"
    txtOwnerId         = "platform"
    # A CNAME may not share its name with the registry's TXT record: keep those apart.
    txtPrefix = "extdns-"
    policy    = "sync"
    interval  = "2m"
    resources = { requests = { cpu = "10m", memory = "48Mi" }, limits = { memory = "128Mi" } }
  }
}

resource "helm_release" "external_dns" {
  count = local.install.external_dns ? 1 : 0

  name        = "external-dns"
  namespace   = local.infra_namespace
  repository  = local.chart_sources.external_dns.repository
  chart       = local.chart_sources.external_dns.chart
  version     = local.chart_sources.external_dns.version
  description = local.chart_sources.external_dns.description

  wait             = local.release.wait
  disable_webhooks = local.release.disable_webhooks
  timeout          = local.release.timeout

  values = [yamlencode(local.external_dns_values)]

  depends_on = [kubernetes_secret_v1.external_dns]
}
