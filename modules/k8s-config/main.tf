# k8s-config owns the two shared layers only; every app module creates its own namespace.
locals {
  layers = {
    infra = "Ingress, certificates, DNS automation, monitoring, logging and Velero."
    data  = "PostgreSQL, MariaDB and the cache, shared by the apps through per-app databases."
  }
}

resource "kubernetes_namespace_v1" "layer" {
  for_each = local.layers

  metadata {
    name = each.key
    labels = merge(var.extra_labels, {
      "app.kubernetes.io/managed-by"       = "opentofu"
      "platform/layer"                     = each.key
      "pod-security.kubernetes.io/enforce" = var.pod_security[each.key]
      # Warn and audit at restricted everywhere so drift towards privilege shows up early.
      "pod-security.kubernetes.io/warn"  = "restricted"
      "pod-security.kubernetes.io/audit" = "restricted"
    })
    annotations = {
      "platform/purpose"     = each.value
      "platform/root-domain" = var.root_domain
    }
  }
}
