# What the Nextcloud module gives the chart, the one-major upgrade rule, and the inputs it
# refuses. Mocked providers: no cluster, no chart (the chart itself is rendered from the pinned
# release in test/integration/apps-charts.test.ts).
mock_provider "helm" {}
mock_provider "random" {}
mock_provider "kubernetes" {
  # No Nextcloud running yet, unless a run says otherwise.
  override_data {
    target = data.kubernetes_resources.running
    values = { objects = [] }
  }
  # The namespace exists (a previous apply made it), so the chart is planned.
  override_data {
    target = data.kubernetes_resources.namespace
    values = { objects = [{ metadata = { name = "nextcloud" } }] }
  }
}

variables {
  root_domain = "example.org"
}

run "chart_values_keep_every_bundled_subchart_off_and_use_the_data_layer" {
  command = plan

  assert {
    condition = alltrue([for chart in ["postgresql", "mariadb", "redis", "collabora"] :
      yamldecode(helm_release.nextcloud[0].values[0])[chart].enabled == false
    ])
    error_message = "The chart's Bitnami postgresql, mariadb and redis subcharts (and collabora) stay off."
  }

  assert {
    condition     = yamldecode(helm_release.nextcloud[0].values[0]).internalDatabase.enabled == false
    error_message = "SQLite (internalDatabase) is off."
  }

  assert {
    condition = (
      yamldecode(helm_release.nextcloud[0].values[0]).externalDatabase.type == "postgresql" &&
      yamldecode(helm_release.nextcloud[0].values[0]).externalDatabase.existingSecret == {
        enabled = true, secretName = "nextcloud-database", usernameKey = "username", passwordKey = "password", hostKey = "host", databaseKey = "database"
      }
    )
    error_message = "PostgreSQL comes from the data layer's connection Secret and its key names."
  }

  assert {
    condition     = yamldecode(helm_release.nextcloud[0].values[0]).externalRedis == { enabled = true, host = "valkey.data.svc.cluster.local", port = "6379", existingSecret = { enabled = true, secretName = "valkey-connection", passwordKey = "password" } }
    error_message = "Valkey is the data layer's, with the password from its valkey-connection Secret."
  }

  assert {
    condition = (
      yamldecode(helm_release.nextcloud[0].values[0]).image == { repository = "library/nextcloud", tag = "34.0.1-fpm-alpine", flavor = "fpm-alpine" } &&
      yamldecode(helm_release.nextcloud[0].values[0]).nginx.enabled == true &&
      yamldecode(helm_release.nextcloud[0].values[0]).nginx.image == { repository = "library/nginx", tag = "1.30.5@sha256:e9f347c65f318767714e8b0eccfd6b558d00fb92630791fb6cd901fcdf7f6fdd" }
    )
    error_message = "PHP-FPM (the pinned fpm-alpine image) with the chart's nginx, which serves the /.well-known/caldav and carddav redirects."
  }

  assert {
    condition     = yamldecode(helm_release.nextcloud[0].values[0]).cronjob == { enabled = true, type = "cronjob", cronjob = yamldecode(helm_release.nextcloud[0].values[0]).cronjob.cronjob } && yamldecode(helm_release.nextcloud[0].values[0]).cronjob.cronjob.securityContext.runAsUser == 82
    error_message = "Background jobs run as a CronJob, as www-data."
  }

  assert {
    condition = (
      yamldecode(helm_release.nextcloud[0].values[0]).persistence.existingClaim == "nextcloud-app" &&
      yamldecode(helm_release.nextcloud[0].values[0]).persistence.nextcloudData == { enabled = true, existingClaim = "nextcloud-data" } &&
      alltrue([for claim in kubernetes_persistent_volume_claim_v1.this : claim.spec[0].storage_class_name == "do-block-storage-retain" && claim.spec[0].access_modes == toset(["ReadWriteOnce"])])
    )
    error_message = "Code and data live on two module-owned, retained, ReadWriteOnce block volumes."
  }

  assert {
    condition     = yamldecode(helm_release.nextcloud[0].values[0]).podAnnotations["backup.velero.io/backup-volumes"] == "nextcloud-main,nextcloud-data"
    error_message = "Velero backs up both volumes of the web pod."
  }

  assert {
    condition     = !can(yamldecode(helm_release.nextcloud[0].values[0]).nextcloud.objectStore.s3.enabled) || !yamldecode(helm_release.nextcloud[0].values[0]).nextcloud.objectStore.s3.enabled
    error_message = "Spaces is never Nextcloud's primary storage."
  }

  assert {
    condition = (
      contains(yamldecode(helm_release.nextcloud[0].values[0]).nextcloud.extraEnv, { name = "TRUSTED_PROXIES", value = "10.244.0.0/16" }) &&
      contains(yamldecode(helm_release.nextcloud[0].values[0]).nextcloud.extraEnv, { name = "OVERWRITEPROTOCOL", value = "https" }) &&
      contains(yamldecode(helm_release.nextcloud[0].values[0]).nextcloud.extraEnv, { name = "OVERWRITEHOST", value = "cloud.example.org" }) &&
      contains(yamldecode(helm_release.nextcloud[0].values[0]).nextcloud.extraEnv, { name = "OVERWRITECLIURL", value = "https://cloud.example.org" })
    )
    error_message = "Traefik's pod network is the trusted proxy, and Nextcloud writes https://cloud.example.org links."
  }

  assert {
    condition = (
      kubernetes_ingress_v1.nextcloud[0].spec[0].rule[0].host == "cloud.example.org" &&
      kubernetes_ingress_v1.nextcloud[0].metadata[0].annotations["cert-manager.io/cluster-issuer"] == "letsencrypt-staging" &&
      kubernetes_ingress_v1.nextcloud[0].spec[0].tls[0].hosts == tolist(["cloud.example.org"]) &&
      kubernetes_ingress_v1.nextcloud[0].spec[0].ingress_class_name == "traefik"
    )
    error_message = "One Ingress on Traefik for cloud.<root_domain>, with a cert-manager certificate."
  }

  assert {
    condition     = helm_release.nextcloud[0].chart == "nextcloud" && helm_release.nextcloud[0].repository == "https://nextcloud.github.io/helm" && helm_release.nextcloud[0].version == "9.2.4"
    error_message = "Without a mirror the pinned chart comes from its upstream repository."
  }

  assert {
    condition     = kubernetes_secret_v1.admin[0].data["nextcloud-username"] == "admin" && random_password.admin.length == 32 && yamldecode(helm_release.nextcloud[0].values[0]).nextcloud.existingSecret.secretName == "nextcloud-admin"
    error_message = "The administrator's password is generated (32 characters) and the chart reads it from the Secret, never from a value."
  }
}

