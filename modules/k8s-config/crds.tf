# What must exist on the API server before something can be planned:
# - the infra namespace, before any chart: the helm provider's plan-time dry run cannot see
#   objects in a namespace that does not exist yet, and then fails the apply as an
#   "inconsistent final plan" (hashicorp/helm 3.2.0);
# - each custom resource's CRD, before that resource (ClusterIssuers, Velero's storage location
#   and schedules): the kubernetes provider reads the kind's schema from the API server.
# These lookups see them from the next plan on, so a fresh cluster takes up to three gated
# applies: namespaces, charts (with their CRDs), custom resources. `platform apply` repeats
# plan, gate and apply while the output `pending` lists something.
# Only with a component on: with everything off the module plans without any cluster.
data "kubernetes_resources" "infra_namespace" {
  count = local.any_infra_component ? 1 : 0

  api_version    = "v1"
  kind           = "Namespace"
  field_selector = "metadata.name=infra"
}

locals {
  infra_namespace_ready = length(try(data.kubernetes_resources.infra_namespace[0].objects, [])) > 0

  # A component's chart is planned once the namespace exists.
  install = { for component, enabled in var.components : component => enabled && local.infra_namespace_ready }

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
