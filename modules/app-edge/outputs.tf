output "host" {
  description = "The FQDN the Ingress serves, or null without an Ingress."
  value       = var.host
}

output "url" {
  description = "The app's public base URL (https://<host>), or null without an Ingress."
  value       = var.host == null ? null : "https://${var.host}"
}

output "service_name" {
  description = "Name of the app's Service."
  value       = kubernetes_service_v1.this.metadata[0].name
}

output "ingress_name" {
  description = "Name of the Ingress, or null without one."
  value       = try(kubernetes_ingress_v1.this[0].metadata[0].name, null)
}

output "tls_secret_name" {
  description = "Secret cert-manager writes the certificate into, or null without an Ingress."
  value       = try(kubernetes_ingress_v1.this[0].spec[0].tls[0].secret_name, null)
}

output "network_policies" {
  description = "Names of the NetworkPolicies this module adds on top of the namespace's default-deny and DNS baseline."
  value = compact(concat(
    [for policy in kubernetes_network_policy_v1.from_traefik : policy.metadata[0].name],
    [for policy in kubernetes_network_policy_v1.to_data_layer : policy.metadata[0].name],
    [for policy in kubernetes_network_policy_v1.to_internet : policy.metadata[0].name],
  ))
}
