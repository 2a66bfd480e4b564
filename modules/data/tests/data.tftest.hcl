# What the data layer must render, and the inputs it must refuse at plan time. Mocked
# providers: these runs need no cluster (the integration tests apply the real thing).
mock_provider "kubernetes" {}
mock_provider "random" {}

variables {
  namespace = "data"
  databases = {
    n8n       = { engine = "postgresql", namespace = "n8n" }
    wordpress = { engine = "mariadb", namespace = "wordpress" }
  }
  valkey_consumer_namespaces = ["n8n"]
  backup_bucket              = "acme-db-backups"
  backup_access_key          = "test-access-key-id"
  backup_secret_key          = "test-secret-access-key"
}

run "database_servers_are_statefulsets_on_retained_block_storage" {
  command = apply

  assert {
    condition     = toset(keys(kubernetes_stateful_set_v1.server)) == toset(["postgresql", "mariadb"])
    error_message = "One StatefulSet per enabled engine."
  }

  assert {
    condition     = kubernetes_stateful_set_v1.server["postgresql"].metadata[0].name == "postgres" && kubernetes_stateful_set_v1.server["mariadb"].metadata[0].name == "mariadb"
    error_message = "The StatefulSets are named postgres and mariadb (the backup-of label and the hosts use the names)."
  }

  assert {
    condition     = alltrue([for engine, sts in kubernetes_stateful_set_v1.server : sts.metadata[0].labels["platform/database-engine"] == engine && sts.metadata[0].labels["app.kubernetes.io/part-of"] == "platform-data"])
    error_message = "Each StatefulSet carries platform/database-engine = its engine and part-of = platform-data."
  }

  assert {
    condition     = alltrue([for sts in kubernetes_stateful_set_v1.server : sts.spec[0].replicas == "1" && sts.wait_for_rollout == false])
    error_message = "One replica, and nothing waits for a rollout."
  }

  assert {
    condition = alltrue([for sts in kubernetes_stateful_set_v1.server :
      length(sts.spec[0].volume_claim_template) == 1 &&
      sts.spec[0].volume_claim_template[0].spec[0].storage_class_name == "do-block-storage-retain" &&
      sts.spec[0].volume_claim_template[0].spec[0].access_modes == toset(["ReadWriteOnce"]) &&
      sts.spec[0].volume_claim_template[0].spec[0].resources[0].requests["storage"] == "10Gi"
    ])
    error_message = "Exactly one claim template, on do-block-storage-retain, ReadWriteOnce, 10Gi by default."
  }

  assert {
    condition     = kubernetes_stateful_set_v1.server["postgresql"].spec[0].template[0].spec[0].container[0].image == "postgres:17.11" && kubernetes_stateful_set_v1.server["mariadb"].spec[0].template[0].spec[0].container[0].image == "mariadb:11.8.8"
    error_message = "The official images, pinned."
  }

  assert {
    condition = alltrue([for sts in kubernetes_stateful_set_v1.server :
      sts.spec[0].template[0].spec[0].security_context[0].run_as_non_root == true &&
      sts.spec[0].template[0].spec[0].security_context[0].run_as_user == "999" &&
      sts.spec[0].template[0].spec[0].security_context[0].fs_group == "999" &&
      sts.spec[0].template[0].spec[0].security_context[0].seccomp_profile[0].type == "RuntimeDefault" &&
      sts.spec[0].template[0].spec[0].container[0].security_context[0].allow_privilege_escalation == false &&
      sts.spec[0].template[0].spec[0].container[0].security_context[0].capabilities[0].drop == tolist(["ALL"])
    ])
    error_message = "The servers meet Pod Security restricted: non-root 999, fsGroup 999, no escalation, all capabilities dropped, RuntimeDefault seccomp."
  }

  assert {
    condition = alltrue([for sts in kubernetes_stateful_set_v1.server :
      sts.spec[0].template[0].spec[0].container[0].resources[0].requests["cpu"] != "" &&
      sts.spec[0].template[0].spec[0].container[0].resources[0].requests["memory"] != "" &&
      sts.spec[0].template[0].spec[0].container[0].resources[0].limits["memory"] != ""
    ])
    error_message = "Every server requests cpu and memory and limits memory."
  }

  assert {
    condition     = kubernetes_stateful_set_v1.server["postgresql"].spec[0].template[0].spec[0].container[0].readiness_probe[0].exec[0].command[0] == "pg_isready" && kubernetes_stateful_set_v1.server["mariadb"].spec[0].template[0].spec[0].container[0].liveness_probe[0].exec[0].command == tolist(["healthcheck.sh", "--connect", "--innodb_initialized"])
    error_message = "Probes use pg_isready and MariaDB's healthcheck.sh."
  }

  assert {
    condition     = kubernetes_stateful_set_v1.server["mariadb"].spec[0].template[0].spec[0].container[0].volume_mount[0].mount_path == "/var/lib/mysql" && kubernetes_stateful_set_v1.server["mariadb"].spec[0].template[0].spec[0].container[0].volume_mount[0].sub_path == "data"
    error_message = "MariaDB's data lives in a subfolder of the volume, where ext4's lost+found does not show up as a database."
  }

  assert {
    condition     = contains(kubernetes_stateful_set_v1.server["postgresql"].spec[0].template[0].spec[0].container[0].args, "shared_buffers=128MB") && contains(kubernetes_stateful_set_v1.server["mariadb"].spec[0].template[0].spec[0].container[0].args, "--innodb-buffer-pool-size=128M")
    error_message = "Memory settings sized for small nodes."
  }

  assert {
    condition     = kubernetes_service_v1.server["postgresql"].metadata[0].name == "postgres" && kubernetes_service_v1.server["mariadb"].spec[0].port[0].port == 3306 && kubernetes_service_v1.server["postgresql"].spec[0].type == "ClusterIP"
    error_message = "ClusterIP Services postgres (5432) and mariadb (3306)."
  }

  assert {
    condition     = output.postgres_host == "postgres.data.svc.cluster.local" && output.mariadb_host == "mariadb.data.svc.cluster.local" && output.valkey_host == "valkey.data.svc.cluster.local"
    error_message = "The outputs name the Services' cluster DNS names."
  }

  assert {
    condition     = kubernetes_secret_v1.superuser["postgresql"].metadata[0].namespace == "data" && kubernetes_secret_v1.superuser["postgresql"].data["password"] == random_password.superuser["postgresql"].result
    error_message = "The superuser password is generated and kept in a Secret in the data namespace."
  }
}

