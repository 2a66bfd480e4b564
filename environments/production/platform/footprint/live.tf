# Stand-in for ../live.tf when the harness estimates this stack's cost and capacity without the
# running platform (`make plan ENV=production OFFLINE=1`, `make bench`): the Kubernetes
# providers point at a local API server the harness starts, and the cluster stack's outputs are
# generated placeholders. The harness plans it in a temp copy of the stack, never applies it,
# and never gates on it. Keep the locals in step with ../live.tf.

variable "footprint_kubeconfig" {
  description = "Kubeconfig of the local API server the harness starts for the estimate."
  type        = string
}

resource "random_password" "footprint_key" {
  for_each = toset(["db_backups", "mail_backups", "velero", "wordpress_media"])

  length  = 20
  special = false
}

locals {
  vpc_ip_range = "10.110.0.0/20"
  spaces_keys = {
    for consumer, key in random_password.footprint_key : consumer => {
      bucket     = "${var.name}-${replace(replace(consumer, "_", "-"), "wordpress-media", "wp-media")}"
      access_key = key.result
      secret_key = key.result
    }
  }
}

provider "digitalocean" {}

provider "kubernetes" {
  config_path = var.footprint_kubeconfig
}

provider "helm" {
  kubernetes = {
    config_path = var.footprint_kubeconfig
  }
  experiments = {
    manifest = true
  }
}
