output "connection_secrets" {
  description = "Per database: the namespace and name of its connection Secret (keys host, port, database, username, password, url) and its engine. App modules mount this Secret."
  value = { for name, secret in kubernetes_secret_v1.connection : name => {
    namespace = secret.metadata[0].namespace
    name      = secret.metadata[0].name
    engine    = local.databases[name].engine
  } }
}

output "postgres_host" {
  description = "Cluster DNS name of the PostgreSQL Service, or null while PostgreSQL is disabled."
  value       = try("${kubernetes_service_v1.server["postgresql"].metadata[0].name}.${var.namespace}.svc.cluster.local", null)
}

output "mariadb_host" {
  description = "Cluster DNS name of the MariaDB Service, or null while MariaDB is disabled."
  value       = try("${kubernetes_service_v1.server["mariadb"].metadata[0].name}.${var.namespace}.svc.cluster.local", null)
}

output "valkey_host" {
  description = "Cluster DNS name of the Valkey Service (port 6379), or null while Valkey is disabled."
  value       = try("${kubernetes_service_v1.valkey[0].metadata[0].name}.${var.namespace}.svc.cluster.local", null)
}

output "valkey_connection_secrets" {
  description = "Per consumer namespace: the name of its Valkey connection Secret (keys host, port, password, url)."
  value       = { for namespace, secret in kubernetes_secret_v1.valkey_connection : namespace => secret.metadata[0].name }
}

output "statefulsets" {
  description = "Name of the database StatefulSet per enabled engine (postgresql, mariadb)."
  value       = { for engine, server in kubernetes_stateful_set_v1.server : engine => server.metadata[0].name }
}

output "superuser_secrets" {
  description = "Per enabled engine: the data-namespace Secret holding the superuser's username and password (for operators and in-place restores, never for apps)."
  value       = { for engine, secret in kubernetes_secret_v1.superuser : engine => secret.metadata[0].name }
}

output "backup_cron_jobs" {
  description = "Per database: the name of its backup CronJob in the data namespace."
  value       = { for name in keys(local.backed_up) : name => kubernetes_cron_job_v1.job["${name}/backup"].metadata[0].name }
}

output "restore_test_cron_jobs" {
  description = "Per database: the name of its restore-test CronJob in the data namespace."
  value       = { for name in keys(local.backed_up) : name => kubernetes_cron_job_v1.job["${name}/restore-test"].metadata[0].name }
}

output "backup_remotes" {
  description = "Per database: the rclone path its backups go to (backups:<bucket>/<engine>/<db>, or encrypted:<engine>/<db> with client-side encryption)."
  value       = local.backup_remote
}

output "provisioning_jobs" {
  description = "Per database: the name of the Job that creates its user and database (it changes whenever the desired state does)."
  value       = { for name, job in kubernetes_job_v1.provision : name => job.metadata[0].name }
}
