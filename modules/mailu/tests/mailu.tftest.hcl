# What the Mailu module gives the chart and Traefik, its backups, and the inputs it refuses.
# Mocked cluster providers: no cluster, no chart (the chart itself is rendered from the pinned
# release in test/integration/apps-charts.test.ts, where the mail-safety policy judges it). The
# mail settings and DKIM key come from modules/mail-dns, as in the environments.
mock_provider "helm" {}
mock_provider "kubernetes" {
  # Traefik's IngressRouteTCP CRD is installed.
  override_data {
    target = data.kubernetes_resources.tcp_route_crd
    values = { objects = [{ metadata = { name = "ingressroutetcps.traefik.io" } }] }
  }
  # The namespace exists (a previous apply made it), so the chart is planned.
  override_data {
    target = data.kubernetes_resources.namespace
    values = { objects = [{ metadata = { name = "mailu" } }] }
  }
}
mock_provider "random" {}

variables {
  root_domain        = "example.org"
  backup_bucket      = "acme-mail-backups"
  backup_credentials = { access_key = "test-access-key", secret_key = "test-secret-key" }
}

run "mail_dns" {
  module {
    source = "../mail-dns"
  }
  command = apply
  variables {
    mta_sts_mode = "enforce"
  }
}

run "no_bundled_subchart_and_mailus_own_valkey_behind_a_namespace_fence" {
  command = plan

  variables {
    mail             = run.mail_dns.mailu
    dkim_private_key = run.mail_dns.dkim_private_key
  }


  assert {
    condition     = alltrue([for chart in ["redis", "postgresql", "mariadb"] : yamldecode(helm_release.mailu[0].values[0])[chart].enabled == false])
    error_message = "The chart's Bitnami redis, postgresql and mariadb subcharts stay off."
  }

  assert {
    condition     = yamldecode(helm_release.mailu[0].values[0]).externalRedis == { enabled = true, host = "valkey.mailu.svc.cluster.local", port = 6379 }
    error_message = "Mailu uses its own Valkey in its namespace."
  }

  assert {
    condition     = !anytrue([for arg in kubernetes_deployment_v1.valkey[0].spec[0].template[0].spec[0].container[0].args : strcontains(arg, "requirepass")])
    error_message = "Mailu's Valkey has no password (Mailu cannot send one)."
  }

  assert {
    condition = (
      length(kubernetes_network_policy_v1.valkey[0].spec[0].ingress) == 1 &&
      length(kubernetes_network_policy_v1.valkey[0].spec[0].ingress[0].from) == 1 &&
      length(kubernetes_network_policy_v1.valkey[0].spec[0].ingress[0].from[0].namespace_selector) == 0 &&
      length(kubernetes_network_policy_v1.valkey[0].spec[0].ingress[0].from[0].ip_block) == 0 &&
      kubernetes_network_policy_v1.valkey[0].metadata[0].namespace == "mailu"
    )
    error_message = "Only pods of the mailu namespace reach Valkey: no namespace selector, no IP block."
  }
}

run "accounts_and_webmail_on_the_data_layers_postgresql" {
  command = plan

  variables {
    mail             = run.mail_dns.mailu
    dkim_private_key = run.mail_dns.dkim_private_key
  }

  assert {
    condition = (
      yamldecode(helm_release.mailu[0].values[0]).externalDatabase.enabled &&
      yamldecode(helm_release.mailu[0].values[0]).externalDatabase.type == "postgresql" &&
      yamldecode(helm_release.mailu[0].values[0]).externalDatabase.existingSecret == "mailu-database" &&
      yamldecode(helm_release.mailu[0].values[0]).externalDatabase.host == "postgres.data.svc.cluster.local" &&
      yamldecode(helm_release.mailu[0].values[0]).global.database.roundcube == { database = "mailu_roundcube", username = "mailu_roundcube", existingSecret = "mailu-roundcube-database", existingSecretPasswordKey = "password" }
    )
    error_message = "Mailu's and Roundcube's databases come from the data layer's connection Secrets."
  }

  assert {
    condition     = output.databases == { mailu = { engine = "postgresql", namespace = "mailu" }, mailu_roundcube = { engine = "postgresql", namespace = "mailu" } }
    error_message = "The module asks the data layer for both databases."
  }
}