run "every_database_gets_a_connection_secret_in_its_apps_namespace" {
  command = apply

  assert {
    condition     = kubernetes_secret_v1.connection["n8n"].metadata[0].namespace == "n8n" && kubernetes_secret_v1.connection["n8n"].metadata[0].name == "n8n-database"
    error_message = "The connection Secret is <db>-database in the app's namespace."
  }

  assert {
    condition     = kubernetes_secret_v1.connection["wordpress"].metadata[0].namespace == "wordpress" && kubernetes_secret_v1.connection["wordpress"].metadata[0].labels["platform/database-engine"] == "mariadb" && kubernetes_secret_v1.connection["wordpress"].metadata[0].labels["platform/database-owner"] == "wordpress"
    error_message = "The connection Secret is labelled with its engine and owning app."
  }

  assert {
    condition     = kubernetes_secret_v1.connection["n8n"].data["host"] == "postgres.data.svc.cluster.local" && kubernetes_secret_v1.connection["n8n"].data["port"] == "5432" && kubernetes_secret_v1.connection["n8n"].data["database"] == "n8n" && kubernetes_secret_v1.connection["n8n"].data["username"] == "n8n"
    error_message = "host, port, database and username point at the data layer's server."
  }

  assert {
    condition     = kubernetes_secret_v1.connection["n8n"].data["password"] == random_password.database["n8n"].result && kubernetes_secret_v1.connection["n8n"].data["url"] == "postgresql://n8n:${random_password.database["n8n"].result}@postgres.data.svc.cluster.local:5432/n8n"
    error_message = "The password is the generated one, and the URL carries it."
  }

  assert {
    condition     = startswith(kubernetes_secret_v1.connection["wordpress"].data["url"], "mysql://wordpress:")
    error_message = "MariaDB databases get a mysql:// URL."
  }

  assert {
    condition     = output.connection_secrets["n8n"] == { namespace = "n8n", name = "n8n-database", engine = "postgresql" }
    error_message = "connection_secrets names each database's Secret."
  }
}

