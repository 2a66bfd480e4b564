output "namespaces" {
  description = "Every namespace this environment creates, by layer or app."
  value       = merge(module.k8s_config.namespaces, { wordpress = module.wordpress_namespace.name, n8n = module.n8n_namespace.name })
}

output "database_connection_secrets" {
  description = "Per app database: the namespace and name of its connection Secret."
  value       = module.data.connection_secrets
}

output "pending" {
  description = "What the next plan adds once this apply created what it waits for (the infra namespace, CRDs); `platform apply` plans, gates and applies again while it is not empty."
  value       = module.k8s_config.pending
}