run "mail_volumes_are_split_retained_and_backed_up" {
  command = plan

  variables {
    mail             = run.mail_dns.mailu
    dkim_private_key = run.mail_dns.dkim_private_key
  }

  assert {
    condition = (
      yamldecode(helm_release.mailu[0].values[0]).persistence.single_pvc == false &&
      { for c in ["admin", "postfix", "dovecot", "rspamd", "webmail"] : c => yamldecode(helm_release.mailu[0].values[0])[c].persistence.existingClaim } == { admin = "mailu-admin", postfix = "mailu-queue", dovecot = "mailu-mail", rspamd = "mailu-antispam", webmail = "mailu-webmail" }
    )
    error_message = "One module-owned claim per component, so the pods need not share a node."
  }

  assert {
    condition     = alltrue([for claim in kubernetes_persistent_volume_claim_v1.this : claim.spec[0].storage_class_name == "do-block-storage-retain" && claim.spec[0].access_modes == toset(["ReadWriteOnce"])])
    error_message = "Every claim is ReadWriteOnce on the retain class."
  }

  assert {
    condition     = alltrue([for c in ["admin", "postfix", "dovecot", "rspamd", "webmail"] : yamldecode(helm_release.mailu[0].values[0])[c].podAnnotations["backup.velero.io/backup-volumes"] == "data"])
    error_message = "Velero backs up every Mailu pod's volume."
  }

  assert {
    condition = (
      toset(keys(kubernetes_cron_job_v1.backup)) == toset(["mail/backup", "mail/restore-test", "admin/backup", "admin/restore-test"]) &&
      kubernetes_cron_job_v1.backup["mail/backup"].metadata[0].labels["platform/volume-backup-of"] == "mailu-mail" &&
      kubernetes_cron_job_v1.backup["mail/backup"].spec[0].job_template[0].spec[0].template[0].spec[0].volume[3].persistent_volume_claim[0].claim_name == "mailu-mail" &&
      kubernetes_cron_job_v1.backup["mail/backup"].spec[0].job_template[0].spec[0].template[0].spec[0].volume[3].persistent_volume_claim[0].read_only == true &&
      kubernetes_cron_job_v1.backup["mail/backup"].spec[0].job_template[0].spec[0].template[0].spec[0].affinity[0].pod_affinity[0].required_during_scheduling_ignored_during_execution[0].label_selector[0].match_labels["app.kubernetes.io/component"] == "dovecot" &&
      length(kubernetes_cron_job_v1.backup["mail/restore-test"].spec[0].job_template[0].spec[0].template[0].spec[0].affinity) == 0
    )
    error_message = "Mail and admin volumes are archived read-only beside their pod, and restore-tested weekly anywhere."
  }

  assert {
    condition = alltrue([for key, job in kubernetes_cron_job_v1.backup :
      job.metadata[0].labels["platform/job"] == split("/", key)[1] &&
      contains([for env in job.spec[0].job_template[0].spec[0].template[0].spec[0].container[0].env : env.value if env.name == "S3_ENDPOINT"], "https://fra1.digitaloceanspaces.com")
    ])
    error_message = "Backups go to Spaces and carry the platform/job labels."
  }

  assert {
    condition     = toset(keys(kubernetes_config_map_v1.backup_scripts[0].data)) == toset(["upload.sh", "fetch.sh", "data-lib.sh", "lib.sh", "files-archive.sh", "files-restore-check.sh"])
    error_message = "The data layer's upload and fetch scripts ship with Mailu's archive and restore check."
  }
}

