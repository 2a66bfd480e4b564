# Velero backs up the apps' volumes to Spaces: kopia file-system backups through the node
# agent, opted in per pod (backup.velero.io/backup-volumes), on schedules with a retention.
# Database volumes carry velero.io/exclude-from-backup=true: the data layer's dumps cover
# them, restore-tested. A backup counts only once a restore from it worked: `platform
# velero-drill` restores the newest one into a scratch namespace and checks it.
locals {
  velero_aws_plugin = "docker.io/velero/velero-plugin-for-aws:v1.14.0"
  spaces_endpoint   = var.velero_storage == null ? null : "https://${var.velero_storage.region}.digitaloceanspaces.com"

  velero_values = {
    initContainers = [{
      name            = "velero-plugin-for-aws"
      image           = local.velero_aws_plugin
      imagePullPolicy = "IfNotPresent"
      volumeMounts    = [{ mountPath = "/target", name = "plugins" }]
      resources       = { requests = { cpu = "10m", memory = "32Mi" }, limits = { memory = "64Mi" } }
      securityContext = { runAsNonRoot = true, runAsUser = 65532, allowPrivilegeEscalation = false }
    }]
    podSecurityContext       = { runAsNonRoot = true, runAsUser = 65532, fsGroup = 65532 }
    containerSecurityContext = { allowPrivilegeEscalation = false, readOnlyRootFilesystem = true, capabilities = { drop = ["ALL"] } }
    resources                = { requests = { cpu = "50m", memory = "128Mi" }, limits = { memory = "512Mi" } }
    credentials              = { useSecret = true, existingSecret = "velero-spaces" }
    # The storage location and schedules are planned as resources of their own (below) once
    # the CRDs exist; rendered by the chart they would block the very first plan.
    backupsEnabled   = false
    snapshotsEnabled = false
    schedules        = {}
    configuration = {
      uploaderType                 = "kopia"
      defaultVolumesToFsBackup     = false
      defaultBackupStorageLocation = "default"
      features                     = ""
    }
    deployNodeAgent = true
    nodeAgent = {
      resources = { requests = { cpu = "50m", memory = "128Mi" }, limits = { memory = "512Mi" } }
    }
    kubectl = {
      resources = { requests = { cpu = "10m", memory = "32Mi" }, limits = { memory = "128Mi" } }
    }
    upgradeJobResources = { requests = { cpu = "10m", memory = "64Mi" }, limits = { memory = "256Mi" } }
    metrics             = { enabled = true }
  }
}

resource "kubernetes_secret_v1" "velero_spaces" {
  count = var.components.velero ? 1 : 0

  metadata {
    name      = "velero-spaces"
    namespace = local.infra_namespace
    labels    = { "app.kubernetes.io/name" = "velero" }
  }
  data = {
    cloud = var.velero_credentials == null ? "" : "[default]\naws_access_key_id=${var.velero_credentials.access_key}\naws_secret_access_key=${var.velero_credentials.secret_key}\n"
  }

  lifecycle {
    precondition {
      condition     = var.velero_storage != null && var.velero_credentials != null
      error_message = "components.velero needs velero_storage (bucket, region) and velero_credentials (a Spaces key for that bucket)."
    }
  }
}

resource "helm_release" "velero" {
  count = local.install.velero ? 1 : 0

  name        = "velero"
  namespace   = local.infra_namespace
  repository  = local.chart_sources.velero.repository
  chart       = local.chart_sources.velero.chart
  version     = local.chart_sources.velero.version
  description = local.chart_sources.velero.description

  wait             = local.release.wait
  disable_webhooks = local.release.disable_webhooks
  timeout          = local.release.timeout

  values = [yamlencode(local.velero_values)]

  depends_on = [kubernetes_secret_v1.velero_spaces]
}

resource "kubernetes_manifest" "velero_storage_location" {
  count = var.components.velero && try(local.crd_present["backupstoragelocations.velero.io"], false) ? 1 : 0

  manifest = {
    apiVersion = "velero.io/v1"
    kind       = "BackupStorageLocation"
    metadata   = { name = "default", namespace = local.infra_namespace }
    spec = {
      provider      = "aws"
      default       = true
      objectStorage = { bucket = var.velero_storage.bucket, prefix = "velero" }
      credential    = { name = "velero-spaces", key = "cloud" }
      config = {
        region = var.velero_storage.region
        s3Url  = local.spaces_endpoint
        # Spaces rejects the CRC32 checksums newer AWS SDKs send by default (velero#9951).
        checksumAlgorithm = ""
      }
    }
  }

  depends_on = [helm_release.velero]
}

resource "kubernetes_manifest" "velero_schedule" {
  for_each = var.components.velero && try(local.crd_present["schedules.velero.io"], false) ? var.velero_schedules : {}

  manifest = {
    apiVersion = "velero.io/v1"
    kind       = "Schedule"
    metadata   = { name = each.key, namespace = local.infra_namespace }
    spec = {
      schedule                   = each.value.schedule
      useOwnerReferencesInBackup = false
      template = {
        ttl                      = each.value.ttl
        includedNamespaces       = var.backup_namespaces
        storageLocation          = "default"
        defaultVolumesToFsBackup = false
        snapshotVolumes          = false
      }
    }
  }

  depends_on = [kubernetes_manifest.velero_storage_location]
}
