# Custom resources (ClusterIssuers, Velero's storage location and schedules) can only be
# planned once their CRDs exist: the provider reads each kind's schema from the API server.
# The charts install the CRDs; these lookups see them from the next plan on, so a fresh
# cluster takes two gated applies (the harness's apply repeats the plan once by itself).
locals {
  watched_crds = concat(
    var.components.cert_manager ? ["clusterissuers.cert-manager.io"] : [],
    var.components.velero ? ["backupstoragelocations.velero.io", "schedules.velero.io"] : [],
  )
  crd_present = { for name in local.watched_crds : name => length(data.kubernetes_resources.crd[name].objects) > 0 }
}

data "kubernetes_resources" "crd" {
  for_each = toset(local.watched_crds)

  api_version    = "apiextensions.k8s.io/v1"
  kind           = "CustomResourceDefinition"
  field_selector = "metadata.name=${each.key}"
}