run "provisioning_jobs_are_idempotent_hashed_and_never_waited_for" {
  command = apply

  assert {
    condition     = alltrue([for job in kubernetes_job_v1.provision : job.wait_for_completion == false && job.metadata[0].namespace == "data"])
    error_message = "Provisioning Jobs run in the data namespace and nothing waits for them."
  }

  assert {
    condition     = can(regex("^n8n-provision-[0-9a-f]{8}$", kubernetes_job_v1.provision["n8n"].metadata[0].name))
    error_message = "The Job's name ends in a short hash of the desired state, so a change runs it again."
  }

  assert {
    condition     = !strcontains(jsonencode(kubernetes_job_v1.provision["n8n"].spec[0].template[0].spec[0].container[0].command), random_password.database["n8n"].result)
    error_message = "No password on a command line."
  }

  assert {
    condition     = one([for e in kubernetes_job_v1.provision["n8n"].spec[0].template[0].spec[0].container[0].env : e.value_from[0].secret_key_ref[0].name if e.name == "DB_PASSWORD"]) == "database-n8n"
    error_message = "The app's password reaches the Job from a Secret."
  }

  assert {
    condition     = strcontains(kubernetes_config_map_v1.provisioning[0].data["postgresql.sql"], "\\gexec") && strcontains(kubernetes_config_map_v1.provisioning[0].data["mariadb.sh"], "CREATE DATABASE IF NOT EXISTS")
    error_message = "The provisioning SQL is idempotent (\\gexec guards, IF NOT EXISTS)."
  }
}

run "provisioning_job_names_are_known_at_plan_time" {
  command = plan

  assert {
    condition     = can(regex("^wordpress-provision-[0-9a-f]{8}$", kubernetes_job_v1.provision["wordpress"].metadata[0].name))
    error_message = "Reviewers see the Job's name in the plan: the hash covers no generated value."
  }
}

