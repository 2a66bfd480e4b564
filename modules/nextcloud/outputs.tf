output "namespace" {
  description = "The app's namespace (created here; pass it to the data layer's databases input and valkey_consumer_namespaces)."
  value       = module.namespace.name
}

output "pending" {
  description = "What this plan could not include yet because it waits for the apply: the chart, until its namespace exists. `platform apply` plans, gates and applies again while it is not empty."
  value       = var.enabled && !local.namespace_ready ? ["nextcloud chart (waits for namespace ${var.namespace})"] : []
}

output "database" {
  description = "The database this app asks the data layer for, ready to merge into modules/data's databases input."
  value       = { nextcloud = { engine = "postgresql", namespace = module.namespace.name } }
}

output "valkey_consumer_namespaces" {
  description = "Namespaces to add to modules/data's valkey_consumer_namespaces (Nextcloud's locking and cache); empty while disabled."
  value       = var.enabled ? [module.namespace.name] : []
}

output "host" {
  description = "Nextcloud's FQDN (external-dns publishes it from the Ingress)."
  value       = local.host
}

output "url" {
  description = "Nextcloud's public base URL, or null while disabled; CalDAV and CardDAV clients find /remote.php/dav through its /.well-known redirects."
  value       = var.enabled ? local.url : null
}

output "images" {
  description = "The container images this module runs (they match versions.json)."
  value       = { nextcloud = local.image, nginx = local.images.nginx }
}

output "version" {
  description = "The Nextcloud release this plan deploys."
  value       = local.version
}

output "running_version" {
  description = "The Nextcloud release running before this plan (read from the cluster), or upgrade_from_version before the first install; null for a fresh install."
  value       = local.running_version
}

output "admin_secret" {
  description = "Name of the Secret holding the first administrator's login and generated password (keys nextcloud-username, nextcloud-password), or null while disabled."
  value       = try(kubernetes_secret_v1.admin[0].metadata[0].name, null)
}

output "volume_claims" {
  description = "The retained volume claims: app (code, config.php, apps) and data (user files)."
  value       = { for key, claim in kubernetes_persistent_volume_claim_v1.this : key => claim.metadata[0].name }
}

output "chart" {
  description = "The chart this module installs and where Helm reads it."
  value       = merge(local.chart, { source = module.chart.chart })
}
