# The infra layer's components: what each toggle installs, where charts come from, the
# custom resources that wait for their CRDs, and every rejected input. Providers are mocked.
mock_provider "kubernetes" {}
mock_provider "helm" {}

variables {
  root_domain        = "example.org"
  acme_email         = "ops@example.org"
  digitalocean_token = "dop_v1_test"
  velero_storage     = { bucket = "example-velero", region = "fra1" }
  velero_credentials = { access_key = "test-access", secret_key = "test-secret" }
  ingress            = { trusted_cidrs = ["10.110.0.0/20"] }
  components         = { traefik = true, cert_manager = true, external_dns = true, velero = true, monitoring = true, logging = true }
}

override_data {
  target = data.kubernetes_resources.crd
  values = { objects = [] }
}

override_data {
  target = data.kubernetes_resources.infra_namespace
  values = { objects = [{ metadata = { name = "infra" } }] }
}

run "a_fresh_cluster_first_gets_its_namespaces_and_no_chart" {
  command = plan

  override_data {
    target = data.kubernetes_resources.infra_namespace
    values = { objects = [] }
  }

  assert {
    condition     = length(helm_release.traefik) + length(helm_release.cert_manager) + length(helm_release.velero) + length(helm_release.prometheus) == 0 && length(kubernetes_secret_v1.velero_spaces) == 1
    error_message = "No chart is planned before the infra namespace exists (the helm provider's dry run needs it); everything else is."
  }

  assert {
    condition     = length([for item in output.pending : item if strcontains(item, "waits for namespace infra")]) == 6
    error_message = "pending lists every chart waiting for the namespace."
  }
}

run "with_the_namespace_every_chart_is_planned_and_custom_resources_wait_for_the_crds" {
  command = plan

  assert {
    condition     = length(helm_release.traefik) + length(helm_release.cert_manager) + length(helm_release.external_dns) + length(helm_release.velero) + length(helm_release.prometheus) + length(helm_release.victoria_logs) == 6
    error_message = "Every enabled component installs its chart."
  }

  assert {
    condition     = length(kubernetes_manifest.cluster_issuer) == 0 && length(kubernetes_manifest.velero_schedule) == 0 && length(kubernetes_manifest.velero_storage_location) == 0
    error_message = "Custom resources must not be planned before their CRDs exist."
  }

  assert {
    condition     = length(output.pending) == 2
    error_message = "pending lists the issuers and Velero's resources while their CRDs are missing."
  }

  assert {
    condition     = alltrue([for release in [helm_release.traefik[0], helm_release.cert_manager[0], helm_release.velero[0], helm_release.prometheus[0]] : release.namespace == "infra" && release.wait && !release.disable_webhooks])
    error_message = "Releases go to infra; outside the local control plane Helm waits and runs hooks."
  }
}

run "traefik_has_one_proxy_protocol_load_balancer_with_the_mail_entrypoints" {
  command = plan

  assert {
    condition     = yamldecode(helm_release.traefik[0].values[0]).service.annotations["service.beta.kubernetes.io/do-loadbalancer-enable-proxy-protocol"] == "true" && yamldecode(helm_release.traefik[0].values[0]).service.annotations["service.beta.kubernetes.io/do-loadbalancer-type"] == "REGIONAL" && yamldecode(helm_release.traefik[0].values[0]).service.annotations["service.beta.kubernetes.io/do-loadbalancer-hostname"] == "lb.example.org"
    error_message = "The LB speaks PROXY protocol, is REGIONAL and carries the hostname annotation."
  }

  assert {
    condition     = alltrue([for name, port in yamldecode(helm_release.traefik[0].values[0]).ports : port.proxyProtocol.trustedIPs == ["10.110.0.0/20"]])
    error_message = "Every entrypoint trusts PROXY headers from the VPC range only."
  }

  assert {
    condition     = { for name, port in yamldecode(helm_release.traefik[0].values[0]).ports : name => port.exposedPort if can(port.exposedPort) } == { smtp = 25, smtps = 465, submission = 587, imaps = 993, sieve = 4190 }
    error_message = "The mail entrypoints are smtp 25, smtps 465, submission 587, imaps 993 and sieve 4190."
  }

  assert {
    condition     = yamldecode(helm_release.traefik[0].values[0]).ports.web.http.redirections.entryPoint == { to = "websecure", scheme = "https", permanent = true }
    error_message = "web redirects permanently to websecure."
  }

  assert {
    condition     = output.ingress.class_name == "traefik" && output.ingress.pod_labels == { "app.kubernetes.io/name" = "traefik" } && toset(output.cluster_issuers) == toset(["letsencrypt-production", "letsencrypt-staging"])
    error_message = "The names other modules rely on (HOUSE contracts 2 and 3)."
  }
}

run "custom_resources_follow_once_their_crds_exist" {
  command = plan

  override_data {
    target = data.kubernetes_resources.crd
    values = { objects = [{ metadata = { name = "present" } }] }
  }

  assert {
    condition     = toset(keys(kubernetes_manifest.cluster_issuer)) == toset(["letsencrypt-staging", "letsencrypt-production"]) && kubernetes_manifest.cluster_issuer["letsencrypt-production"].manifest.spec.acme.server == "https://acme-v02.api.letsencrypt.org/directory"
    error_message = "Both ClusterIssuers, staging and production, against the right ACME directories."
  }

  assert {
    condition     = toset(keys(kubernetes_manifest.velero_schedule)) == toset(["daily", "weekly"]) && kubernetes_manifest.velero_schedule["daily"].manifest.spec.template.ttl == "168h" && !contains(kubernetes_manifest.velero_schedule["daily"].manifest.spec.template.includedNamespaces, "data")
    error_message = "Velero schedules with their retention, over the app namespaces and never data."
  }

  assert {
    condition     = kubernetes_manifest.velero_storage_location[0].manifest.spec.config.s3Url == "https://fra1.digitaloceanspaces.com" && kubernetes_manifest.velero_storage_location[0].manifest.spec.objectStorage.bucket == "example-velero"
    error_message = "Velero writes to the Spaces bucket in its region."
  }

  assert {
    condition     = length(output.pending) == 0
    error_message = "Nothing waits once the CRDs exist."
  }
}