run "mail_ports_only_through_traefik_with_proxy_protocol" {
  command = plan

  variables {
    mail             = run.mail_dns.mailu
    dkim_private_key = run.mail_dns.dkim_private_key
  }

  assert {
    condition = (
      yamldecode(helm_release.mailu[0].values[0]).front.hostPort.enabled == false &&
      yamldecode(helm_release.mailu[0].values[0]).front.externalService.type == "ClusterIP" &&
      yamldecode(helm_release.mailu[0].values[0]).front.externalService.ports == { pop3 = false, pop3s = false, imap = false, smtp = true, smtps = true, submission = true, imaps = true, manageSieve = true } &&
      yamldecode(helm_release.mailu[0].values[0]).ingress.proxyProtocol == yamldecode(helm_release.mailu[0].values[0]).front.externalService.ports
    )
    error_message = "No hostPort; the mail ports on a ClusterIP Service only Traefik reaches, each with PROXY protocol."
  }

  assert {
    condition = (
      yamldecode(helm_release.mailu[0].values[0]).ingress.realIpHeader == "" &&
      yamldecode(helm_release.mailu[0].values[0]).ingress.realIpFrom == "10.244.0.0/16" &&
      yamldecode(helm_release.mailu[0].values[0]).subnet == "10.244.0.0/16" &&
      yamldecode(helm_release.mailu[0].values[0]).externalRelay.networks == []
    )
    error_message = "REAL_IP_FROM and SUBNET are exactly the pod network; no real-IP header; no relay networks."
  }

  assert {
    condition = (
      { for name, route in kubernetes_manifest.tcp_route : name => route.manifest.spec.entryPoints[0] } == { smtp = "smtp", smtps = "smtps", submission = "submission", imaps = "imaps", sieve = "sieve" } &&
      alltrue([for route in kubernetes_manifest.tcp_route : route.manifest.spec.routes[0].services[0].proxyProtocol.version == 2 && route.manifest.spec.routes[0].services[0].name == "mailu-front-ext"])
    )
    error_message = "One IngressRouteTCP per Traefik mail entrypoint, to mailu-front-ext with PROXY protocol v2."
  }

  assert {
    condition     = toset([for port in kubernetes_network_policy_v1.front_from_traefik[0].spec[0].ingress[0].ports : port.port]) == toset(["80", "25", "465", "587", "993", "4190"])
    error_message = "The front admits Traefik on HTTP and the five mail ports only."
  }
}

run "the_chart_waits_for_its_namespace_and_says_so" {
  command = plan

  variables {
    mail             = run.mail_dns.mailu
    dkim_private_key = run.mail_dns.dkim_private_key
  }

  override_data {
    target = data.kubernetes_resources.namespace
    values = { objects = [] }
  }

  assert {
    condition     = length(helm_release.mailu) == 0 && output.pending == tolist(["mailu chart (waits for namespace mailu)"])
    error_message = "Before its namespace exists the release is not planned (the helm provider cannot render into it) and the pending output names it."
  }

  assert {
    condition     = length(kubernetes_persistent_volume_claim_v1.this) == 5 && length(kubernetes_secret_v1.mailu) == 2
    error_message = "The namespace, volumes and Secrets the chart reads by name are planned in the same round."
  }
}

run "no_routes_before_traefiks_crd_is_there" {
  command = plan

  variables {
    mail             = run.mail_dns.mailu
    dkim_private_key = run.mail_dns.dkim_private_key
  }

  override_data {
    target = data.kubernetes_resources.tcp_route_crd
    values = { objects = [] }
  }

  expect_failures = [check.mail_routes]

  assert {
    condition     = length(kubernetes_manifest.tcp_route) == 0
    error_message = "Without the CRD the routes wait for the next plan."
  }
}

run "outbound_mail_leaves_through_the_relay" {
  command = plan

  variables {
    mail              = run.mail_dns.mailu
    dkim_private_key  = run.mail_dns.dkim_private_key
    relay_host        = "[smtp.relay.example]:587"
    relay_credentials = { username = "mailer", password = "relay-password" }
  }

  assert {
    condition = (
      yamldecode(helm_release.mailu[0].values[0]).postfix.extraEnvVarsSecret == "mailu-relay" &&
      !can(yamldecode(helm_release.mailu[0].values[0]).externalRelay.host) &&
      toset(keys(kubernetes_secret_v1.mailu["relay"].data)) == toset(["RELAYHOST", "RELAYUSER", "RELAYPASSWORD"])
    )
    error_message = "The relay host and login reach postfix from a Secret, never through the chart's values."
  }

  assert {
    condition     = kubernetes_network_policy_v1.outbound_mail[0].spec[0].egress[0].ports[0].port == "587"
    error_message = "postfix may reach the relay's port on public addresses."
  }
}

