output "namespaces" {
  description = "Namespace name per layer (infra, data), for modules that place workloads there."
  value       = { for layer, namespace in kubernetes_namespace_v1.layer : layer => namespace.metadata[0].name }
}

output "infra_namespace" {
  description = "Name of the infra namespace."
  value       = try(kubernetes_namespace_v1.layer["infra"].metadata[0].name, null)
}

output "data_namespace" {
  description = "Name of the data namespace."
  value       = try(kubernetes_namespace_v1.layer["data"].metadata[0].name, null)
}
