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

module "k8s_config" {
  source = "../../modules/k8s-config"

  root_domain = var.root_domain
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
  backup_endpoint   = var.backup_endpoint
  backup_access_key = coalesce(var.backup_access_key, random_password.backup_access_key.result)
  backup_secret_key = coalesce(var.backup_secret_key, random_password.backup_secret_key.result)
}
