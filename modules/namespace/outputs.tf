output "name" {
  description = "Name of the namespace, once created (reference it to order the app's resources after it)."
  value       = kubernetes_namespace_v1.this.metadata[0].name
}

output "labels" {
  description = "Labels the namespace carries (layer, Pod Security, managed-by, extra labels)."
  value       = kubernetes_namespace_v1.this.metadata[0].labels
}

output "network_policies" {
  description = "Names of the baseline NetworkPolicies in the namespace."
  value       = [kubernetes_network_policy_v1.default_deny.metadata[0].name, kubernetes_network_policy_v1.allow_dns.metadata[0].name]
}
