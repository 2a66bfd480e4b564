output "repository" {
  description = "helm_release.repository: the upstream repository, or the oci:// mirror."
  value       = local.oci ? var.mirror : var.chart.repository
}

output "chart" {
  description = "helm_release.chart: the chart's name, or the mirror folder's <chart>-<version>.tgz."
  value       = var.mirror == null || local.oci ? var.chart.chart : "${var.mirror}/${var.chart.chart}-${var.chart.version}.tgz"
}

output "version" {
  description = "helm_release.version: the pinned version."
  value       = var.chart.version
}
