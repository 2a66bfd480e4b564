# Mailu on the platform, from its official chart: mail arrives through Traefik's TCP entrypoints
# with PROXY protocol and Mailu terminates TLS itself; accounts and webmail settings live in the
# data layer's PostgreSQL, mail on retained block volumes (one per component), and outbound mail
# leaves through a relay. The chart's bundled Bitnami Redis, PostgreSQL and MariaDB stay off: a
# password-less Valkey of Mailu's own (Mailu cannot log in to Redis) serves only this namespace.
# What Mailu answers for and its DKIM key come from modules/mail-dns, which publishes the
# matching records from the cluster stack.

locals {
  images = {
    front    = "ghcr.io/mailu/nginx:2024.06.51"
    admin    = "ghcr.io/mailu/admin:2024.06.51"
    postfix  = "ghcr.io/mailu/postfix:2024.06.51"
    dovecot  = "ghcr.io/mailu/dovecot:2024.06.51"
    rspamd   = "ghcr.io/mailu/rspamd:2024.06.51"
    webmail  = "ghcr.io/mailu/webmail:2024.06.51"
    oletools = "ghcr.io/mailu/oletools:2024.06.51"
    clamav   = "docker.io/clamav/clamav-debian:1.4@sha256:c5bbda3191b7265ce4c92e7d2ae4d8fa58f14c0fd6598731aff4beb33f474902"
    tika     = "docker.io/apache/tika:3.2.3.0-full@sha256:21d8052de04e491ccf66e8680ade4da6f3d453a56d59f740b4167e54167219b7"
    valkey   = "docker.io/valkey/valkey:8.1.3"
    rclone   = "docker.io/rclone/rclone:1.71.0"
  }
  # Mailu's own images share one release tag (the chart's mailuVersion).
  mailu_version = split(":", local.images.front)[1]

  # The chart this module is written against (versions.json, charts.mailu).
  chart = {
    repository = "https://mailu.github.io/helm-charts"
    chart      = "mailu"
    version    = "2.7.1"
  }

  # The release is named like the chart, so the chart's objects are mailu-<component>.
  release = "mailu"
  # While disabled no mail settings need to exist yet: the names below are only labels then.
  mail        = var.mail != null ? var.mail : { mail_domain = var.root_domain, mail_host = "mail.${var.root_domain}", web_hosts = ["mail.${var.root_domain}"], mta_sts_policy = null }
  mail_domain = local.mail.mail_domain
  # Every name Mailu answers HTTPS for: one certificate (the chart's mailu-certificates Secret)
  # covers them, and Mailu's IMAP and SMTP use it too. external-dns publishes them from the Ingress.
  web_hosts = local.mail.web_hosts

  labels = {
    "app.kubernetes.io/part-of"    = "mailu"
    "app.kubernetes.io/managed-by" = "opentofu"
  }
  component_selector = { for component in ["front", "admin", "postfix", "dovecot", "rspamd", "webmail"] : component => {
    "app.kubernetes.io/name"      = "mailu"
    "app.kubernetes.io/instance"  = local.release
    "app.kubernetes.io/component" = component
  } }

  # Mail ports: Traefik entrypoint (contract 2) => Mailu's port and its key in the chart's values.
  mail_ports = {
    smtp       = { port = 25, chart_key = "smtp" }
    smtps      = { port = 465, chart_key = "smtps" }
    submission = { port = 587, chart_key = "submission" }
    imaps      = { port = 993, chart_key = "imaps" }
    sieve      = { port = 4190, chart_key = "manageSieve" }
  }

  secret_names = {
    session  = "mailu-secret-key"
    admin    = "mailu-initial-account"
    relay    = "mailu-relay"
    dkim     = "mailu-dkim"
    database = coalesce(var.database_secret_name, "mailu-database")
    webmail  = coalesce(var.webmail_database_secret_name, "mailu-roundcube-database")
  }

  # One volume per component, so the chart's pods are not bound to one node by a single RWO claim.
  claims = {
    mail     = { name = "mailu-mail", component = "dovecot", size = var.storage_sizes.mail }
    queue    = { name = "mailu-queue", component = "postfix", size = var.storage_sizes.queue }
    admin    = { name = "mailu-admin", component = "admin", size = var.storage_sizes.admin }
    antispam = { name = "mailu-antispam", component = "rspamd", size = var.storage_sizes.antispam }
    webmail  = { name = "mailu-webmail", component = "webmail", size = var.storage_sizes.webmail }
  }

  relay_enabled = nonsensitive(var.relay_host != null)
  relay_port    = local.relay_enabled ? tonumber(nonsensitive(regex(":([0-9]+)$", var.relay_host)[0])) : 25
}

module "chart" {
  source = "../chart-source"

  chart  = local.chart
  mirror = var.chart_mirror
}

module "namespace" {
  source = "../namespace"

  name         = var.namespace
  root_domain  = var.root_domain
  pod_security = "baseline"
  purpose      = "Mailu mail server: front, admin, postfix, dovecot, rspamd, webmail, its Valkey, and the mail volumes with their backups."
}

# Mailu derives its session and API keys from this one secret (the chart would otherwise make a
# new random one on every render, and every plan would show a change).
resource "random_password" "secret_key" {
  length  = 32
  special = false
}

resource "random_password" "admin" {
  length  = 32
  special = false
}

locals {
  secret_data = {
    session = { "secret-key" = random_password.secret_key.result }
    admin   = { password = random_password.admin.result }
    # postfix reads these as its env (postfix.extraEnvVarsSecret): the relay host stays out of
    # the chart's values, its ConfigMap and the plan.
    relay = local.relay_enabled ? { RELAYHOST = var.relay_host, RELAYUSER = var.relay_credentials.username, RELAYPASSWORD = var.relay_credentials.password } : {}
  }
}

resource "kubernetes_secret_v1" "mailu" {
  for_each = toset(var.enabled ? concat(["session", "admin"], local.relay_enabled ? ["relay"] : []) : [])

  metadata {
    name      = local.secret_names[each.key]
    namespace = module.namespace.name
    labels    = local.labels
  }

  data = local.secret_data[each.key]
}

# DKIM: modules/mail-dns's key, handed to Mailu as the file its admin serves to rspamd
# (/dkim/<domain>.dkim.key, Mailu's fixed selector dkim).
resource "kubernetes_secret_v1" "dkim" {
  count = var.enabled ? 1 : 0

  metadata {
    name      = local.secret_names.dkim
    namespace = module.namespace.name
    labels    = local.labels
  }

  data = {
    "${local.mail_domain}.dkim.key" = var.dkim_private_key
  }
}

# Kept while Mailu is off: the mail outlives the toggle.
resource "kubernetes_persistent_volume_claim_v1" "this" {
  for_each = local.claims

  metadata {
    name      = each.value.name
    namespace = module.namespace.name
    labels    = merge(local.labels, { "app.kubernetes.io/component" = each.value.component })
  }

  spec {
    access_modes       = ["ReadWriteOnce"]
    storage_class_name = var.storage_class_name
    resources {
      requests = { storage = each.value.size }
    }
  }

  wait_until_bound = false
}