run "every_database_is_backed_up_to_spaces_and_restore_tested" {
  command = apply

  assert {
    condition     = toset(keys(kubernetes_cron_job_v1.job)) == toset(["n8n/backup", "n8n/restore-test", "wordpress/backup", "wordpress/restore-test"])
    error_message = "One backup and one restore-test CronJob per database."
  }

  assert {
    condition     = kubernetes_cron_job_v1.job["n8n/backup"].metadata[0].labels["platform/job"] == "backup" && kubernetes_cron_job_v1.job["n8n/backup"].metadata[0].labels["platform/backup-of"] == "postgres" && kubernetes_cron_job_v1.job["n8n/backup"].metadata[0].labels["platform/database"] == "n8n"
    error_message = "Backup CronJobs are labelled platform/job=backup, platform/backup-of=<StatefulSet>, platform/database=<db>."
  }

  assert {
    condition     = kubernetes_cron_job_v1.job["wordpress/restore-test"].metadata[0].labels["platform/job"] == "restore-test" && kubernetes_cron_job_v1.job["wordpress/restore-test"].metadata[0].labels["platform/backup-of"] == "mariadb"
    error_message = "Restore-test CronJobs are labelled platform/job=restore-test and platform/backup-of=<StatefulSet>."
  }

  assert {
    condition = alltrue([for key, job in kubernetes_cron_job_v1.job :
      { for e in job.spec[0].job_template[0].spec[0].template[0].spec[0].container[0].env : e.name => e.value }["S3_BUCKET"] == "acme-db-backups" &&
      { for e in job.spec[0].job_template[0].spec[0].template[0].spec[0].container[0].env : e.name => e.value }["S3_ENDPOINT"] == "https://fra1.digitaloceanspaces.com"
      if endswith(key, "/backup")
    ])
    error_message = "The upload container sets S3_BUCKET and S3_ENDPOINT as literals (the stateful-backed-up policy reads them)."
  }

  assert {
    condition     = { for e in kubernetes_cron_job_v1.job["n8n/backup"].spec[0].job_template[0].spec[0].template[0].spec[0].container[0].env : e.name => e.value }["BACKUP_REMOTE"] == "backups:acme-db-backups/postgresql/n8n"
    error_message = "Backups go to backups:<bucket>/<engine>/<db>."
  }

  assert {
    condition = (
      kubernetes_cron_job_v1.job["n8n/backup"].spec[0].job_template[0].spec[0].template[0].spec[0].init_container[0].image == "postgres:17.11" &&
      kubernetes_cron_job_v1.job["n8n/backup"].spec[0].job_template[0].spec[0].template[0].spec[0].init_container[0].command == tolist(["/scripts/pg-dump.sh"]) &&
      kubernetes_cron_job_v1.job["wordpress/backup"].spec[0].job_template[0].spec[0].template[0].spec[0].init_container[0].command == tolist(["/scripts/mariadb-dump.sh"]) &&
      kubernetes_cron_job_v1.job["n8n/backup"].spec[0].job_template[0].spec[0].template[0].spec[0].container[0].image == "rclone/rclone:1.71.0" &&
      kubernetes_cron_job_v1.job["n8n/backup"].spec[0].job_template[0].spec[0].template[0].spec[0].container[0].command == tolist(["/scripts/upload.sh"])
    )
    error_message = "The dump runs in the database image, the upload in the pinned rclone image."
  }

  assert {
    condition = (
      kubernetes_cron_job_v1.job["n8n/restore-test"].spec[0].job_template[0].spec[0].template[0].spec[0].init_container[0].image == "rclone/rclone:1.71.0" &&
      kubernetes_cron_job_v1.job["n8n/restore-test"].spec[0].job_template[0].spec[0].template[0].spec[0].init_container[0].command == tolist(["/scripts/fetch.sh"]) &&
      kubernetes_cron_job_v1.job["n8n/restore-test"].spec[0].job_template[0].spec[0].template[0].spec[0].container[0].command == tolist(["/scripts/pg-restore-check.sh"]) &&
      kubernetes_cron_job_v1.job["wordpress/restore-test"].spec[0].job_template[0].spec[0].template[0].spec[0].container[0].image == "mariadb:11.8.8" &&
      { for e in kubernetes_cron_job_v1.job["wordpress/restore-test"].spec[0].job_template[0].spec[0].template[0].spec[0].container[0].env : e.name => e.value }["RESTORE_MODE"] == "scratch"
    )
    error_message = "The restore test fetches with rclone, then restores into a scratch database with the database image."
  }

  assert {
    condition = alltrue([for key, job in kubernetes_cron_job_v1.job :
      job.spec[0].schedule == "15 3 * * *" && job.spec[0].concurrency_policy == "Forbid" &&
      job.spec[0].job_template[0].spec[0].backoff_limit == 1 &&
      job.spec[0].job_template[0].spec[0].template[0].spec[0].restart_policy == "Never"
      if endswith(key, "/backup")
    ])
    error_message = "Nightly at 03:15, never concurrent, one retry, no in-pod restarts."
  }

  assert {
    condition = alltrue([for key, job in kubernetes_cron_job_v1.job :
      job.spec[0].job_template[0].spec[0].template[0].spec[0].container[0].security_context[0].run_as_user == "65534" &&
      job.spec[0].job_template[0].spec[0].template[0].spec[0].init_container[0].security_context[0].run_as_user == "999" &&
      job.spec[0].job_template[0].spec[0].template[0].spec[0].container[0].security_context[0].run_as_non_root == true
      if endswith(key, "/backup")
    ])
    error_message = "rclone runs as nobody, the dump as the database user."
  }

  assert {
    condition = (
      one([for e in kubernetes_cron_job_v1.job["n8n/backup"].spec[0].job_template[0].spec[0].template[0].spec[0].container[0].env : e.value_from[0].secret_key_ref[0].name if e.name == "RCLONE_CONFIG_BACKUPS_SECRET_ACCESS_KEY"]) == "backup-credentials" &&
      one([for e in kubernetes_cron_job_v1.job["n8n/backup"].spec[0].job_template[0].spec[0].template[0].spec[0].init_container[0].env : e.value_from[0].secret_key_ref[0].name if e.name == "PGPASSWORD"]) == "postgres-backup"
    )
    error_message = "Credentials reach the containers through secret_key_ref."
  }

  assert {
    condition = alltrue([for key, job in kubernetes_cron_job_v1.job : alltrue([for e in concat(job.spec[0].job_template[0].spec[0].template[0].spec[0].init_container[0].env, job.spec[0].job_template[0].spec[0].template[0].spec[0].container[0].env) :
      !contains(["postgres-superuser", "mariadb-root"], try(e.value_from[0].secret_key_ref[0].name, ""))
    ])])
    error_message = "No scheduled job carries the superuser's credentials: dumps log in as the backup user, restore tests never reach the live server."
  }

  assert {
    condition = (
      { for e in kubernetes_cron_job_v1.job["n8n/backup"].spec[0].job_template[0].spec[0].template[0].spec[0].init_container[0].env : e.name => e.value }["PGUSER"] == "platform_backup" &&
      { for e in kubernetes_cron_job_v1.job["wordpress/backup"].spec[0].job_template[0].spec[0].template[0].spec[0].init_container[0].env : e.name => e.value }["MARIADB_USER"] == "platform_backup" &&
      kubernetes_secret_v1.backup_user["postgresql"].data["username"] == "platform_backup"
    )
    error_message = "Dumps log in as platform_backup, whose password is in the <engine>-backup Secret."
  }

  assert {
    condition = (
      length([for e in kubernetes_cron_job_v1.job["n8n/restore-test"].spec[0].job_template[0].spec[0].template[0].spec[0].container[0].env : e if contains(["PGHOST", "PGUSER", "PGPASSWORD"], e.name)]) == 0 &&
      jsondecode(kubernetes_cron_job_v1.job["n8n/restore-test"].metadata[0].annotations["platform/in-place-env"]).secret_env.PGPASSWORD.secret == "postgres-superuser"
    )
    error_message = "The restore test's restore step knows no live server; in-place restores add the superuser's settings from the platform/in-place-env annotation."
  }

  assert {
    condition     = length([for e in kubernetes_cron_job_v1.job["n8n/backup"].spec[0].job_template[0].spec[0].template[0].spec[0].container[0].env : e if startswith(e.name, "RCLONE_CONFIG_ENCRYPTED_")]) == 0
    error_message = "No crypt remote without an encryption passphrase."
  }

  assert {
    condition     = kubernetes_config_map_v1.scripts[0].data["upload.sh"] == file("./scripts/upload.sh") && toset(keys(kubernetes_config_map_v1.scripts[0].data)) == toset(["fetch.sh", "lib.sh", "mariadb-dump.sh", "mariadb-restore-check.sh", "pg-dump.sh", "pg-restore-check.sh", "upload.sh"])
    error_message = "The scripts ConfigMap carries every script of ./scripts, unchanged."
  }
}

