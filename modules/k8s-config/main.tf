# k8s-config owns the two shared layers only; every app module creates its own namespace
# through modules/namespace, the same way.
locals {
  layers = {
    infra = "Ingress, certificates, DNS automation, monitoring, logging and Velero."
    data  = "PostgreSQL, MariaDB and the cache, shared by the apps through per-app databases."
  }
}

module "layer" {
  source   = "../namespace"
  for_each = local.layers

  name         = each.key
  layer        = each.key
  purpose      = each.value
  root_domain  = var.root_domain
  pod_security = var.pod_security[each.key]
  extra_labels = var.extra_labels
}