run "keeps_the_namespace_and_mail_volumes_while_disabled" {
  command = plan

  # No mail settings and no key yet: the cluster stack publishes them only with components.mailu.
  variables {
    enabled = false
  }

  assert {
    condition = (
      length(helm_release.mailu) == 0 && length(kubernetes_deployment_v1.valkey) == 0 && length(kubernetes_service_v1.valkey) == 0 &&
      length(kubernetes_ingress_v1.mailu) == 0 && length(kubernetes_manifest.tcp_route) == 0 && length(data.kubernetes_resources.tcp_route_crd) == 0 &&
      length(kubernetes_secret_v1.mailu) == 0 && length(kubernetes_secret_v1.dkim) == 0 && length(kubernetes_cron_job_v1.backup) == 0 &&
      length(kubernetes_network_policy_v1.internal) == 0 && length(kubernetes_network_policy_v1.backups_egress) == 0 && length(output.tcp_routes) == 0
    )
    error_message = "Disabled: no release, Valkey, Ingress, mail route, Secret, policy or backup CronJob."
  }

  assert {
    condition     = output.namespace == "mailu" && keys(output.databases) == ["mailu", "mailu_roundcube"] && output.volume_claims == { mail = "mailu-mail", queue = "mailu-queue", admin = "mailu-admin", antispam = "mailu-antispam", webmail = "mailu-webmail" }
    error_message = "Disabled: the namespace, the database requests and every retained mail volume stay."
  }
}

run "rejects_enabling_without_mail_settings_or_key" {
  command = plan

  expect_failures = [var.mail, var.dkim_private_key]
}

run "rejects_a_pod_network_that_would_trust_the_internet" {
  command = plan
  variables {
    mail             = run.mail_dns.mailu
    dkim_private_key = run.mail_dns.dkim_private_key
    pod_cidr         = "0.0.0.0/0"
  }
  expect_failures = [var.pod_cidr]
}

run "rejects_a_pod_network_reaching_public_space" {
  command = plan
  variables {
    mail             = run.mail_dns.mailu
    dkim_private_key = run.mail_dns.dkim_private_key
    pod_cidr         = "10.0.0.0/7"
  }
  expect_failures = [var.pod_cidr]
}

run "rejects_a_public_pod_network" {
  command = plan
  variables {
    mail             = run.mail_dns.mailu
    dkim_private_key = run.mail_dns.dkim_private_key
    pod_cidr         = "8.8.0.0/16"
  }
  expect_failures = [var.pod_cidr]
}

run "rejects_wide_relay_networks" {
  command = plan
  variables {
    mail             = run.mail_dns.mailu
    dkim_private_key = run.mail_dns.dkim_private_key
    relay_networks   = ["10.0.0.0/8"]
  }
  expect_failures = [var.relay_networks]
}

run "rejects_public_relay_networks" {
  command = plan
  variables {
    mail             = run.mail_dns.mailu
    dkim_private_key = run.mail_dns.dkim_private_key
    relay_networks   = ["192.0.2.0/24"]
  }
  expect_failures = [var.relay_networks]
}

run "rejects_a_relay_host_without_brackets" {
  command = plan
  variables {
    mail              = run.mail_dns.mailu
    dkim_private_key  = run.mail_dns.dkim_private_key
    relay_host        = "smtp.relay.example:587"
    relay_credentials = { username = "mailer", password = "relay-password" }
  }
  expect_failures = [var.relay_host]
}

run "rejects_a_relay_without_credentials" {
  command = plan
  variables {
    mail             = run.mail_dns.mailu
    dkim_private_key = run.mail_dns.dkim_private_key
    relay_host       = "[smtp.relay.example]:587"
  }
  expect_failures = [var.relay_credentials]
}

run "rejects_a_backup_bucket_without_backup_in_its_name" {
  command = plan
  variables {
    mail             = run.mail_dns.mailu
    dkim_private_key = run.mail_dns.dkim_private_key
    backup_bucket    = "acme-mail"
  }
  expect_failures = [var.backup_bucket]
}

run "rejects_backups_without_credentials" {
  command = plan
  variables {
    mail               = run.mail_dns.mailu
    dkim_private_key   = run.mail_dns.dkim_private_key
    backup_credentials = null
  }
  expect_failures = [var.backup_credentials]
}

run "rejects_volume_sizes_digitalocean_does_not_offer" {
  command = plan
  variables {
    mail             = run.mail_dns.mailu
    dkim_private_key = run.mail_dns.dkim_private_key
    storage_sizes    = { mail = "20GB" }
  }
  expect_failures = [var.storage_sizes]
}
