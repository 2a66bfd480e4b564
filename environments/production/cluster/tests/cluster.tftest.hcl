# The cluster stack as planned: cluster settings, buckets and their lifecycle rules, key
# grants, the DNS zone. The DigitalOcean API is the one thing that cannot run here, so a mock
# provider stands in for it (its schema still comes from the real provider binary).
mock_provider "digitalocean" {}

variables {
  name               = "acme"
  root_domain        = "example.org"
  kubernetes_version = "1.35.4-do.0"
  state_passphrase   = "a-test-passphrase-of-some-length"
}

run "the_cluster_autoscales_upgrades_itself_and_keeps_its_volumes" {
  command = plan

  assert {
    condition     = digitalocean_kubernetes_cluster.this.version == "1.35.4-do.0" && digitalocean_kubernetes_cluster.this.region == "fra1"
    error_message = "The cluster runs the pinned version in the chosen region."
  }

  assert {
    condition     = digitalocean_kubernetes_cluster.this.auto_upgrade && digitalocean_kubernetes_cluster.this.surge_upgrade
    error_message = "Patch upgrades are automatic and surge: a new node comes up before an old one drains."
  }

  assert {
    condition     = digitalocean_kubernetes_cluster.this.maintenance_policy[0].day == "sunday" && digitalocean_kubernetes_cluster.this.maintenance_policy[0].start_time == "03:00"
    error_message = "Upgrades happen in the maintenance window (Sunday 03:00 UTC by default)."
  }

  assert {
    condition     = digitalocean_kubernetes_cluster.this.ha == false
    error_message = "The HA control plane is off by default ($40/month, and it cannot be turned off again)."
  }

  assert {
    condition = (
      digitalocean_kubernetes_cluster.this.node_pool[0].auto_scale
      && digitalocean_kubernetes_cluster.this.node_pool[0].min_nodes == 1
      && digitalocean_kubernetes_cluster.this.node_pool[0].max_nodes == 2
      && digitalocean_kubernetes_cluster.this.node_pool[0].size == "s-4vcpu-8gb"
    )
    error_message = "The default pool autoscales between 1 and 2 s-4vcpu-8gb nodes: every app fits the minimum, for the price of two s-2vcpu-4gb."
  }

  assert {
    condition     = digitalocean_kubernetes_cluster.this.destroy_all_associated_resources == false
    error_message = "Volumes and load balancers outlive the cluster."
  }

  assert {
    condition     = length(digitalocean_kubernetes_cluster.this.control_plane_firewall) == 0
    error_message = "Without allowed addresses, no control plane firewall is configured."
  }

  assert {
    condition     = digitalocean_vpc.this.name == "acme-fra1" && digitalocean_vpc.this.ip_range == "10.110.0.0/20"
    error_message = "The cluster gets its own VPC."
  }
}

run "ha_firewall_and_a_bigger_pool_follow_the_inputs" {
  command = plan

  variables {
    ha_control_plane                = true
    node_size                       = "s-4vcpu-8gb"
    node_pool                       = { min_nodes = 1, max_nodes = 4 }
    maintenance_window              = { day = "any", start_time = "22:30" }
    control_plane_allowed_addresses = ["203.0.113.7/32"]
  }

  assert {
    condition     = digitalocean_kubernetes_cluster.this.ha && digitalocean_kubernetes_cluster.this.node_pool[0].size == "s-4vcpu-8gb" && digitalocean_kubernetes_cluster.this.node_pool[0].max_nodes == 4
    error_message = "ha_control_plane, node_size and node_pool reach the cluster."
  }

  assert {
    condition     = digitalocean_kubernetes_cluster.this.control_plane_firewall[0].enabled && digitalocean_kubernetes_cluster.this.control_plane_firewall[0].allowed_addresses == tolist(["203.0.113.7/32"])
    error_message = "Allowed addresses turn the control plane firewall on."
  }
}