run "the_chart_waits_for_its_namespace_and_says_so" {
  command = plan

  override_data {
    target = data.kubernetes_resources.namespace
    values = { objects = [] }
  }

  assert {
    condition     = length(helm_release.nextcloud) == 0 && output.pending == tolist(["nextcloud chart (waits for namespace nextcloud)"])
    error_message = "Before its namespace exists the release is not planned (the helm provider cannot render into it) and the pending output names it."
  }

  assert {
    condition     = length(kubernetes_persistent_volume_claim_v1.this) == 2 && kubernetes_secret_v1.admin[0].metadata[0].name == "nextcloud-admin"
    error_message = "The namespace, volumes and the admin Secret the chart reads by name are planned in the same round."
  }
}

run "a_folder_mirror_serves_the_archive_and_keeps_the_upstream_repository_in_the_plan" {
  command = plan

  variables {
    chart_mirror = "/work/mirrors/charts"
  }

  assert {
    condition     = helm_release.nextcloud[0].chart == "/work/mirrors/charts/nextcloud-9.2.4.tgz" && helm_release.nextcloud[0].repository == "https://nextcloud.github.io/helm"
    error_message = "A folder mirror: chart = <mirror>/nextcloud-9.2.4.tgz, repository stays upstream."
  }
}

run "an_oci_mirror_replaces_the_repository" {
  command = plan

  variables {
    chart_mirror = "oci://registry.example.org/charts"
  }

  assert {
    condition     = helm_release.nextcloud[0].chart == "nextcloud" && helm_release.nextcloud[0].repository == "oci://registry.example.org/charts"
    error_message = "An oci:// mirror replaces the repository; the chart keeps its name."
  }
}

run "s3_external_storage_is_mounted_by_a_hook_never_as_primary_storage" {
  command = plan

  variables {
    s3_external_storage             = { bucket = "acme-nextcloud-files", region = "fra1" }
    s3_external_storage_credentials = { access_key = "test-key", secret_key = "test-secret" }
  }

  assert {
    condition = (
      strcontains(yamldecode(helm_release.nextcloud[0].values[0]).nextcloud.hooks["before-starting"], "files_external:create") &&
      contains(yamldecode(helm_release.nextcloud[0].values[0]).nextcloud.extraEnv, { name = "S3_EXTERNAL_HOST", value = "fra1.digitaloceanspaces.com" }) &&
      !can(yamldecode(helm_release.nextcloud[0].values[0]).nextcloud.objectStore)
    )
    error_message = "The bucket is external storage through the before-starting hook; objectStore (primary storage) is never set."
  }
}

run "an_upgrade_of_one_major_is_allowed" {
  command = plan

  override_data {
    target = data.kubernetes_resources.running
    values = { objects = [{ spec = { template = { spec = { containers = [{ name = "nextcloud", image = "docker.io/library/nextcloud:33.0.9-fpm-alpine" }, { name = "nextcloud-nginx", image = "docker.io/library/nginx:1.30.5" }] } } } }] }
  }

  assert {
    condition     = output.running_version == "33.0.9" && output.version == "34.0.1"
    error_message = "33.0.9 running, 34.0.1 planned: one major up."
  }
}

