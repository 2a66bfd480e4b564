# Logging: VictoriaLogs (one small StatefulSet, one volume) fed by the chart's Vector agent
# (a DaemonSet reading every pod's logs). A fraction of Loki's footprint at this scale.
locals {
  victoria_logs_values = {
    server = {
      retentionPeriod = var.logging.retention_period
      persistentVolume = {
        enabled          = true
        size             = var.logging.volume_size
        storageClassName = var.storage_class
        accessModes      = ["ReadWriteOnce"]
      }
      resources = { requests = { cpu = "50m", memory = "128Mi" }, limits = { memory = "512Mi" } }
    }
    vector = {
      enabled   = true
      resources = { requests = { cpu = "20m", memory = "64Mi" }, limits = { memory = "256Mi" } }
    }
  }
}

resource "helm_release" "victoria_logs" {
  count = local.install.logging ? 1 : 0

  name        = "logs"
  namespace   = local.infra_namespace
  repository  = local.chart_sources.victoria_logs.repository
  chart       = local.chart_sources.victoria_logs.chart
  version     = local.chart_sources.victoria_logs.version
  description = local.chart_sources.victoria_logs.description

  wait             = local.release.wait
  disable_webhooks = local.release.disable_webhooks
  timeout          = local.release.timeout

  values = [yamlencode(local.victoria_logs_values)]
}
