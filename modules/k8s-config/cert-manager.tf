# cert-manager and the two ACME ClusterIssuers every app's Ingress names
# (cert-manager.io/cluster-issuer). HTTP-01 through Traefik: no DNS credentials in the cluster.
locals {
  acme_directories = {
    letsencrypt-staging    = "https://acme-staging-v02.api.letsencrypt.org/directory"
    letsencrypt-production = "https://acme-v02.api.letsencrypt.org/directory"
  }

  cert_manager_values = {
    # CRDs as part of the release, kept on uninstall so removing the chart never deletes
    # every Certificate with them (the local control plane lets them go with the release).
    crds            = { enabled = true, keep = !var.local_control_plane }
    resources       = { requests = { cpu = "20m", memory = "64Mi" }, limits = { memory = "192Mi" } }
    webhook         = { resources = { requests = { cpu = "10m", memory = "32Mi" }, limits = { memory = "96Mi" } } }
    cainjector      = { resources = { requests = { cpu = "10m", memory = "64Mi" }, limits = { memory = "192Mi" } } }
    startupapicheck = { resources = { requests = { cpu = "10m", memory = "32Mi" }, limits = { memory = "64Mi" } } }
    prometheus      = { enabled = true, servicemonitor = { enabled = false } }
  }
}

resource "helm_release" "cert_manager" {
  count = local.install.cert_manager ? 1 : 0

  name        = "cert-manager"
  namespace   = local.infra_namespace
  repository  = local.chart_sources.cert_manager.repository
  chart       = local.chart_sources.cert_manager.chart
  version     = local.chart_sources.cert_manager.version
  description = local.chart_sources.cert_manager.description

  wait             = local.release.wait
  disable_webhooks = local.release.disable_webhooks
  timeout          = local.release.timeout

  values = [yamlencode(local.cert_manager_values)]

  lifecycle {
    precondition {
      condition     = var.acme_email != null
      error_message = "components.cert_manager needs acme_email: the Let's Encrypt account's contact address."
    }
  }
}

resource "kubernetes_manifest" "cluster_issuer" {
  for_each = var.components.cert_manager && try(local.crd_present["clusterissuers.cert-manager.io"], false) ? local.acme_directories : {}

  manifest = {
    apiVersion = "cert-manager.io/v1"
    kind       = "ClusterIssuer"
    metadata   = { name = each.key }
    spec = {
      acme = {
        email               = var.acme_email
        server              = each.value
        privateKeySecretRef = { name = "${each.key}-account-key" }
        solvers             = [{ http01 = { ingress = { ingressClassName = "traefik" } } }]
      }
    }
  }

  depends_on = [helm_release.cert_manager]
}
