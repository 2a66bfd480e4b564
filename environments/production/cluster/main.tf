# The cluster stack: what the platform runs on. A VPC, one DOKS cluster with an autoscaling
# pool, the Spaces buckets with one scoped key per consumer, and the DNS zone. It has no data
# sources on purpose: every value it needs is an input, so it plans with a dummy token and no
# network (`make plan ENV=production OFFLINE=1`). What must read the live API (the cluster's
# endpoint and credentials) lives in the platform stack, which runs after this one.

locals {
  tags = ["doks-platform", var.name]
}

resource "digitalocean_vpc" "this" {
  name        = "${var.name}-${var.region}"
  region      = var.region
  ip_range    = var.vpc_ip_range
  description = "Private network of the ${var.name} platform (DOKS nodes and their load balancer)."
}

resource "digitalocean_kubernetes_cluster" "this" {
  name     = var.name
  region   = var.region
  version  = var.kubernetes_version
  vpc_uuid = digitalocean_vpc.this.id
  ha       = var.ha_control_plane
  tags     = local.tags

  # Patch releases arrive on their own inside the window; surge upgrades bring up a new node
  # before draining an old one, so two small nodes never drop to one during an upgrade.
  auto_upgrade  = true
  surge_upgrade = true
  maintenance_policy {
    day        = var.maintenance_window.day
    start_time = var.maintenance_window.start_time
  }

  node_pool {
    name       = "${var.name}-workers"
    size       = var.node_size
    auto_scale = true
    min_nodes  = var.node_pool.min_nodes
    max_nodes  = var.node_pool.max_nodes
    labels     = { "platform/pool" = "workers" }
    tags       = local.tags
  }

  dynamic "control_plane_firewall" {
    for_each = length(var.control_plane_allowed_addresses) > 0 ? [1] : []
    content {
      enabled           = true
      allowed_addresses = var.control_plane_allowed_addresses
    }
  }

  # Volumes and load balancers the cluster created stay when it goes: the block volumes hold
  # the databases, mail and files, and outlive any cluster by design.
  destroy_all_associated_resources = false

  # A replaced cluster loses every workload and volume attachment. The usual cause is a
  # kubernetes_version lower than the running one after an automatic patch upgrade (the
  # provider replaces on a downgrade): the plan stops here instead.
  lifecycle {
    prevent_destroy = true
  }
}

module "dns" {
  source = "../../../modules/dns"
  count  = var.components.dns ? 1 : 0

  root_domain = var.root_domain
  records     = merge(var.dns_records, local.mail_records)
}

# One place in the control panel for everything the platform pays for.
resource "digitalocean_project" "this" {
  name        = var.name
  description = "The ${var.name} platform (${var.root_domain}): DOKS, Spaces and DNS, managed by OpenTofu."
  purpose     = "Web Application"
  environment = "Production"
  resources = concat(
    [digitalocean_kubernetes_cluster.this.urn],
    [for bucket in digitalocean_spaces_bucket.this : bucket.urn],
    [for zone in module.dns : zone.urn],
  )
}
