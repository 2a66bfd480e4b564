# Stand-in for ../live.tf when the harness estimates this stack's cost and capacity without the
# running platform (`make plan ENV=production OFFLINE=1`, `make bench`): the Kubernetes
# providers point at a local API server the harness starts, and the cluster stack's outputs are
# generated placeholders. The harness plans it in a temp copy of the stack and never gates on
# it; the only thing it applies, to that throwaway API server, is the namespaces of charts that
# cannot render before their namespace exists. Keep the locals in step with ../live.tf.

variable "footprint_kubeconfig" {
  description = "Kubeconfig of the local API server the harness starts for the estimate."
  type        = string
}

resource "random_password" "footprint_key" {
  for_each = toset(["db_backups", "mail_backups", "velero", "wordpress_media"])

  length  = 20
  special = false
}

# A stand-in with the shape of the DKIM key the cluster stack generates: random text between
# the PEM lines, never a key (the estimate never applies).
resource "random_password" "footprint_dkim" {
  length  = 1600
  special = false
}

locals {
  vpc_ip_range = "10.110.0.0/20"
  pem_dashes   = "-----"
  mail = {
    mailu = {
      mail_domain    = var.root_domain
      mail_host      = "mail.${var.root_domain}"
      web_hosts      = ["mail.${var.root_domain}", "autoconfig.${var.root_domain}", "autodiscover.${var.root_domain}"]
      mta_sts_policy = null
    }
    dkim_private_key = "${local.pem_dashes}BEGIN PRIVATE KEY${local.pem_dashes}\n${join("\n", [for i in range(0, 1600, 64) : substr(random_password.footprint_dkim.result, i, 64)])}\n${local.pem_dashes}END PRIVATE KEY${local.pem_dashes}\n"
  }
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
