# The embedded local default: the platform's shared layers, the data layer and two app
# namespaces, applied to whatever Kubernetes API the harness provides (its own local control
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
  }

  # The harness points this at its per-run work folder; the local cluster lives as long as
  # the run, and so does its state.
  backend "local" {}

  # Local state and plans are encrypted like production's, with a key the harness generates
  # per run, so nothing in this folder is ever readable plaintext.
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

# Stand in for the app modules until they exist: each creates its namespace through
# modules/namespace exactly like this.
module "wordpress_namespace" {
  source = "../../modules/namespace"

  name        = "wordpress"
  root_domain = var.root_domain
}

module "n8n_namespace" {
  source = "../../modules/namespace"

  name        = "n8n"
  root_domain = var.root_domain
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

  databases = {
    n8n       = { engine = "postgresql", namespace = module.n8n_namespace.name }
    wordpress = { engine = "mariadb", namespace = module.wordpress_namespace.name }
  }
  valkey_consumer_namespaces = [module.n8n_namespace.name]

  backup_bucket     = "platform-local-backups"
  backup_endpoint   = "https://fra1.digitaloceanspaces.com"
  backup_access_key = random_password.backup_access_key.result
  backup_secret_key = random_password.backup_secret_key.result
}
