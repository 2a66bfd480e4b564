locals {
  resources = {
    front    = { requests = { cpu = "50m", memory = "128Mi" }, limits = { memory = "256Mi" } }
    admin    = { requests = { cpu = "50m", memory = "256Mi" }, limits = { memory = "512Mi" } }
    postfix  = { requests = { cpu = "50m", memory = "128Mi" }, limits = { memory = "512Mi" } }
    dovecot  = { requests = { cpu = "50m", memory = "128Mi" }, limits = { memory = "512Mi" } }
    rspamd   = { requests = { cpu = "100m", memory = "256Mi" }, limits = { memory = "512Mi" } }
    webmail  = { requests = { cpu = "50m", memory = "128Mi" }, limits = { memory = "256Mi" } }
    oletools = { requests = { cpu = "20m", memory = "64Mi" }, limits = { memory = "256Mi" } }
    clamav   = { requests = { cpu = "100m", memory = "1Gi" }, limits = { memory = "2Gi" } }
    tika     = { requests = { cpu = "100m", memory = "512Mi" }, limits = { memory = "1Gi" } }
  }

  # Velero backs up every pod's volume (contract 5); the chart names it data in each pod.
  velero = { "backup.velero.io/backup-volumes" = "data" }

  values = {
    imageRegistry = "ghcr.io"

    mailuVersion = local.mailu_version
    domain       = local.mail_domain
    hostnames    = local.web_hosts
    timezone     = "Etc/UTC"

    existingSecret = local.secret_names.session
    initialAccount = {
      enabled                   = true
      username                  = var.admin_username
      domain                    = local.mail_domain
      existingSecret            = local.secret_names.admin
      existingSecretPasswordKey = "password"
      # Created once; a password changed in Mailu's UI is never reset by a deploy.
      mode = "ifmissing"
    }

    # Whom Mailu trusts (checked by the mail-safety policy): its own pods, and Traefik's pods
    # as the only source of PROXY protocol headers. Both are the cluster's pod network.
    subnet = var.pod_cidr
    # Relay host and login reach postfix from a Secret (postfix.extraEnvVarsSecret), never
    # through the chart's externalRelay.host, which would put the host in a ConfigMap and the plan.
    externalRelay = { networks = var.relay_networks }
    ingress = {
      # The Ingress is this module's (network.tf): Traefik speaks plain HTTP to the front, and
      # Mailu keeps TLS for the mail ports only, with the certificate the Ingress requests.
      enabled           = false
      tls               = true
      tlsFlavorOverride = "mail"
      realIpHeader      = ""
      realIpFrom        = var.pod_cidr
      proxyProtocol     = merge({ pop3 = false, pop3s = false, imap = false }, { for name, port in local.mail_ports : port.chart_key => true })
    }
    front = {
      hostPort = { enabled = false }
      externalService = {
        enabled = true
        type    = "ClusterIP"
        ports   = merge({ pop3 = false, pop3s = false, imap = false }, { for name, port in local.mail_ports : port.chart_key => true })
      }
      resources = local.resources.front
      # Mailu's documented way to serve the policy: a front override (nginx keeps the newlines).
      overrides = local.mail.mta_sts_policy == null ? {} : { "mta-sts.conf" = "location ^~ /.well-known/mta-sts.txt {\n  default_type text/plain;\n  return 200 \"${local.mail.mta_sts_policy}\";\n}\n" }
    }
    networkPolicy = { enabled = false }

    # Accounts and Roundcube's settings on the data layer's PostgreSQL, each in its own database.
    externalDatabase = {
      enabled                   = true
      type                      = "postgresql"
      host                      = var.postgres_host
      port                      = "5432"
      database                  = "mailu"
      username                  = "mailu"
      existingSecret            = local.secret_names.database
      existingSecretDatabaseKey = "database"
      existingSecretUsernameKey = "username"
      existingSecretPasswordKey = "password"
    }
    global = {
      database = {
        roundcube = {
          database                  = "mailu_roundcube"
          username                  = "mailu_roundcube"
          existingSecret            = local.secret_names.webmail
          existingSecretPasswordKey = "password"
        }
      }
    }
    externalRedis = {
      enabled = true
      host    = "${local.valkey_name}.${var.namespace}.svc.cluster.local"
      port    = 6379
    }
    redis      = { enabled = false }
    postgresql = { enabled = false }
    mariadb    = { enabled = false }

    persistence = { single_pvc = false }
    admin = {
      persistence    = { existingClaim = local.claims.admin.name }
      resources      = local.resources.admin
      podAnnotations = local.velero
      # The DKIM key from modules/mail-dns, where Mailu's admin reads it for rspamd.
      extraVolumes = [{ name = "dkim-key", secret = { secretName = local.secret_names.dkim, defaultMode = 288 } }]
      extraVolumeMounts = [{
        name      = "dkim-key"
        mountPath = "/dkim/${local.mail_domain}.dkim.key"
        subPath   = "${local.mail_domain}.dkim.key"
        readOnly  = true
      }]
    }
    postfix = {
      extraEnvVarsSecret = local.relay_enabled ? local.secret_names.relay : ""
      persistence        = { existingClaim = local.claims.queue.name }
      resources          = local.resources.postfix
      podAnnotations     = local.velero
    }
    dovecot = {
      persistence    = { existingClaim = local.claims.mail.name }
      resources      = local.resources.dovecot
      podAnnotations = local.velero
    }
    rspamd = {
      persistence    = { existingClaim = local.claims.antispam.name }
      resources      = local.resources.rspamd
      podAnnotations = local.velero
    }
    webmail = {
      persistence    = { existingClaim = local.claims.webmail.name }
      resources      = local.resources.webmail
      podAnnotations = local.velero
    }
    oletools = { enabled = true, resources = local.resources.oletools }
    clamav = {
      enabled     = var.antivirus_enabled
      resources   = local.resources.clamav
      persistence = { storageClass = var.storage_class_name, size = "2Gi" }
    }
    tika      = { enabled = var.full_text_search_enabled, resources = local.resources.tika }
    webdav    = { enabled = false }
    fetchmail = { enabled = false }
  }
}

# The chart is planned once its namespace exists, like the infra charts (modules/k8s-config):
# the helm provider's plan-time dry run cannot see a namespace the same apply creates (nor the
# database Secret the chart looks up in it), and then plans fewer objects than it applies. Until
# then the release waits in the `pending` output and `platform apply` plans, gates and applies
# again, so every gated plan carries the rendered chart. Read by name, not from
# module.namespace: a lookup deferred to apply would make the count unknown.
data "kubernetes_resources" "namespace" {
  api_version    = "v1"
  kind           = "Namespace"
  field_selector = "metadata.name=${var.namespace}"
}

locals {
  namespace_ready = length(coalesce(try(data.kubernetes_resources.namespace.objects, null), [])) > 0
}

resource "helm_release" "mailu" {
  count = var.enabled && local.namespace_ready ? 1 : 0

  name       = local.release
  namespace  = module.namespace.name
  repository = module.chart.repository
  chart      = module.chart.chart
  version    = module.chart.version
  # Where the chart comes from, recorded in the release also when it is read from a mirror.
  description = "${local.chart.chart} ${local.chart.version} from ${local.chart.repository}"

  values = [yamlencode(local.values)]

  wait          = !var.local_control_plane
  wait_for_jobs = false
  timeout       = 900

  depends_on = [kubernetes_secret_v1.mailu, kubernetes_secret_v1.dkim, kubernetes_persistent_volume_claim_v1.this]
}
