output "cluster" {
  description = "The DOKS cluster the platform stack reads on every run (by name, through data \"digitalocean_kubernetes_cluster\")."
  value = {
    name    = digitalocean_kubernetes_cluster.this.name
    id      = digitalocean_kubernetes_cluster.this.id
    region  = var.region
    version = digitalocean_kubernetes_cluster.this.version
    vpc_id  = digitalocean_vpc.this.id
    # The load balancer connects from here: the only source Traefik trusts PROXY headers from.
    vpc_ip_range = digitalocean_vpc.this.ip_range
  }
}

output "buckets" {
  description = "Per enabled bucket id: its name, region and S3 endpoint (https://<region>.digitaloceanspaces.com)."
  value = {
    for id, bucket in digitalocean_spaces_bucket.this : id => {
      name     = bucket.name
      region   = bucket.region
      endpoint = "https://${var.region}.digitaloceanspaces.com"
    }
  }
}

output "spaces_keys" {
  description = "Per consumer: the scoped key's access key id and secret, for the platform stack to put into that consumer's Secret. Sensitive: it lives only in the encrypted state."
  sensitive   = true
  value = {
    for id, key in digitalocean_spaces_key.this : id => {
      bucket     = digitalocean_spaces_bucket.this[id].name
      access_key = key.access_key
      secret_key = key.secret_key
    }
  }
}

output "dns_zone" {
  description = "The DigitalOcean DNS zone (null until components.dns). At the registrar, its name servers are DigitalOcean's three (ns1, ns2 and ns3 under digitalocean.com; docs/rollout.md, phase 6)."
  value       = var.components.dns ? module.dns[0].domain : null
}
