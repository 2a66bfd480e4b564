# Every chart the infra layer installs, pinned here and in versions.json (charts section);
# test/unit/charts.test.ts fails when the two disagree. `repository` is always the upstream
# one, so plans and policies see where a chart really comes from.
locals {
  charts = {
    traefik = {
      repository = "https://traefik.github.io/charts"
      chart      = "traefik"
      version    = "41.3.0"
    }
    cert_manager = {
      repository = "https://charts.jetstack.io"
      chart      = "cert-manager"
      version    = "v1.21.1"
    }
    external_dns = {
      repository = "https://kubernetes-sigs.github.io/external-dns"
      chart      = "external-dns"
      version    = "1.20.0"
    }
    velero = {
      repository = "https://vmware-tanzu.github.io/helm-charts"
      chart      = "velero"
      version    = "12.1.0"
    }
    prometheus = {
      repository = "https://prometheus-community.github.io/helm-charts"
      chart      = "prometheus"
      version    = "29.27.0"
    }
    victoria_logs = {
      repository = "https://victoriametrics.github.io/helm-charts"
      chart      = "victoria-logs-single"
      version    = "0.13.8"
    }
  }

  # Where Helm reads each chart (upstream, a mirror folder or an oci:// mirror): one rule for
  # every module that installs a chart, in modules/chart-source.
  chart_sources = {
    for key, chart in local.charts : key => {
      repository  = module.chart_source[key].repository
      chart       = module.chart_source[key].chart
      version     = module.chart_source[key].version
      description = "${chart.chart} ${chart.version} from ${chart.repository}"
    }
  }
}

module "chart_source" {
  source   = "../chart-source"
  for_each = local.charts

  chart  = each.value
  mirror = var.chart_mirror
}
