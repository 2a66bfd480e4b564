output "namespaces" {
  description = "Every namespace this stack creates: the infra and data layers, and each prepared app's."
  value       = merge(module.k8s_config.namespaces, { for app, namespace in module.app_namespace : app => namespace.name })
}

output "database_connection_secrets" {
  description = "Per app database: the namespace and name of its connection Secret (empty until an engine is on)."
  value       = length(module.data) > 0 ? module.data[0].connection_secrets : {}
}

output "pending" {
  description = "What this plan could not include yet because it waits for something the apply creates (the infra namespace, a CRD). `make apply ENV=production` plans, gates and applies the stack again while this lists something."
  value       = module.k8s_config.pending
}
