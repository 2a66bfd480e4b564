# Monitoring: the plain Prometheus chart (server, Alertmanager, kube-state-metrics, node
# exporter). No operator, no CRDs and no admission webhooks, so it plans on an empty cluster
# and costs about 0.5 GiB of requests on two s-2vcpu-4gb nodes (README.md, "Monitoring and
# logging"). The alert rules are alerts/platform-rules.yaml, unit-tested with promtool.
locals {
  alert_rules = yamldecode(file("${path.module}/alerts/platform-rules.yaml"))

  prometheus_values = {
    # Helm labels what it installs managed-by=Helm; this chart's server templates do not, and
    # the helm provider's plan-time dry run then differs from the live objects on every apply.
    commonMetaLabels = { "app.kubernetes.io/managed-by" = "Helm" }
    server = {
      retention     = "${var.monitoring.retention_days}d"
      retentionSize = var.monitoring.retention_size
      global        = { scrape_interval = "1m", evaluation_interval = "1m", scrape_timeout = "10s" }
      persistentVolume = {
        enabled      = true
        size         = var.monitoring.volume_size
        storageClass = var.storage_class
        accessModes  = ["ReadWriteOnce"]
      }
      resources = { requests = { cpu = "100m", memory = "384Mi" }, limits = { memory = "1Gi" } }
    }
    serverFiles = { "alerting_rules.yml" = local.alert_rules }
    configmapReload = {
      prometheus = { resources = { requests = { cpu = "5m", memory = "16Mi" }, limits = { memory = "48Mi" } } }
    }
    # Without an alertmanager_config, the chart's own: alerts show in Alertmanager's UI only.
    alertmanager = merge(
      {
        enabled     = true
        persistence = { enabled = true, size = "1Gi", storageClass = var.storage_class, accessModes = ["ReadWriteOnce"] }
        resources   = { requests = { cpu = "10m", memory = "32Mi" }, limits = { memory = "96Mi" } }
      },
      var.monitoring.alertmanager_config == null ? {} : { config = yamldecode(var.monitoring.alertmanager_config) },
    )
    kube-state-metrics = {
      resources = { requests = { cpu = "10m", memory = "48Mi" }, limits = { memory = "128Mi" } }
    }
    prometheus-node-exporter = {
      resources = { requests = { cpu = "10m", memory = "24Mi" }, limits = { memory = "64Mi" } }
    }
    prometheus-pushgateway = { enabled = false }
  }
}

resource "helm_release" "prometheus" {
  count = local.install.monitoring ? 1 : 0

  name        = "prometheus"
  namespace   = local.infra_namespace
  repository  = local.chart_sources.prometheus.repository
  chart       = local.chart_sources.prometheus.chart
  version     = local.chart_sources.prometheus.version
  description = local.chart_sources.prometheus.description

  wait             = local.release.wait
  disable_webhooks = local.release.disable_webhooks
  timeout          = local.release.timeout

  values = [yamlencode(local.prometheus_values)]
}
