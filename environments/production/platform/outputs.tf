output "namespaces" {
  description = "Every namespace this stack creates: the infra and data layers, and each prepared app's."
  value = merge(
    module.k8s_config.namespaces,
    { for app, instances in { wordpress = module.wordpress, n8n = module.n8n, crm = module.crm, nextcloud = module.nextcloud, mailu = module.mailu } : app => instances[0].namespace if length(instances) > 0 },
  )
}

output "database_connection_secrets" {
  description = "Per app database: the namespace and name of its connection Secret (empty until an engine is on)."
  value       = length(module.data) > 0 ? module.data[0].connection_secrets : {}
}

output "pending" {
  description = "What this plan could not include yet because it waits for something the apply creates (the infra namespace, a CRD). `make apply ENV=production` plans, gates and applies the stack again while this lists something."
  value       = concat(module.k8s_config.pending, flatten(module.nextcloud[*].pending), flatten(module.mailu[*].pending))
}

output "app_urls" {
  description = "URL of each app that is on."
  value = merge(
    { for app in module.wordpress : "wordpress" => app.url if var.components.wordpress },
    { for app in module.n8n : "n8n" => app.url if var.components.n8n },
    { for app in module.crm : "crm" => app.url if var.components.crm },
    { for app in module.nextcloud : "nextcloud" => app.url if var.components.nextcloud },
    { for app in module.mailu : "mailu" => try("https://${local.mail.mailu.mail_host}", null) if var.components.mailu },
  )
}

output "n8n_encryption_key_sha256" {
  description = "Fingerprint of n8n's encryption key: record it as n8n_encryption_key_sha256 after the first apply, and back the key up (modules/n8n README). Null while n8n is off."
  value       = var.components.n8n ? module.n8n[0].encryption_key_sha256 : null
}

output "crm_encryption_key_sha256" {
  description = "Fingerprint of the CRM's encryption key: record it as crm_encryption_key_sha256 after the first apply, and back the key up (modules/crm README). Null while the CRM is off."
  value       = var.components.crm ? module.crm[0].encryption_key_sha256 : null
}