run "a_folder_mirror_keeps_the_upstream_repository_in_the_plan" {
  command = plan

  variables {
    chart_mirror = "/srv/charts"
  }

  assert {
    condition     = helm_release.traefik[0].chart == "/srv/charts/traefik-41.3.0.tgz" && helm_release.traefik[0].repository == "https://traefik.github.io/charts" && helm_release.velero[0].chart == "/srv/charts/velero-12.1.0.tgz"
    error_message = "A folder mirror changes only where Helm reads the package."
  }
}

run "an_oci_mirror_replaces_the_repository_and_the_description_keeps_upstream" {
  command = plan

  variables {
    chart_mirror = "oci://registry.example.org/charts"
  }

  assert {
    condition     = helm_release.cert_manager[0].repository == "oci://registry.example.org/charts" && helm_release.cert_manager[0].chart == "cert-manager" && helm_release.cert_manager[0].description == "cert-manager v1.21.1 from https://charts.jetstack.io"
    error_message = "An OCI mirror is the repository; the description names the upstream source."
  }
}

run "the_local_control_plane_neither_waits_nor_runs_hooks" {
  command = plan

  variables {
    local_control_plane = true
  }

  assert {
    condition     = !helm_release.traefik[0].wait && helm_release.velero[0].disable_webhooks
    error_message = "On the local control plane nothing becomes ready and hook Jobs never finish."
  }
}

run "everything_off_installs_nothing" {
  command = plan

  variables {
    components = {}
  }

  assert {
    condition     = length(helm_release.traefik) + length(helm_release.velero) + length(kubernetes_network_policy_v1.infra_egress) == 0 && output.ingress == null
    error_message = "Components are off by default."
  }
}

run "rejects_cert_manager_without_an_acme_email" {
  command = plan

  variables {
    acme_email = null
  }

  expect_failures = [helm_release.cert_manager]
}

run "rejects_external_dns_without_a_token" {
  command = plan

  variables {
    digitalocean_token = null
  }

  expect_failures = [kubernetes_secret_v1.external_dns]
}

run "rejects_velero_without_storage" {
  command = plan

  variables {
    velero_storage = null
  }

  expect_failures = [kubernetes_secret_v1.velero_spaces]
}

run "rejects_a_relative_chart_mirror" {
  command = plan

  variables {
    chart_mirror = "charts"
  }

  expect_failures = [var.chart_mirror]
}

run "rejects_a_chart_mirror_with_a_trailing_slash" {
  command = plan

  variables {
    chart_mirror = "oci://registry.example.org/charts/"
  }

  expect_failures = [var.chart_mirror]
}

run "rejects_a_delete_storage_class" {
  command = plan

  variables {
    storage_class = "do-block-storage"
  }

  expect_failures = [var.storage_class]
}

run "rejects_trusted_cidrs_that_are_not_cidrs" {
  command = plan

  variables {
    ingress = { trusted_cidrs = ["10.110.0.0"] }
  }

  expect_failures = [var.ingress]
}

run "rejects_no_trusted_cidrs" {
  command = plan

  variables {
    ingress = { trusted_cidrs = [] }
  }

  expect_failures = [var.ingress]
}

run "rejects_a_load_balancer_name_digitalocean_refuses" {
  command = plan

  variables {
    ingress = { trusted_cidrs = ["10.110.0.0/20"], load_balancer_name = "Platform_LB" }
  }

  expect_failures = [var.ingress]
}

run "rejects_an_acme_email_without_a_domain" {
  command = plan

  variables {
    acme_email = "ops"
  }

  expect_failures = [var.acme_email]
}

run "rejects_a_bucket_name_spaces_refuses" {
  command = plan

  variables {
    velero_storage = { bucket = "Velero_Backups", region = "fra1" }
  }

  expect_failures = [var.velero_storage]
}

run "rejects_an_unknown_spaces_region" {
  command = plan

  variables {
    velero_storage = { bucket = "example-velero", region = "eu-west-1" }
  }

  expect_failures = [var.velero_storage]
}

run "rejects_a_schedule_without_five_cron_fields" {
  command = plan

  variables {
    velero_schedules = { daily = { schedule = "@daily", ttl = "168h" } }
  }

  expect_failures = [var.velero_schedules]
}

run "rejects_a_retention_not_in_hours" {
  command = plan

  variables {
    velero_schedules = { daily = { schedule = "30 2 * * *", ttl = "7d" } }
  }

  expect_failures = [var.velero_schedules]
}

run "rejects_backing_up_the_data_namespace_with_velero" {
  command = plan

  variables {
    backup_namespaces = ["wordpress", "data"]
  }

  expect_failures = [var.backup_namespaces]
}

run "rejects_a_zero_day_prometheus_retention" {
  command = plan

  variables {
    monitoring = { retention_days = 0 }
  }

  expect_failures = [var.monitoring]
}

run "rejects_a_log_retention_without_a_unit" {
  command = plan

  variables {
    logging = { retention_period = "14" }
  }

  expect_failures = [var.logging]
}
