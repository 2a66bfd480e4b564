output "secret_name" {
  description = "Name of the Secret holding the key."
  value       = kubernetes_secret_v1.key.metadata[0].name
}

output "env_name" {
  description = "Key inside the Secret (the environment variable name)."
  value       = var.env_name
}

output "sha256" {
  description = "SHA-256 of the key: record it as key_sha256 after the first apply (it reveals nothing about the key)."
  value       = nonsensitive(sha256(local.key))
}
