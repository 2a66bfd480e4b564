output "name" {
  description = "Name of the namespace, once created (use it to order the app's resources after it)."
  value       = kubernetes_namespace_v1.app.metadata[0].name
}