run "phase_one_has_the_state_and_velero_buckets_and_no_dns_zone" {
  command = plan

  assert {
    condition     = toset(keys(digitalocean_spaces_bucket.this)) == toset(["state", "velero"])
    error_message = "With the default components only the state bucket and Velero's exist."
  }

  assert {
    condition     = toset(keys(digitalocean_spaces_key.this)) == toset(["velero"])
    error_message = "Only enabled consumers get a key; the state bucket is reached with the bootstrap key."
  }

  assert {
    condition     = length(module.dns) == 0
    error_message = "The DNS zone waits for components.dns."
  }
}

run "every_component_gets_its_bucket_and_one_key_scoped_to_it" {
  command = plan

  variables {
    components = { postgres = true, mariadb = true, wordpress = true, n8n = true, nextcloud = true, mailu = true, crm = true, dns = true }
  }

  assert {
    condition = {
      for id, bucket in digitalocean_spaces_bucket.this : id => bucket.name
      } == {
      state           = "acme-tofu-state"
      db_backups      = "acme-db-backups"
      mail_backups    = "acme-mail-backups"
      velero          = "acme-velero"
      wordpress_media = "acme-wp-media"
    }
    error_message = "Each consumer has its own bucket, named after the platform."
  }

  assert {
    condition     = alltrue([for bucket in digitalocean_spaces_bucket.this : bucket.acl == "private" && bucket.region == "fra1" && bucket.force_destroy == false && bucket.versioning[0].enabled])
    error_message = "Buckets are private, in the platform's region, versioned, and never emptied by a destroy."
  }

  assert {
    condition = { for id, key in digitalocean_spaces_key.this : id => [for grant in key.grant : "${grant.bucket}:${grant.permission}"] } == {
      db_backups      = ["acme-db-backups:readwrite"]
      mail_backups    = ["acme-mail-backups:readwrite"]
      velero          = ["acme-velero:readwrite"]
      wordpress_media = ["acme-wp-media:readwrite"]
    }
    error_message = "Each key reads and writes its own bucket and nothing else (no fullaccess, no second grant)."
  }

  assert {
    condition     = alltrue([for key in digitalocean_spaces_key.this : startswith(key.name, "acme-")])
    error_message = "Keys are named after the platform and their consumer."
  }
}

run "lifecycle_rules_expire_by_age_and_suit_each_bucket" {
  command = plan

  variables {
    components             = { postgres = true, dns = true, mailu = true, wordpress = true, mariadb = true }
    backup_retention_days  = 45
    velero_backup_ttl_days = 20
  }

  # Every bucket sweeps incomplete uploads and forgets replaced versions; none expires by date.
  assert {
    condition = alltrue([
      for bucket in digitalocean_spaces_bucket.this : anytrue([for rule in bucket.lifecycle_rule : rule.enabled && rule.abort_incomplete_multipart_upload_days == 1])
      && anytrue([for rule in bucket.lifecycle_rule : rule.enabled && length(rule.noncurrent_version_expiration) == 1])
      && alltrue([for rule in bucket.lifecycle_rule : alltrue([for e in rule.expiration : e.date == null])])
    ])
    error_message = "Every bucket aborts incomplete uploads after a day, expires replaced versions, and never expires by date."
  }

  assert {
    condition = alltrue([
      for id in ["db_backups", "mail_backups"] : anytrue([
        for rule in digitalocean_spaces_bucket.this[id].lifecycle_rule : rule.enabled && rule.prefix == null && one(rule.expiration[*].days) == 45
      ])
    ])
    error_message = "Database and mail backups expire after backup_retention_days, bucket-wide."
  }

  assert {
    condition = anytrue([
      for rule in digitalocean_spaces_bucket.this["velero"].lifecycle_rule : rule.enabled && rule.prefix == "backups/" && one(rule.expiration[*].days) == 35
    ])
    error_message = "Velero's bucket expires only backup metadata under backups/, 15 days after Velero's own TTL (its kopia repository is never aged out)."
  }

  assert {
    condition = alltrue([
      for id in ["state", "wordpress_media"] : alltrue([for rule in digitalocean_spaces_bucket.this[id].lifecycle_rule : length(rule.expiration) == 0])
    ])
    error_message = "State and media are never expired; only their replaced versions are."
  }

  assert {
    condition     = one([for rule in digitalocean_spaces_bucket.this["state"].lifecycle_rule : one(rule.noncurrent_version_expiration[*].days) if length(rule.noncurrent_version_expiration) > 0]) == 90
    error_message = "Replaced state versions are kept 90 days, to recover from a bad apply."
  }
}

