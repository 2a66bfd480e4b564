# The one-major-at-a-time rule. The running version is read from the cluster on every plan (the
# image of the Deployment the chart made), not from state: state can be lost or restored from an
# old copy, the cluster cannot lie about what runs. Before the first install there is nothing to
# read, and upgrade_from_version stands in for data brought from elsewhere.
data "kubernetes_resources" "running" {
  api_version    = "apps/v1"
  kind           = "Deployment"
  namespace      = var.namespace
  label_selector = "app.kubernetes.io/name=nextcloud,app.kubernetes.io/component=app"
}

locals {
  running_images = flatten([for deployment in coalesce(try(data.kubernetes_resources.running.objects, null), []) : [
    for container in try(deployment.spec.template.spec.containers, []) : container.image if try(container.name, "") == "nextcloud"
  ]])
  running_version = length(local.running_images) == 0 ? var.upgrade_from_version : try(regex(":([0-9]+\\.[0-9]+\\.[0-9]+)", local.running_images[0])[0], "unknown")

  version_parts = { for name, version in { target = local.version, running = coalesce(local.running_version, local.version) } : name => try([for part in split(".", version) : tonumber(part)], [0, 0, 0]) }
  target_major  = local.version_parts.target[0]
  running_major = local.version_parts.running[0]
  # major, minor and patch as one comparable number.
  target_rank  = local.version_parts.target[0] * 1000000 + local.version_parts.target[1] * 1000 + local.version_parts.target[2]
  running_rank = local.version_parts.running[0] * 1000000 + local.version_parts.running[1] * 1000 + local.version_parts.running[2]

  upgrade_problem = (
    local.running_version == null ? null :
    local.running_version == "unknown" ? "the running Nextcloud image (${try(local.running_images[0], "")}) carries no version tag, so the one-major rule cannot be checked" :
    local.target_rank < local.running_rank ? "nextcloud_version ${local.version} is older than the running ${local.running_version}: Nextcloud cannot be downgraded" :
    local.target_major - local.running_major > 1 ? "nextcloud_version ${local.version} is ${local.target_major - local.running_major} major versions above the running ${local.running_version}: Nextcloud upgrades one major version at a time" :
    null
  )
  upgrade_fix = (
    local.running_version == null || local.running_version == "unknown" ? "Pin the image by tag (nextcloud_version), or restore the Deployment's tagged image." :
    local.target_rank < local.running_rank ? "Set nextcloud_version back to ${local.running_version} or later; to go back, restore the database and volumes from before the upgrade." :
    "Set nextcloud_version to the latest ${local.running_major + 1}.x release, apply and let the upgrade finish, then continue one major at a time up to ${local.target_major}."
  )

  # Background jobs run next to the web pod: both mount the same ReadWriteOnce volumes.
  with_web_pod = {
    podAffinity = {
      requiredDuringSchedulingIgnoredDuringExecution = [{
        labelSelector = { matchLabels = local.app_selector }
        topologyKey   = "kubernetes.io/hostname"
      }]
    }
  }

  non_root = {
    runAsNonRoot             = true
    runAsUser                = local.www_data_uid
    runAsGroup               = local.www_data_uid
    allowPrivilegeEscalation = false
    capabilities             = { drop = ["ALL"] }
  }

  proxy_env = [
    # Traefik terminates TLS: links, redirects and the CLI must say https://<host>.
    { name = "OVERWRITEPROTOCOL", value = "https" },
    { name = "OVERWRITEHOST", value = local.host },
    { name = "OVERWRITECLIURL", value = local.url },
    { name = "TRUSTED_PROXIES", value = join(" ", var.trusted_proxy_cidrs) },
    { name = "FORWARDED_FOR_HEADERS", value = "HTTP_X_FORWARDED_FOR" },
  ]
  # Entries of two shapes (value, valueFrom): through JSON, so both sides of the condition agree.
  s3_env = jsondecode(var.s3_external_storage == null ? "[]" : jsonencode([
    { name = "S3_EXTERNAL_BUCKET", value = var.s3_external_storage.bucket },
    { name = "S3_EXTERNAL_REGION", value = var.s3_external_storage.region },
    { name = "S3_EXTERNAL_HOST", value = coalesce(var.s3_external_storage.endpoint, "${var.s3_external_storage.region}.digitaloceanspaces.com") },
    { name = "S3_EXTERNAL_MOUNT", value = var.s3_external_storage.mount_point },
    { name = "S3_EXTERNAL_KEY", valueFrom = { secretKeyRef = { name = local.s3_credentials_name, key = "access-key" } } },
    { name = "S3_EXTERNAL_SECRET", valueFrom = { secretKeyRef = { name = local.s3_credentials_name, key = "secret-key" } } },
  ]))

  values = {
    image = {
      repository = "library/nextcloud"
      tag        = split(":", local.image)[1]
      flavor     = "fpm-alpine"
    }

    nextcloud = {
      host           = local.host
      trustedDomains = [local.host]
      containerPort  = local.http_port
      existingSecret = {
        enabled     = true
        secretName  = local.admin_credentials_name
        usernameKey = "nextcloud-username"
        passwordKey = "nextcloud-password"
      }
      extraEnv = concat(local.proxy_env, local.s3_env)
      # Runs after every start, once Nextcloud is installed or upgraded: mounts the bucket as
      # external storage when one is configured (idempotent).
      hooks = {
        "before-starting" = var.s3_external_storage == null ? null : file("${path.module}/hooks/external-storage.sh")
      }
      securityContext    = local.non_root
      podSecurityContext = { fsGroup = local.www_data_uid, seccompProfile = { type = "RuntimeDefault" } }
      # nginx's cache and pid file, writable for its non-root user (the chart mounts these
      # into both containers; the Nextcloud container ignores them).
      extraVolumes = [
        { name = "nginx-cache", emptyDir = { sizeLimit = "64Mi" } },
        { name = "nginx-run", emptyDir = { sizeLimit = "1Mi" } },
      ]
      extraVolumeMounts = [
        { name = "nginx-cache", mountPath = "/var/cache/nginx" },
        { name = "nginx-run", mountPath = "/run" },
      ]
    }

    nginx = {
      enabled       = true
      containerPort = local.http_port
      image = {
        repository = "library/nginx"
        # Tag and digest ("1.30.5@sha256:..."): the chart writes <repository>:<tag>, so the pin holds.
        tag = regex("^[^:]+:(.+)$", local.images.nginx)[0]
      }
      resources       = { requests = { cpu = "20m", memory = "32Mi" }, limits = { memory = "128Mi" } }
      securityContext = merge(local.non_root, { runAsUser = local.nginx_uid, runAsGroup = local.nginx_uid })
    }

    # PostgreSQL from the data layer (its connection Secret); never SQLite, never a subchart.
    internalDatabase = { enabled = false }
    externalDatabase = {
      enabled = true
      type    = "postgresql"
      existingSecret = {
        enabled     = true
        secretName  = local.database_secret_name
        usernameKey = "username"
        passwordKey = "password"
        hostKey     = "host"
        databaseKey = "database"
      }
    }
    # Locking and the distributed cache on the data layer's Valkey.
    externalRedis = {
      enabled = true
      host    = var.valkey_host
      port    = "6379"
      existingSecret = {
        enabled     = true
        secretName  = "valkey-connection"
        passwordKey = "password"
      }
    }
    postgresql = { enabled = false }
    mariadb    = { enabled = false }
    redis      = { enabled = false }
    collabora  = { enabled = false }

    cronjob = {
      enabled = true
      type    = "cronjob"
      cronjob = {
        schedule        = "*/5 * * * *"
        affinity        = local.with_web_pod
        securityContext = local.non_root
        resources       = { requests = { cpu = "50m", memory = "128Mi" }, limits = { memory = "512Mi" } }
      }
    }

    persistence = {
      enabled       = true
      existingClaim = kubernetes_persistent_volume_claim_v1.this["app"].metadata[0].name
      nextcloudData = {
        enabled       = true
        existingClaim = kubernetes_persistent_volume_claim_v1.this["data"].metadata[0].name
      }
    }

    podAnnotations = {
      # Velero's file-system backup of both volumes (contract 5).
      "backup.velero.io/backup-volumes" = "nextcloud-main,nextcloud-data"
    }

    resources = { requests = { cpu = "100m", memory = "256Mi" }, limits = { memory = "1Gi" } }
    # A major upgrade migrates the database before php-fpm starts: give it ten minutes before
    # the liveness probe may restart the pod.
    startupProbe = { enabled = true, initialDelaySeconds = 10, periodSeconds = 10, failureThreshold = 60 }

    # The Ingress is this module's (network.tf), like every app's.
    ingress = { enabled = false }
  }
}