run "network_policies_admit_only_the_owning_app_namespaces" {
  command = plan

  assert {
    condition     = kubernetes_network_policy_v1.server_ingress["postgresql"].spec[0].ingress[0].from[0].namespace_selector[0].match_expressions[0].values == toset(["n8n"]) && kubernetes_network_policy_v1.server_ingress["mariadb"].spec[0].ingress[0].from[0].namespace_selector[0].match_expressions[0].values == toset(["wordpress"])
    error_message = "Each server admits only the namespaces that own a database on it."
  }

  assert {
    condition     = kubernetes_network_policy_v1.server_ingress["postgresql"].spec[0].ingress[1].from[0].pod_selector[0].match_labels["platform/database-client"] == "postgres"
    error_message = "Each server admits the data layer's own provisioning, backup and restore pods."
  }

  assert {
    condition     = kubernetes_network_policy_v1.valkey_ingress[0].spec[0].ingress[0].from[0].namespace_selector[0].match_expressions[0].values == toset(["n8n"])
    error_message = "Valkey admits its consumer namespaces."
  }

  assert {
    condition     = kubernetes_network_policy_v1.object_store_egress[0].spec[0].egress[0].to[0].ip_block[0].cidr == "0.0.0.0/0" && contains(kubernetes_network_policy_v1.object_store_egress[0].spec[0].egress[0].to[0].ip_block[0].except, "10.0.0.0/8") && [for p in kubernetes_network_policy_v1.object_store_egress[0].spec[0].egress[0].ports : p.port] == ["443"]
    error_message = "Backup and restore pods leave the cluster for the object store on 443 only, private ranges excepted."
  }
}

