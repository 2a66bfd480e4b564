# k8s-config owns the two shared layers only; every app module creates its own namespace
# through modules/namespace, the same way. The infra components live in their own files, one
# toggle each (var.components).
locals {
  layers = {
    infra = "Ingress, certificates, DNS automation, monitoring, logging and Velero."
    data  = "PostgreSQL, MariaDB and the cache, shared by the apps through per-app databases."
  }

  infra_namespace = module.layer["infra"].name

  # On the local control plane nothing ever becomes ready and hook Jobs never finish, so Helm
  # must neither wait for them nor run them there; everywhere else it does both.
  release = {
    wait             = !var.local_control_plane
    disable_webhooks = var.local_control_plane
    timeout          = 600
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
