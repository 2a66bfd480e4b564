output "namespace" {
  description = "Mailu's namespace (created here; pass it to the data layer's databases input)."
  value       = module.namespace.name
}

output "pending" {
  description = "What this plan could not include yet because it waits for the apply: the chart, until its namespace exists. `platform apply` plans, gates and applies again while it is not empty."
  value       = var.enabled && !local.namespace_ready ? ["mailu chart (waits for namespace ${var.namespace})"] : []
}

output "databases" {
  description = "The databases Mailu asks the data layer for (accounts; Roundcube's settings), ready to merge into modules/data's databases input."
  value = {
    mailu           = { engine = "postgresql", namespace = module.namespace.name }
    mailu_roundcube = { engine = "postgresql", namespace = module.namespace.name }
  }
}

output "admin_secret" {
  description = "Name of the Secret holding the first administrator's generated password (key password); the login is <admin_username>@<mail_domain>."
  value       = local.secret_names.admin
}

output "images" {
  description = "The container images this module runs (they match versions.json); ClamAV and Tika only when enabled."
  value       = { for name, image in local.images : name => image if !(name == "clamav" && !var.antivirus_enabled) && !(name == "tika" && !var.full_text_search_enabled) && !(name == "rclone" && !var.backups_enabled) }
}

output "volume_claims" {
  description = "Mailu's retained volume claims by role."
  value       = { for role, claim in kubernetes_persistent_volume_claim_v1.this : role => claim.metadata[0].name }
}

output "backup_cron_jobs" {
  description = "The backup and restore-test CronJobs, by <volume>/<kind>."
  value       = { for key, job in kubernetes_cron_job_v1.backup : key => job.metadata[0].name }
}

output "tcp_routes" {
  description = "Traefik entrypoint => the Mailu port its IngressRouteTCP reaches (with PROXY protocol v2); empty while disabled."
  value       = var.enabled ? { for name, port in local.mail_ports : name => port.port } : {}
}

output "chart" {
  description = "The chart this module installs and where Helm reads it."
  value       = merge(local.chart, { source = module.chart.chart })
}
