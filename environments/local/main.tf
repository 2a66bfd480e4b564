# The embedded local default: the platform's shared layers, the data layer and the apps
# (WordPress, n8n, the CRM), applied to whatever Kubernetes API the harness provides (its own local control
# plane, k3d, or a named kubeconfig context). Needs no cloud account and no internet.

terraform {
  required_version = ">= 1.12.0"

  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "3.2.1"
    }
    random = {
      source  = "hashicorp/random"
      version = "3.9.0"
    }
    helm = {
      source  = "hashicorp/helm"
      version = "3.2.0"
    }
    tls = {
      source  = "hashicorp/tls"
      version = "4.2.1"
    }
  }

  # The harness points this at its per-run work folder; the local cluster lives as long as
  # the run, and so does its state. A named context is refused with this backend: a copy
  # applied to a real cluster needs production's backend "s3" with use_lockfile = true
  # (README, "State and keys"), never backend "kubernetes", whose 1 MiB Secret this state
  # outgrows.
  backend "local" {}

  # Local state and plans are encrypted like production's, with the harness's persistent state
  # key (README, State and keys) or TF_VAR_state_passphrase, so neither is ever plaintext.
  encryption {
    key_provider "pbkdf2" "run" {
      passphrase = var.state_passphrase
    }
    method "aes_gcm" "run" {
      keys = key_provider.pbkdf2.run
    }
    state {
      method   = method.aes_gcm.run
      enforced = true
    }
    plan {
      method   = method.aes_gcm.run
      enforced = true
    }
  }
}

provider "kubernetes" {
  config_path    = var.kubeconfig_path
  config_context = var.kube_context
}

# The manifest experiment puts every chart's rendered objects into the plan, so the policies
# judge what Helm will really apply, not just the values passed to it.
provider "helm" {
  kubernetes = {
    config_path    = var.kubeconfig_path
    config_context = var.kube_context
  }
  experiments = { manifest = true }
}

locals {
  # A component whose chart the harness could not find (no PLATFORM_CHART_MIRROR and no
  # upstream repository reachable) is left out; `make plan` lists it and says why.
  chart_components = {
    traefik      = "traefik"
    cert_manager = "cert-manager"
    external_dns = "external-dns"
    velero       = "velero"
    monitoring   = "prometheus"
    logging      = "victoria-logs-single"
  }
}

# Stand-ins for the DigitalOcean token and the Velero Spaces key: nothing here talks to
# DigitalOcean, but the Secrets need values and literals are what secrets-hygiene forbids.
resource "random_password" "digitalocean_token" {
  length  = 64
  special = false
}

module "k8s_config" {
  source = "../../modules/k8s-config"

  root_domain         = var.root_domain
  chart_mirror        = var.chart_mirror
  local_control_plane = true
  components          = { for component, chart in local.chart_components : component => contains(var.charts_available, chart) }

  acme_email         = "hostmaster@${var.root_domain}"
  digitalocean_token = random_password.digitalocean_token.result
  ingress            = { trusted_cidrs = ["10.110.0.0/20"], replicas = 1 }
  velero_storage     = { bucket = "platform-local-velero", region = "fra1" }
  velero_credentials = { access_key = random_password.backup_access_key.result, secret_key = random_password.backup_secret_key.result }
}

# The apps (steps 4 and 5 of the rollout, and the CRM): each creates its own namespace, asks the
# data layer for its database, and reads only the connection Secret it gets back. Locally their
# files stay on volumes (no Spaces), and the certificates come from the staging issuer.
module "wordpress" {
  source  = "../../modules/wordpress"
  enabled = var.apps_enabled

  root_domain          = var.root_domain
  cluster_issuer       = "letsencrypt-staging"
  database_secret_name = module.data.connection_secrets["wordpress"].name
}

module "n8n" {
  source  = "../../modules/n8n"
  enabled = var.apps_enabled

  root_domain          = var.root_domain
  cluster_issuer       = "letsencrypt-staging"
  database_secret_name = module.data.connection_secrets["n8n"].name
}

module "crm" {
  source  = "../../modules/crm"
  enabled = var.apps_enabled

  root_domain          = var.root_domain
  cluster_issuer       = "letsencrypt-staging"
  database_secret_name = module.data.connection_secrets["crm"].name
  storage_type         = "local"
}

# The namespaces the placeholder modules created now belong to the app modules.
moved {
  from = module.wordpress_namespace
  to   = module.wordpress.module.namespace
}

moved {
  from = module.n8n_namespace
  to   = module.n8n.module.namespace
}

# Nothing runs against Spaces locally (the control plane has no kubelet), but the backup
# Secret still needs values, and a literal key in HCL is what secrets-hygiene forbids: random
# stand-ins, generated per run, kept only in the encrypted state.
resource "random_password" "backup_access_key" {
  length  = 20
  special = false
}

resource "random_password" "backup_secret_key" {
  length  = 40
  special = false
}

module "data" {
  source = "../../modules/data"

  # The module's output, not the literal "data": the data layer waits for its namespace.
  namespace = module.k8s_config.data_namespace

  databases = merge(
    module.wordpress.database,
    module.n8n.database,
    module.crm.database,
    try(module.nextcloud[0].database, {}),
    try(module.mailu[0].databases, {}),
  )
  valkey_consumer_namespaces = concat(module.n8n.valkey_consumer_namespaces, module.crm.valkey_consumer_namespaces, try(module.nextcloud[0].valkey_consumer_namespaces, []))

  backup_bucket     = "platform-local-backups"
  backup_endpoint   = var.backup_endpoint
  backup_access_key = coalesce(var.backup_access_key, random_password.backup_access_key.result)
  backup_secret_key = coalesce(var.backup_secret_key, random_password.backup_secret_key.result)
}

# Nextcloud and Mailu on their official charts, each only where the harness found its chart
# (PLATFORM_CHART_MIRROR or the upstream repository); `make plan` says which were left out.
module "nextcloud" {
  source = "../../modules/nextcloud"
  count  = var.apps_enabled && contains(var.charts_available, "nextcloud") ? 1 : 0

  root_domain         = var.root_domain
  chart_mirror        = var.chart_mirror
  local_control_plane = true
}

module "mail_dns" {
  source = "../../modules/mail-dns"
  count  = var.apps_enabled && contains(var.charts_available, "mailu") ? 1 : 0

  root_domain = var.root_domain
}

module "mailu" {
  source = "../../modules/mailu"
  count  = var.apps_enabled && contains(var.charts_available, "mailu") ? 1 : 0

  root_domain         = var.root_domain
  mail                = module.mail_dns[0].mailu
  dkim_private_key    = module.mail_dns[0].dkim_private_key
  chart_mirror        = var.chart_mirror
  local_control_plane = true

  backup_bucket      = "platform-local-backups"
  backup_credentials = { access_key = random_password.backup_access_key.result, secret_key = random_password.backup_secret_key.result }
}
