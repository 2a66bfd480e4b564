# Every app module calls this, so the apps layer is labelled the same way everywhere.
resource "kubernetes_namespace_v1" "app" {
  metadata {
    name = var.name
    labels = merge(var.extra_labels, {
      "app.kubernetes.io/managed-by"       = "opentofu"
      "app.kubernetes.io/part-of"          = var.name
      "platform/layer"                     = "apps"
      "pod-security.kubernetes.io/enforce" = var.pod_security
      "pod-security.kubernetes.io/warn"    = "restricted"
      "pod-security.kubernetes.io/audit"   = "restricted"
    })
    annotations = {
      "platform/root-domain" = var.root_domain
    }
  }
}
