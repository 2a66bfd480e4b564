output "namespace" {
  description = "The app's namespace (created here; pass it to the data layer's databases and valkey_consumer_namespaces inputs)."
  value       = module.namespace.name
}

output "database" {
  description = "The database this app asks the data layer for, ready to merge into modules/data's databases input."
  value       = { crm = { engine = "postgresql", namespace = module.namespace.name } }
}

output "valkey_consumer_namespaces" {
  description = "Namespaces to add to modules/data's valkey_consumer_namespaces (Twenty always needs its cache and queue)."
  value       = var.enabled ? [module.namespace.name] : []
}

output "host" {
  description = "The CRM's FQDN."
  value       = local.host
}

output "url" {
  description = "The CRM's public URL (SERVER_URL)."
  value       = try(module.edge[0].url, null)
}

output "images" {
  description = "The container images this module runs (they match versions.json)."
  value       = local.images
}

output "encryption_key_secret" {
  description = "Name of the Secret holding ENCRYPTION_KEY (back its value up: README), or null while disabled."
  value       = try(module.encryption_key[0].secret_name, null)
}

output "encryption_key_sha256" {
  description = "SHA-256 of ENCRYPTION_KEY: record it as encryption_key_sha256 after the first apply, so no later plan can swap the key."
  value       = try(module.encryption_key[0].sha256, null)
}

output "network_policies" {
  description = "NetworkPolicies in the namespace beyond its default-deny and DNS baseline."
  value       = flatten(module.edge[*].network_policies)
}
