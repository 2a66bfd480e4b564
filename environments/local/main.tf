# The embedded local default: the platform's shared layers and one app namespace, applied to
# whatever Kubernetes API the harness provides (its own local control plane, k3d, or a named
# kubeconfig context). Needs no cloud account and no internet.

terraform {
  required_version = ">= 1.12.0"

  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "3.2.1"
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

# Stands in for the first app module until app modules exist: each creates its namespace
# through modules/namespace exactly like this.
module "wordpress_namespace" {
  source = "../../modules/namespace"

  name        = "wordpress"
  root_domain = var.root_domain
}
