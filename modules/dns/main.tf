# The DigitalOcean DNS zone of root_domain and the records OpenTofu owns in it. The zone is
# created empty (no ip_address), so no apex A record appears that nothing else knows about;
# external-dns adds the Ingress hosts itself.
resource "digitalocean_domain" "this" {
  name = var.root_domain

  # Deleting the zone takes mail and every site offline at once; a deliberate teardown
  # removes this line in a reviewed change first.
  lifecycle {
    prevent_destroy = true
  }
}

resource "digitalocean_record" "this" {
  for_each = var.records

  domain   = digitalocean_domain.this.id
  type     = each.value.type
  name     = each.value.name
  value    = each.value.value
  ttl      = each.value.ttl
  priority = each.value.priority
  port     = each.value.port
  weight   = each.value.weight
  flags    = each.value.flags
  tag      = each.value.tag
}
