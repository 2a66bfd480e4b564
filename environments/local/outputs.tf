output "namespaces" {
  description = "Every namespace this environment creates, by layer or app."
  value       = merge(module.k8s_config.namespaces, { wordpress = module.wordpress_namespace.name })
}
