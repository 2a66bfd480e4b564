output "namespaces" {
  description = "Namespace name per layer (infra, data), for modules that place workloads there."
  value       = { for layer, namespace in module.layer : layer => namespace.name }
}

output "infra_namespace" {
  description = "Name of the infra namespace."
  value       = try(module.layer["infra"].name, null)
}

output "data_namespace" {
  description = "Name of the data namespace."
  value       = try(module.layer["data"].name, null)
}

output "labels" {
  description = "Labels of each layer's namespace."
  value       = { for layer, namespace in module.layer : layer => namespace.labels }
}
