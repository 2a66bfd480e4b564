output "namespaces" {
  description = "Every namespace this environment creates, by layer or app."
  value = merge(
    module.k8s_config.namespaces,
    { wordpress = module.wordpress.namespace, n8n = module.n8n.namespace, crm = module.crm.namespace },
    { for app, namespace in { nextcloud = try(module.nextcloud[0].namespace, null), mailu = try(module.mailu[0].namespace, null) } : app => namespace if namespace != null },
  )
}

output "database_connection_secrets" {
  description = "Per app database: the namespace and name of its connection Secret."
  value       = module.data.connection_secrets
}

output "pending" {
  description = "What the next plan adds once this apply created what it waits for (the infra namespace, CRDs, the app charts' namespaces); `platform apply` plans, gates and applies again while it is not empty."
  value       = concat(module.k8s_config.pending, flatten(module.nextcloud[*].pending), flatten(module.mailu[*].pending))
}

output "app_urls" {
  description = "Public URL of each app, derived from root_domain."
  value       = { wordpress = module.wordpress.url, n8n = module.n8n.url, crm = module.crm.url }
}

output "encryption_key_sha256" {
  description = "Fingerprints of the apps' protected encryption keys, to record as encryption_key_sha256 (they reveal nothing about the keys)."
  value       = { n8n = module.n8n.encryption_key_sha256, crm = module.crm.encryption_key_sha256 }
}
