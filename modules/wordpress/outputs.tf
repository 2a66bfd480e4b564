output "namespace" {
  description = "The app's namespace (created here; pass it to the data layer's databases input)."
  value       = module.namespace.name
}

output "database" {
  description = "The database this app asks the data layer for, ready to merge into modules/data's databases input."
  value       = { wordpress = { engine = "mariadb", namespace = module.namespace.name } }
}

output "host" {
  description = "The site's FQDN."
  value       = local.host
}

output "url" {
  description = "The site's public URL."
  value       = try(module.edge[0].url, null)
}

output "images" {
  description = "The container images this module runs, pinned by tag and digest (they match versions.json)."
  value       = local.images
}

output "wp_content_claim" {
  description = "Name of the wp-content PersistentVolumeClaim (Velero backs it up with the pod), or null while disabled."
  value       = try(kubernetes_persistent_volume_claim_v1.wp_content[0].metadata[0].name, null)
}

output "network_policies" {
  description = "NetworkPolicies in the namespace beyond its default-deny and DNS baseline."
  value       = concat(flatten(module.edge[*].network_policies), kubernetes_network_policy_v1.cron_to_server[*].metadata[0].name, kubernetes_network_policy_v1.server_from_cron[*].metadata[0].name)
}
