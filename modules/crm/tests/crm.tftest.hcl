# What the CRM (Twenty) module must render, and the inputs it must refuse. Plan only: the
# encryption key's prevent_destroy would stop the test's own clean-up after an apply.
mock_provider "kubernetes" {}
mock_provider "random" {}

variables {
  root_domain          = "example.org"
  database_secret_name = "crm-database"
}

run "runs_server_and_worker_from_one_pinned_image" {
  command = plan

  assert {
    condition = (kubernetes_deployment_v1.twenty["server"].spec[0].template[0].spec[0].container[0].image == output.images.twenty &&
      kubernetes_deployment_v1.twenty["worker"].spec[0].template[0].spec[0].container[0].image == output.images.twenty &&
    can(regex("^docker\\.io/twentycrm/twenty:v[0-9]+\\.[0-9]+\\.[0-9]+$", output.images.twenty)))
    error_message = "Server and worker run the same official image at one exact version."
  }

  assert {
    condition     = kubernetes_deployment_v1.twenty["worker"].spec[0].template[0].spec[0].container[0].command == tolist(["yarn", "worker:prod"])
    error_message = "The worker is the image's worker:prod script."
  }

  assert {
    condition     = kubernetes_deployment_v1.twenty["server"].spec[0].replicas == "1" && kubernetes_deployment_v1.twenty["server"].spec[0].strategy[0].type == "Recreate"
    error_message = "One server (it runs the migrations), replaced rather than overlapped."
  }

  assert {
    condition     = kubernetes_deployment_v1.twenty["server"].spec[0].template[0].spec[0].container[0].readiness_probe[0].http_get[0].path == "/healthz" && kubernetes_deployment_v1.twenty["server"].spec[0].template[0].spec[0].container[0].startup_probe[0].failure_threshold >= 60
    error_message = "Probes on /healthz, with a startup budget for migrations."
  }
}

run "derives_server_url_and_reads_its_secrets" {
  command = plan

  assert {
    condition     = one([for e in kubernetes_deployment_v1.twenty["server"].spec[0].template[0].spec[0].container[0].env : e.value if e.name == "SERVER_URL"]) == "https://crm.example.org"
    error_message = "SERVER_URL is https://<subdomain>.<root_domain>."
  }

  assert {
    condition = alltrue([for pair in [["PG_DATABASE_URL", "crm-database"], ["REDIS_URL", "valkey-connection"], ["ENCRYPTION_KEY", "twenty-encryption-key"]] :
    one([for e in kubernetes_deployment_v1.twenty["server"].spec[0].template[0].spec[0].container[0].env : e.value_from[0].secret_key_ref[0].name if e.name == pair[0]]) == pair[1]])
    error_message = "The database URL, the Valkey URL and ENCRYPTION_KEY come from Secrets."
  }

  assert {
    condition     = !contains([for e in kubernetes_deployment_v1.twenty["server"].spec[0].template[0].spec[0].container[0].env : e.name], "APP_SECRET")
    error_message = "The pinned release uses ENCRYPTION_KEY; the legacy APP_SECRET is not set."
  }

  assert {
    condition     = contains([for e in kubernetes_deployment_v1.twenty["worker"].spec[0].template[0].spec[0].container[0].env : "${e.name}=${e.value}" if e.value != null], "DISABLE_DB_MIGRATIONS=true")
    error_message = "Only the server runs migrations."
  }
}

run "keeps_files_on_a_retained_volume_shared_on_one_node_by_default" {
  command = plan

  assert {
    condition = (kubernetes_persistent_volume_claim_v1.files[0].spec[0].storage_class_name == "do-block-storage-retain" &&
      length(kubernetes_deployment_v1.twenty["worker"].spec[0].template[0].spec[0].affinity) == 1 &&
    kubernetes_deployment_v1.twenty["server"].spec[0].template[0].metadata[0].annotations["backup.velero.io/backup-volumes"] == "files")
    error_message = "Local storage: a retained block volume, the worker pinned to the server's node, Velero's annotation."
  }
}

run "switches_files_to_spaces" {
  command = plan

  variables {
    storage_type     = "s3"
    files_bucket     = "acme-crm-files"
    files_access_key = "test-access-key-id"
    files_secret_key = "test-secret-access-key"
  }

  assert {
    condition = (length(kubernetes_persistent_volume_claim_v1.files) == 0 &&
      contains([for e in kubernetes_deployment_v1.twenty["server"].spec[0].template[0].spec[0].container[0].env : "${e.name}=${e.value}" if e.value != null], "STORAGE_TYPE=s3") &&
      contains([for e in kubernetes_deployment_v1.twenty["server"].spec[0].template[0].spec[0].container[0].env : "${e.name}=${e.value}" if e.value != null], "STORAGE_S3_ENDPOINT=https://fra1.digitaloceanspaces.com") &&
    length(kubernetes_deployment_v1.twenty["worker"].spec[0].template[0].spec[0].affinity) == 0)
    error_message = "S3 storage: no volume, Twenty's own S3 client on Spaces, and the worker free to run anywhere."
  }
}

run "brings_an_existing_encryption_key_under_the_keeper" {
  command = plan

  # The keeper itself (modules/app-key) is tested for refusing a key other than the recorded one.
  variables {
    encryption_key        = "the-key-of-the-instance-being-migrated"
    encryption_key_sha256 = "d1a4bd11a7a8c6fa2c1cd1f2e1f4fd1b55c2d6c21de6c25e0c15bd8f1d1f0b8e"
  }

  expect_failures = [var.encryption_key_sha256]
}

run "reports_the_fingerprint_to_record" {
  command = plan

  variables {
    encryption_key = "the-key-of-the-instance-being-migrated"
  }

  assert {
    condition     = output.encryption_key_sha256 == sha256("the-key-of-the-instance-being-migrated")
    error_message = "The module reports the key's SHA-256, to record as encryption_key_sha256."
  }
}

run "rejects_an_unknown_storage_type" {
  command = plan

  variables {
    storage_type = "gcs"
  }

  expect_failures = [var.storage_type]
}

run "rejects_s3_storage_without_a_bucket" {
  command = plan

  variables {
    storage_type     = "s3"
    files_access_key = "k"
    files_secret_key = "s"
  }

  expect_failures = [var.files_bucket]
}

run "rejects_s3_storage_without_keys" {
  command = plan

  variables {
    storage_type = "s3"
    files_bucket = "acme-crm-files"
  }

  expect_failures = [var.files_access_key, var.files_secret_key]
}

run "rejects_a_plain_http_endpoint" {
  command = plan

  variables {
    files_endpoint = "http://fra1.digitaloceanspaces.com"
  }

  expect_failures = [var.files_endpoint]
}

run "rejects_a_subdomain_ending_in_a_hyphen" {
  command = plan

  variables {
    subdomain = "crm-"
  }

  expect_failures = [var.subdomain]
}

run "keeps_only_the_namespace_while_disabled" {
  command = plan

  variables {
    enabled = false
  }

  assert {
    condition     = length(kubernetes_deployment_v1.twenty) == 0 && length(kubernetes_persistent_volume_claim_v1.files) == 0 && output.url == null && length(output.valkey_consumer_namespaces) == 0
    error_message = "Disabled: no workload, volume, Ingress, key or cache."
  }

  assert {
    condition     = output.namespace == "crm" && output.database == { crm = { engine = "postgresql", namespace = "crm" } }
    error_message = "Disabled: the namespace and the database request stay, so data can be migrated in first."
  }
}
