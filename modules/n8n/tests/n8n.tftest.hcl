# What the n8n module must render, and the inputs it must refuse. Plan only: the encryption
# key's prevent_destroy would stop the test's own clean-up after an apply.
mock_provider "kubernetes" {}
mock_provider "random" {}

variables {
  root_domain          = "example.org"
  database_secret_name = "n8n-database"
}


run "runs_one_main_instance_from_the_pinned_official_image" {
  command = plan

  assert {
    condition     = kubernetes_deployment_v1.n8n["main"].spec[0].template[0].spec[0].container[0].image == "docker.io/n8nio/n8n:2.41.3" && toset(keys(kubernetes_deployment_v1.n8n)) == toset(["main"])
    error_message = "One main instance from n8n's image at the pinned tag; no workers by default."
  }

  assert {
    condition     = kubernetes_deployment_v1.n8n["main"].spec[0].replicas == "1" && kubernetes_deployment_v1.n8n["main"].spec[0].strategy[0].type == "Recreate"
    error_message = "The ReadWriteOnce data volume forces one replica and Recreate."
  }

  assert {
    condition = (kubernetes_deployment_v1.n8n["main"].spec[0].template[0].spec[0].container[0].startup_probe[0].http_get[0].path == "/healthz" &&
      kubernetes_deployment_v1.n8n["main"].spec[0].template[0].spec[0].container[0].liveness_probe[0].http_get[0].path == "/healthz" &&
    kubernetes_deployment_v1.n8n["main"].spec[0].template[0].spec[0].container[0].readiness_probe[0].http_get[0].path == "/healthz/readiness")
    error_message = "Probes on n8n's own /healthz and /healthz/readiness."
  }

  assert {
    condition = (kubernetes_deployment_v1.n8n["main"].spec[0].template[0].spec[0].security_context[0].run_as_non_root == true &&
      kubernetes_deployment_v1.n8n["main"].spec[0].template[0].spec[0].container[0].security_context[0].capabilities[0].drop == tolist(["ALL"]) &&
    kubernetes_deployment_v1.n8n["main"].spec[0].template[0].metadata[0].annotations["backup.velero.io/backup-volumes"] == "data")
    error_message = "Restricted Pod Security, and the data volume in Velero's file-system backup."
  }
}

run "uses_the_public_url_variables_of_the_pinned_release" {
  command = plan

  assert {
    condition = alltrue([for name, value in {
      N8N_HOST                     = "n8n.example.org"
      N8N_PROTOCOL                 = "https"
      N8N_EDITOR_BASE_URL          = "https://n8n.example.org/"
      N8N_WEBHOOK_URL              = "https://n8n.example.org/"
      N8N_PROXY_HOPS               = "1"
      DB_TYPE                      = "postgresdb"
      N8N_DEFAULT_BINARY_DATA_MODE = "filesystem"
      } : contains([for e in kubernetes_deployment_v1.n8n["main"].spec[0].template[0].spec[0].container[0].env : "${e.name}=${e.value}" if e.value != null], "${name}=${value}")
    ])
    error_message = "Public URLs from root_domain under n8n 2.35+'s names (N8N_WEBHOOK_URL), one proxy hop, PostgreSQL, binary data on the volume."
  }

  assert {
    condition     = !contains([for e in kubernetes_deployment_v1.n8n["main"].spec[0].template[0].spec[0].container[0].env : e.name], "WEBHOOK_URL")
    error_message = "The deprecated WEBHOOK_URL is not set."
  }

  assert {
    condition     = one([for e in kubernetes_deployment_v1.n8n["main"].spec[0].template[0].spec[0].container[0].env : e.value_from[0].secret_key_ref[0].name if e.name == "N8N_ENCRYPTION_KEY"]) == "n8n-encryption-key"
    error_message = "N8N_ENCRYPTION_KEY comes from the protected key's Secret."
  }
}

run "adds_workers_and_valkey_in_queue_mode" {
  command = plan

  variables {
    queue_mode_enabled = true
    worker_replicas    = 2
  }

  assert {
    condition     = kubernetes_deployment_v1.n8n["worker"].spec[0].replicas == "2" && kubernetes_deployment_v1.n8n["worker"].spec[0].template[0].spec[0].container[0].args == tolist(["worker", "--concurrency=5"])
    error_message = "Queue mode runs worker pods."
  }

  assert {
    condition = alltrue([for d in [kubernetes_deployment_v1.n8n["main"], kubernetes_deployment_v1.n8n["worker"]] :
      contains([for e in d.spec[0].template[0].spec[0].container[0].env : "${e.name}=${e.value}" if e.value != null], "EXECUTIONS_MODE=queue") &&
      contains([for e in d.spec[0].template[0].spec[0].container[0].env : "${e.name}=${e.value}" if e.value != null], "N8N_DEFAULT_BINARY_DATA_MODE=database") &&
    one([for e in d.spec[0].template[0].spec[0].container[0].env : e.value_from[0].secret_key_ref[0].name if e.name == "QUEUE_BULL_REDIS_PASSWORD"]) == "valkey-connection"])
    error_message = "Main and workers run in queue mode on the data layer's Valkey, with binary data in PostgreSQL."
  }

  assert {
    condition     = output.valkey_consumer_namespaces == tolist(["n8n"])
    error_message = "Queue mode asks the data layer for a Valkey connection Secret."
  }
}

run "asks_for_no_valkey_without_queue_mode" {
  command = plan

  assert {
    condition     = length(output.valkey_consumer_namespaces) == 0 && output.database == { n8n = { engine = "postgresql", namespace = "n8n" } }
    error_message = "A single instance needs PostgreSQL only."
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

run "rejects_a_subdomain_with_a_wildcard" {
  command = plan

  variables {
    subdomain = "*.n8n"
  }

  expect_failures = [var.subdomain]
}

run "rejects_an_unknown_cluster_issuer" {
  command = plan

  variables {
    cluster_issuer = "staging"
  }

  expect_failures = [var.cluster_issuer]
}

run "rejects_zero_workers" {
  command = plan

  variables {
    queue_mode_enabled = true
    worker_replicas    = 0
  }

  expect_failures = [var.worker_replicas]
}

run "rejects_a_timezone_that_is_no_iana_name" {
  command = plan

  variables {
    timezone = "CET+1"
  }

  expect_failures = [var.timezone]
}

run "rejects_a_deleting_storage_class" {
  command = plan

  variables {
    storage_class_name = "do-block-storage-xfs"
  }

  expect_failures = [var.storage_class_name]
}

run "keeps_only_the_namespace_while_disabled" {
  command = plan

  variables {
    enabled = false
  }

  assert {
    condition     = length(kubernetes_deployment_v1.n8n) == 0 && length(kubernetes_persistent_volume_claim_v1.data) == 0 && output.url == null && output.encryption_key_secret == null
    error_message = "Disabled: no workload, volume, Ingress or key."
  }

  assert {
    condition     = output.namespace == "n8n" && output.database == { n8n = { engine = "postgresql", namespace = "n8n" } }
    error_message = "Disabled: the namespace and the database request stay, so data can be migrated in first."
  }
}