run "a_loopback_test_endpoint_opens_its_own_port" {
  command = plan

  variables {
    backup_endpoint = "http://127.0.0.1:7070"
  }

  assert {
    condition     = toset([for p in kubernetes_network_policy_v1.object_store_egress[0].spec[0].egress[0].ports : p.port]) == toset(["443", "7070"])
    error_message = "A test endpoint's explicit port is allowed besides 443."
  }

  assert {
    condition     = { for e in kubernetes_cron_job_v1.job["n8n/backup"].spec[0].job_template[0].spec[0].template[0].spec[0].container[0].env : e.name => e.value }["S3_ENDPOINT"] == "http://127.0.0.1:7070"
    error_message = "S3_ENDPOINT follows backup_endpoint."
  }
}

run "encryption_wraps_the_bucket_in_a_crypt_remote" {
  command = apply

  variables {
    encryption_passphrase = "bm90LWEtcmVhbC1vYnNjdXJlZC1wYXNzd29yZA"
  }

  assert {
    condition     = { for e in kubernetes_cron_job_v1.job["n8n/backup"].spec[0].job_template[0].spec[0].template[0].spec[0].container[0].env : e.name => e.value }["BACKUP_REMOTE"] == "encrypted:postgresql/n8n"
    error_message = "With a passphrase, backups go through the encrypted: remote."
  }

  assert {
    condition = (
      { for e in kubernetes_cron_job_v1.job["n8n/restore-test"].spec[0].job_template[0].spec[0].template[0].spec[0].init_container[0].env : e.name => e.value }["RCLONE_CONFIG_ENCRYPTED_TYPE"] == "crypt" &&
      { for e in kubernetes_cron_job_v1.job["n8n/restore-test"].spec[0].job_template[0].spec[0].template[0].spec[0].init_container[0].env : e.name => e.value }["RCLONE_CONFIG_ENCRYPTED_REMOTE"] == "backups:acme-db-backups" &&
      one([for e in kubernetes_cron_job_v1.job["n8n/restore-test"].spec[0].job_template[0].spec[0].template[0].spec[0].init_container[0].env : e.value_from[0].secret_key_ref[0].key if e.name == "RCLONE_CONFIG_ENCRYPTED_PASSWORD"]) == "crypt-password"
    )
    error_message = "The crypt remote wraps backups:<bucket>, its password read from the backup Secret."
  }

  assert {
    condition     = { for e in kubernetes_cron_job_v1.job["n8n/backup"].spec[0].job_template[0].spec[0].template[0].spec[0].container[0].env : e.name => e.value }["S3_BUCKET"] == "acme-db-backups"
    error_message = "S3_BUCKET still names the bucket."
  }
}

run "postgres_off_leaves_nothing_of_postgres" {
  command = apply

  variables {
    postgres_enabled = false
    databases        = { wordpress = { engine = "mariadb", namespace = "wordpress" } }
  }

  assert {
    condition     = keys(kubernetes_stateful_set_v1.server) == ["mariadb"] && keys(kubernetes_service_v1.server) == ["mariadb"] && keys(kubernetes_secret_v1.superuser) == ["mariadb"]
    error_message = "No PostgreSQL server, Service or superuser Secret while it is off."
  }

  assert {
    condition     = keys(kubernetes_cron_job_v1.job) == ["wordpress/backup", "wordpress/restore-test"] && keys(kubernetes_network_policy_v1.server_ingress) == ["mariadb"] && keys(kubernetes_network_policy_v1.client_egress) == ["mariadb"]
    error_message = "Only MariaDB's backups and NetworkPolicies remain."
  }

  assert {
    condition     = output.postgres_host == null && output.mariadb_host == "mariadb.data.svc.cluster.local"
    error_message = "postgres_host is null while PostgreSQL is off."
  }
}

