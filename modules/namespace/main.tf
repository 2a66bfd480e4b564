# Every namespace of the platform starts the same way: layer labels, a Pod Security level, and
# a NetworkPolicy baseline that denies everything but DNS. Components then add the allows they
# need, next to the component, where a reviewer can see them.
resource "kubernetes_namespace_v1" "this" {
  metadata {
    name = var.name
    labels = merge(var.extra_labels, {
      "app.kubernetes.io/managed-by"       = "opentofu"
      "platform/layer"                     = var.layer
      "pod-security.kubernetes.io/enforce" = var.pod_security
      # Warn and audit at restricted everywhere so drift towards privilege shows up early.
      "pod-security.kubernetes.io/warn"  = "restricted"
      "pod-security.kubernetes.io/audit" = "restricted"
    })
    annotations = merge(
      { "platform/root-domain" = var.root_domain },
      var.purpose == "" ? {} : { "platform/purpose" = var.purpose },
    )
  }
}

resource "kubernetes_network_policy_v1" "default_deny" {
  metadata {
    name      = "default-deny"
    namespace = kubernetes_namespace_v1.this.metadata[0].name
  }
  spec {
    pod_selector {}
    policy_types = ["Ingress", "Egress"]
  }
}

resource "kubernetes_network_policy_v1" "allow_dns" {
  metadata {
    name      = "allow-dns"
    namespace = kubernetes_namespace_v1.this.metadata[0].name
  }
  spec {
    pod_selector {}
    policy_types = ["Egress"]
    egress {
      to {
        namespace_selector {
          match_labels = { "kubernetes.io/metadata.name" = "kube-system" }
        }
        pod_selector {
          match_labels = { "k8s-app" = "kube-dns" }
        }
      }
      ports {
        port     = "53"
        protocol = "UDP"
      }
      ports {
        port     = "53"
        protocol = "TCP"
      }
    }
  }
}
