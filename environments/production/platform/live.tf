# Everything this stack reads from the running platform, in one file: the cluster (endpoint,
# CA and a short-lived token, read on every run, so no kubeconfig is ever stored and DOKS's
# 7-day tokens never expire under a plan) and the cluster stack's outputs (bucket names and
# the consumers' scoped Spaces keys). Both need the live API, which is why this stack plans
# only online. The harness's footprint estimate (cost and capacity without the cluster)
# replaces this file, and only this file, with one that points at a local API server.

data "digitalocean_kubernetes_cluster" "this" {
  name = var.name
}

data "terraform_remote_state" "cluster" {
  backend = "s3"
  config = {
    bucket                      = "${var.name}-tofu-state"
    key                         = "cluster/terraform.tfstate"
    region                      = "us-east-1"
    endpoints                   = { s3 = "https://${var.region}.digitaloceanspaces.com" }
    skip_credentials_validation = true
    skip_region_validation      = true
    skip_requesting_account_id  = true
    skip_metadata_api_check     = true
    skip_s3_checksum            = true
  }
}

locals {
  kube = {
    host                   = data.digitalocean_kubernetes_cluster.this.endpoint
    token                  = data.digitalocean_kubernetes_cluster.this.kube_config[0].token
    cluster_ca_certificate = base64decode(data.digitalocean_kubernetes_cluster.this.kube_config[0].cluster_ca_certificate)
  }

  # Per consumer (db_backups, mail_backups, velero, wordpress_media): bucket, access_key, secret_key.
  spaces_keys  = data.terraform_remote_state.cluster.outputs.spaces_keys
  vpc_ip_range = data.terraform_remote_state.cluster.outputs.cluster.vpc_ip_range
  # Mailu's settings and DKIM key (null until the cluster stack ran with components.mailu).
  mail = try(data.terraform_remote_state.cluster.outputs.mail, null)
}

provider "digitalocean" {}

provider "kubernetes" {
  host                   = local.kube.host
  token                  = local.kube.token
  cluster_ca_certificate = local.kube.cluster_ca_certificate
}

provider "helm" {
  kubernetes = {
    host                   = local.kube.host
    token                  = local.kube.token
    cluster_ca_certificate = local.kube.cluster_ca_certificate
  }
  # Rendered manifests appear in the plan, so the policies judge what charts really deploy.
  experiments = {
    manifest = true
  }
}