run "mariadb_off_leaves_nothing_of_mariadb" {
  command = apply

  variables {
    mariadb_enabled = false
    databases       = { n8n = { engine = "postgresql", namespace = "n8n" } }
  }

  assert {
    condition     = keys(kubernetes_stateful_set_v1.server) == ["postgresql"] && keys(kubernetes_secret_v1.superuser) == ["postgresql"] && keys(kubernetes_cron_job_v1.job) == ["n8n/backup", "n8n/restore-test"]
    error_message = "No MariaDB server, Secret or jobs while it is off."
  }

  assert {
    condition     = output.mariadb_host == null
    error_message = "mariadb_host is null while MariaDB is off."
  }
}

run "everything_off_renders_nothing" {
  command = apply

  variables {
    postgres_enabled           = false
    mariadb_enabled            = false
    valkey_enabled             = false
    databases                  = {}
    valkey_consumer_namespaces = ["n8n"]
  }

  assert {
    condition     = length(kubernetes_stateful_set_v1.server) + length(kubernetes_deployment_v1.valkey) + length(kubernetes_secret_v1.valkey_connection) + length(kubernetes_cron_job_v1.job) + length(kubernetes_config_map_v1.scripts) + length(kubernetes_secret_v1.backup_credentials) + length(kubernetes_network_policy_v1.object_store_egress) == 0
    error_message = "With every toggle off the module creates nothing."
  }

  assert {
    condition     = output.postgres_host == null && output.mariadb_host == null && output.valkey_host == null && output.connection_secrets == {}
    error_message = "The outputs are null or empty, not errors."
  }
}

run "valkey_is_a_password_protected_cache_without_persistence" {
  command = apply

  assert {
    condition     = kubernetes_deployment_v1.valkey[0].spec[0].template[0].spec[0].container[0].image == "valkey/valkey:8.1.3" && kubernetes_deployment_v1.valkey[0].spec[0].template[0].spec[0].security_context[0].run_as_non_root == true
    error_message = "Pinned Valkey, non-root."
  }

  assert {
    condition     = strcontains(kubernetes_secret_v1.valkey[0].data["valkey.conf"], "requirepass ${random_password.valkey[0].result}") && strcontains(kubernetes_secret_v1.valkey[0].data["valkey.conf"], "appendonly no")
    error_message = "The password comes from a generated Secret; nothing is persisted."
  }

  assert {
    condition     = kubernetes_secret_v1.valkey_connection["n8n"].metadata[0].namespace == "n8n" && kubernetes_secret_v1.valkey_connection["n8n"].data["host"] == "valkey.data.svc.cluster.local"
    error_message = "Each consumer namespace gets a Valkey connection Secret."
  }
}

run "a_larger_volume_and_another_block_class" {
  command = plan

  variables {
    postgres_storage_size = "50Gi"
    storage_class_name    = "do-block-storage-xfs-retain"
  }

  assert {
    condition     = kubernetes_stateful_set_v1.server["postgresql"].spec[0].volume_claim_template[0].spec[0].resources[0].requests["storage"] == "50Gi" && kubernetes_stateful_set_v1.server["postgresql"].spec[0].volume_claim_template[0].spec[0].storage_class_name == "do-block-storage-xfs-retain"
    error_message = "Size and class follow the inputs."
  }
}

# ---- rejected inputs --------------------------------------------------------------------------

run "rejects_an_unknown_engine" {
  command = plan

  variables {
    databases = { crm = { engine = "mysql", namespace = "crm" } }
  }

  expect_failures = [var.databases]
}

