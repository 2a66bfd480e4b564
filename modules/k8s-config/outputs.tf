output "namespaces" {
  description = "Namespace name per layer (infra, data), for modules that place workloads there."
  value       = { for layer, namespace in module.layer : layer => namespace.name }
}

output "infra_namespace" {
  description = "Name of the infra namespace."
  value       = try(module.layer["infra"].name, null)
}

output "data_namespace" {
  description = "Name of the data namespace."
  value       = try(module.layer["data"].name, null)
}

output "labels" {
  description = "Labels of each layer's namespace."
  value       = { for layer, namespace in module.layer : layer => namespace.labels }
}

output "ingress" {
  description = "What app modules and the platform stack need from Traefik: the IngressClass, the pod labels app NetworkPolicies admit, and the load balancer's DigitalOcean name and hostname (the platform stack points lb.<root_domain> at its address). null when Traefik is off."
  value = var.components.traefik ? {
    class_name         = "traefik"
    namespace          = local.infra_namespace
    pod_labels         = { "app.kubernetes.io/name" = "traefik" }
    load_balancer_name = var.ingress.load_balancer_name
    hostname           = local.lb_hostname
    tcp_entrypoints    = { for name, entrypoint in local.mail_entrypoints : name => entrypoint.exposed }
  } : null
}

output "cluster_issuers" {
  description = "ClusterIssuer names app modules may put in cert-manager.io/cluster-issuer (empty when cert-manager is off)."
  value       = var.components.cert_manager ? keys(local.acme_directories) : []
}

output "pending" {
  description = "What this plan could not include yet because it waits for something the apply creates (the infra namespace, a CRD): the next plan after this apply adds it."
  value = concat(
    [for component, enabled in var.components : "${component} chart (waits for namespace infra)" if enabled && !local.infra_namespace_ready],
    var.components.cert_manager && !try(local.crd_present["clusterissuers.cert-manager.io"], false) ? ["ClusterIssuers (wait for the cert-manager CRDs)"] : [],
    var.components.velero && !try(local.crd_present["schedules.velero.io"], false) ? ["Velero storage location and schedules (wait for the Velero CRDs)"] : [],
  )
}

output "charts" {
  description = "Chart, version and upstream repository of every release this module can install."
  value       = { for key, chart in local.charts : key => "${chart.chart} ${chart.version} from ${chart.repository}" }
}
