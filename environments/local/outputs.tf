output "namespaces" {
  description = "Every namespace this environment creates, by layer or app."
  value = merge(
    module.k8s_config.namespaces,
    { wordpress = module.wordpress_namespace.name, n8n = module.n8n_namespace.name },
    { for app, namespace in { nextcloud = try(module.nextcloud[0].namespace, null), mailu = try(module.mailu[0].namespace, null) } : app => namespace if namespace != null },
  )
}

output "database_connection_secrets" {
  description = "Per app database: the namespace and name of its connection Secret."
  value       = module.data.connection_secrets
}