run "rejects_a_database_name_that_is_not_an_identifier" {
  command = plan

  variables {
    databases = { "my-app" = { engine = "postgresql", namespace = "my-app" } }
  }

  expect_failures = [var.databases]
}

run "rejects_a_database_name_in_place_restores_would_clash_with" {
  command = plan

  variables {
    databases = { "crm__restoring" = { engine = "postgresql", namespace = "crm" } }
  }

  expect_failures = [var.databases]
}

run "rejects_a_scratch_size_that_is_not_whole_gib" {
  command = plan

  variables {
    backup_scratch_size = "500Mi"
  }

  expect_failures = [var.backup_scratch_size]
}

run "rejects_a_reserved_database_name" {
  command = plan

  variables {
    databases = { postgres = { engine = "postgresql", namespace = "tools" } }
  }

  expect_failures = [var.databases]
}

run "rejects_an_app_namespace_that_is_not_a_dns_label" {
  command = plan

  variables {
    databases = { n8n = { engine = "postgresql", namespace = "N8N_Apps" } }
  }

  expect_failures = [var.databases]
}

run "rejects_a_database_on_a_disabled_engine" {
  command = plan

  variables {
    mariadb_enabled = false
  }

  expect_failures = [var.databases]
}

run "rejects_a_storage_size_without_a_unit" {
  command = plan

  variables {
    postgres_storage_size = "10"
  }

  expect_failures = [var.postgres_storage_size]
}

run "rejects_a_storage_size_in_gigabytes" {
  command = plan

  variables {
    mariadb_storage_size = "10GB"
  }

  expect_failures = [var.mariadb_storage_size]
}

run "rejects_a_storage_class_that_is_not_block_storage" {
  command = plan

  variables {
    storage_class_name = "csi-s3"
  }

  expect_failures = [var.storage_class_name]
}

run "rejects_a_backup_schedule_with_four_fields" {
  command = plan

  variables {
    backup_schedule = "15 3 * *"
  }

  expect_failures = [var.backup_schedule]
}

run "rejects_a_restore_test_schedule_in_words" {
  command = plan

  variables {
    restore_test_schedule = "every sunday"
  }

  expect_failures = [var.restore_test_schedule]
}

run "rejects_a_plain_http_endpoint" {
  command = plan

  variables {
    backup_endpoint = "http://fra1.digitaloceanspaces.com"
  }

  expect_failures = [var.backup_endpoint]
}

run "rejects_an_endpoint_with_a_path" {
  command = plan

  variables {
    backup_endpoint = "https://fra1.digitaloceanspaces.com/acme-db-backups"
  }

  expect_failures = [var.backup_endpoint]
}

run "rejects_a_bucket_name_with_upper_case_and_dots" {
  command = plan

  variables {
    backup_bucket = "Acme.DB-backups"
  }

  expect_failures = [var.backup_bucket]
}

run "rejects_a_bucket_that_is_not_named_as_a_backup_target" {
  command = plan

  variables {
    backup_bucket = "acme-media"
  }

  expect_failures = [var.backup_bucket]
}

run "rejects_backups_without_a_bucket" {
  command = plan

  variables {
    backup_bucket = null
  }

  expect_failures = [var.backup_bucket]
}

run "rejects_backups_without_credentials" {
  command = plan

  variables {
    backup_access_key = null
    backup_secret_key = ""
  }

  expect_failures = [var.backup_access_key, var.backup_secret_key]
}

run "rejects_an_encryption_passphrase_that_is_not_obscured" {
  command = plan

  variables {
    encryption_passphrase = "my passphrase"
  }

  expect_failures = [var.encryption_passphrase]
}

run "rejects_an_empty_encryption_passphrase" {
  command = plan

  variables {
    encryption_passphrase = ""
  }

  expect_failures = [var.encryption_passphrase]
}

run "rejects_a_valkey_consumer_that_is_a_system_namespace" {
  command = plan

  variables {
    valkey_consumer_namespaces = ["kube-system"]
  }

  expect_failures = [var.valkey_consumer_namespaces]
}
