output "domain" {
  description = "The zone's name (root_domain), once DigitalOcean holds it: reference it to order records after the zone."
  value       = digitalocean_domain.this.id
}

output "urn" {
  description = "Uniform resource name of the zone, for a digitalocean_project."
  value       = digitalocean_domain.this.urn
}

output "records" {
  description = "Per record id: the record's fully qualified name, type and TTL."
  value       = { for id, record in digitalocean_record.this : id => { fqdn = record.fqdn, type = record.type, ttl = record.ttl } }
}