# The chart is planned once its namespace exists, like the infra charts (modules/k8s-config):
# the helm provider's plan-time dry run cannot see a namespace the same apply creates, and then
# plans fewer objects than it applies. Until then the release waits in the `pending` output and
# `platform apply` plans, gates and applies again, so every gated plan carries the rendered chart.
# Read by name, not from module.namespace: a lookup deferred to apply would make the count unknown.
data "kubernetes_resources" "namespace" {
  api_version    = "v1"
  kind           = "Namespace"
  field_selector = "metadata.name=${var.namespace}"
}

locals {
  namespace_ready = length(coalesce(try(data.kubernetes_resources.namespace.objects, null), [])) > 0
}

resource "helm_release" "nextcloud" {
  count = var.enabled && local.namespace_ready ? 1 : 0

  name       = local.name
  namespace  = module.namespace.name
  repository = module.chart.repository
  chart      = module.chart.chart
  version    = module.chart.version
  # Where the chart comes from, recorded in the release also when it is read from a mirror.
  description = "${local.chart.chart} ${local.chart.version} from ${local.chart.repository}"

  values = [yamlencode(local.values)]

  # No kubelet on the local control plane: nothing would ever become ready.
  wait          = !var.local_control_plane
  wait_for_jobs = false
  timeout       = 900

  depends_on = [kubernetes_secret_v1.admin, kubernetes_secret_v1.external_storage]

  lifecycle {
    precondition {
      condition     = local.upgrade_problem == null
      error_message = "${coalesce(local.upgrade_problem, "-")}. ${local.upgrade_fix}"
    }
  }
}