run "the_dns_zone_is_root_domain_with_the_records_given" {
  command = plan

  variables {
    components = { dns = true }
    dns_records = {
      "mx-apex-10"  = { type = "MX", name = "@", value = "mail.example.org.", priority = 10, ttl = 300 }
      "txt-spf"     = { type = "TXT", name = "@", value = "v=spf1 mx -all" }
      "caa-le"      = { type = "CAA", name = "@", value = "letsencrypt.org.", flags = 0, tag = "issue" }
      "srv-caldavs" = { type = "SRV", name = "_caldavs._tcp", value = "cloud.example.org.", priority = 0, weight = 1, port = 443 }
    }
  }

  assert {
    condition     = module.dns[0].records["mx-apex-10"].type == "MX" && module.dns[0].records["txt-spf"].ttl == 3600
    error_message = "Records keep their type, and the TTL defaults to 3600."
  }

  assert {
    condition     = length(module.dns[0].records) == 4
    error_message = "One record per entry of dns_records."
  }
}

run "mailus_records_and_dkim_key_live_beside_the_zone" {
  command = plan

  variables {
    components = { postgres = true, dns = true, mailu = true }
    mail_dns   = { dmarc = { policy = "reject" }, tls_rpt_address = "tls-reports@example.org" }
    dns_records = {
      "caa-le"     = { type = "CAA", name = "@", value = "letsencrypt.org.", flags = 0, tag = "issue" }
      "txt-google" = { type = "TXT", name = "@", value = "google-site-verification=abc" }
    }
  }

  assert {
    condition     = output.mail_records["mx-apex-10"].value == "mail.example.org." && startswith(output.mail_records["spf"].value, "v=spf1") && output.mail_records["dmarc"].name == "_dmarc" && startswith(output.mail_records["dmarc"].value, "v=DMARC1; p=reject") && module.dns[0].records["mx-apex-10"].type == "MX"
    error_message = "Mailu's MX, SPF and DMARC are in the zone's records, with the settings of mail_dns."
  }

  assert {
    condition     = output.mail_records["dkim-dkim"].name == "dkim._domainkey" && contains(keys(module.dns[0].records), "tls-rpt") && contains(keys(module.dns[0].records), "caa-le") && contains(keys(module.dns[0].records), "txt-google")
    error_message = "The DKIM key's record and TLS-RPT join the records of dns_records, which keep theirs (a verification TXT beside the SPF is no conflict)."
  }

  assert {
    condition     = length([for record in values(output.mail_records) : record if contains(["A", "AAAA", "CNAME"], record.type)]) == 0
    error_message = "OpenTofu publishes no A, AAAA or CNAME for Mailu: its web hosts are external-dns's."
  }
}

run "dns_records_may_not_take_mailus_records" {
  command = plan

  variables {
    components = { postgres = true, dns = true, mailu = true }
    dns_records = {
      "mx-old"     = { type = "MX", name = "@", value = "box.example.org.", priority = 10 }
      "txt-spf"    = { type = "TXT", name = "@", value = "v=spf1 mx -all" }
      "a-mail"     = { type = "A", name = "mail", value = "203.0.113.10" }
      "mx-apex-10" = { type = "MX", name = "@", value = "mail.example.org.", priority = 10 }
    }
  }

  expect_failures = [output.mail]
}

run "mailu_needs_the_dns_zone" {
  command = plan

  variables {
    components = { postgres = true, mailu = true }
  }

  expect_failures = [var.components]
}