run "a_jump_of_two_majors_is_refused" {
  command = plan

  override_data {
    target = data.kubernetes_resources.running
    values = { objects = [{ spec = { template = { spec = { containers = [{ name = "nextcloud", image = "docker.io/library/nextcloud:32.0.15-fpm-alpine" }] } } } }] }
  }

  expect_failures = [helm_release.nextcloud[0]]
}

run "a_downgrade_is_refused" {
  command = plan

  variables {
    nextcloud_version = "34.0.1"
  }

  override_data {
    target = data.kubernetes_resources.running
    values = { objects = [{ spec = { template = { spec = { containers = [{ name = "nextcloud", image = "docker.io/library/nextcloud:34.0.3-fpm-alpine" }] } } } }] }
  }

  expect_failures = [helm_release.nextcloud[0]]
}

run "an_untagged_running_image_is_refused" {
  command = plan

  override_data {
    target = data.kubernetes_resources.running
    values = { objects = [{ spec = { template = { spec = { containers = [{ name = "nextcloud", image = "docker.io/library/nextcloud@sha256:9b2908220bc205d8f2b70f3a914b246bb45b8e9aa86e521db1f81c7aa371287a" }] } } } }] }
  }

  expect_failures = [helm_release.nextcloud[0]]
}

run "migrated_data_from_nextcloud_26_must_start_at_27" {
  command = plan

  variables {
    upgrade_from_version = "26.0.13"
  }

  expect_failures = [helm_release.nextcloud[0]]
}

run "migrated_data_from_nextcloud_26_starts_at_27" {
  command = plan

  variables {
    upgrade_from_version = "26.0.13"
    nextcloud_version    = "27.1.11"
  }

  assert {
    condition     = yamldecode(helm_release.nextcloud[0].values[0]).image.tag == "27.1.11-fpm-alpine" && output.images.nextcloud == "docker.io/library/nextcloud:27.1.11-fpm-alpine"
    error_message = "An explicit older release runs its own fpm-alpine image."
  }
}

run "keeps_the_namespace_volumes_and_database_egress_while_disabled" {
  command = plan

  variables {
    enabled = false
  }

  assert {
    condition     = length(helm_release.nextcloud) == 0 && length(kubernetes_ingress_v1.nextcloud) == 0 && length(kubernetes_secret_v1.admin) == 0 && length(kubernetes_network_policy_v1.from_traefik) == 0 && length(kubernetes_network_policy_v1.to_internet) == 0
    error_message = "Disabled: no release, Ingress, admin Secret or web-facing policy."
  }

  assert {
    condition     = output.namespace == "nextcloud" && output.database == { nextcloud = { engine = "postgresql", namespace = "nextcloud" } } && output.url == null && output.admin_secret == null && length(output.valkey_consumer_namespaces) == 0
    error_message = "Disabled: the namespace and the database request stay (the connection Secret lands there); no URL, no Valkey consumer."
  }

  assert {
    condition     = output.volume_claims == { app = "nextcloud-app", data = "nextcloud-data" } && length(kubernetes_network_policy_v1.to_data) == 2
    error_message = "Disabled: both retained volumes and the egress to PostgreSQL and Valkey stay, for the migration's copy and upgrade pods."
  }
}

run "the_upgrade_rule_waits_while_disabled" {
  command = plan

  variables {
    enabled              = false
    upgrade_from_version = "26.0.13"
  }

  assert {
    condition     = length(helm_release.nextcloud) == 0
    error_message = "Disabled: nothing is deployed, so a data version two majors below the pin is no error yet (the rule runs when the app is turned on)."
  }
}

run "rejects_a_bad_root_domain" {
  command = plan
  variables {
    root_domain = "https://Example.org/"
  }
  expect_failures = [var.root_domain]
}

run "rejects_a_bad_subdomain" {
  command = plan
  variables {
    subdomain = ".cloud"
  }
  expect_failures = [var.subdomain]
}

run "rejects_an_unknown_cluster_issuer" {
  command = plan
  variables {
    cluster_issuer = "letsencrypt"
  }
  expect_failures = [var.cluster_issuer]
}

run "rejects_a_version_that_is_not_a_release_number" {
  command = plan
  variables {
    nextcloud_version = "34"
  }
  expect_failures = [var.nextcloud_version]
}

run "rejects_trusting_every_proxy" {
  command = plan
  variables {
    trusted_proxy_cidrs = ["0.0.0.0/0"]
  }
  expect_failures = [var.trusted_proxy_cidrs]
}

run "rejects_a_storage_class_that_deletes_volumes" {
  command = plan
  variables {
    storage_class_name = "do-block-storage"
  }
  expect_failures = [var.storage_class_name]
}

run "rejects_external_storage_without_credentials" {
  command = plan
  variables {
    s3_external_storage = { bucket = "acme-nextcloud-files", region = "fra1" }
  }
  expect_failures = [var.s3_external_storage_credentials]
}

run "rejects_a_relative_chart_mirror" {
  command = plan
  variables {
    chart_mirror = "mirrors/charts/"
  }
  expect_failures = [var.chart_mirror]
}

run "rejects_the_data_namespace" {
  command = plan
  variables {
    namespace = "data"
  }
  expect_failures = [var.namespace]
}
