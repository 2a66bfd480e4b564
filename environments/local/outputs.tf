output "namespaces" {
  description = "Every namespace this environment creates, by layer or app."
  value       = merge(module.k8s_config.namespaces, { wordpress = module.wordpress_namespace.name, n8n = module.n8n_namespace.name })
}

output "database_connection_secrets" {
  description = "Per app database: the namespace and name of its connection Secret."
  value       = module.data.connection_secrets
}

output "pending_custom_resources" {
  description = "Custom resources waiting for their CRDs: the harness plans once more after an apply that installed them."
  value       = module.k8s_config.pending_custom_resources
}
