# The zone and its records as planned, and the records the module must refuse. A mock provider
# stands in for the DigitalOcean API (its schema still comes from the real provider binary).
mock_provider "digitalocean" {}

variables {
  root_domain = "example.org"
}

run "an_empty_zone_for_root_domain" {
  command = plan

  assert {
    condition     = digitalocean_domain.this.name == "example.org" && digitalocean_domain.this.ip_address == null
    error_message = "The zone is root_domain, created without an apex A record nothing else knows about."
  }

  assert {
    condition     = length(digitalocean_record.this) == 0
    error_message = "No records unless given."
  }
}

run "records_keep_every_field_of_the_shared_schema" {
  command = plan

  variables {
    records = {
      "mx-apex-10"   = { type = "MX", name = "@", value = "mail.example.org.", priority = 10, ttl = 300 }
      "txt-dmarc"    = { type = "TXT", name = "_dmarc", value = "v=DMARC1; p=quarantine" }
      "caa-le"       = { type = "CAA", name = "@", value = "letsencrypt.org.", flags = 0, tag = "issue" }
      "srv-submit"   = { type = "SRV", name = "_submission._tcp", value = "mail.example.org.", priority = 0, weight = 1, port = 587 }
      "cname-legacy" = { type = "CNAME", name = "old", value = "www.example.org." }
      "a-mail"       = { type = "A", name = "mail", value = "203.0.113.10" }
      "aaaa-mail"    = { type = "AAAA", name = "mail", value = "2001:db8::10" }
      "ns-sub"       = { type = "NS", name = "lab", value = "ns1.example.net." }
    }
  }

  assert {
    condition     = digitalocean_record.this["mx-apex-10"].priority == 10 && digitalocean_record.this["mx-apex-10"].ttl == 300 && digitalocean_record.this["mx-apex-10"].name == "@"
    error_message = "MX keeps its priority and TTL."
  }

  assert {
    condition     = digitalocean_record.this["txt-dmarc"].ttl == 3600
    error_message = "TTL defaults to 3600."
  }

  assert {
    condition     = digitalocean_record.this["caa-le"].flags == 0 && digitalocean_record.this["caa-le"].tag == "issue"
    error_message = "CAA keeps flags and tag."
  }

  assert {
    condition     = digitalocean_record.this["srv-submit"].port == 587 && digitalocean_record.this["srv-submit"].weight == 1
    error_message = "SRV keeps port and weight."
  }
}

run "rejects_a_record_type_do_dns_cannot_hold" {
  command = plan
  variables {
    records = { "tlsa-mail" = { type = "TLSA", name = "_25._tcp.mail", value = "3 1 1 abcd" } }
  }
  expect_failures = [var.records]
}

run "rejects_a_fully_qualified_name" {
  command = plan
  variables {
    records = { "a-www" = { type = "A", name = "www.example.org.", value = "203.0.113.10" } }
  }
  expect_failures = [var.records]
}

run "rejects_a_name_that_repeats_the_domain" {
  command = plan
  variables {
    records = { "a-www" = { type = "A", name = "www.example.org", value = "203.0.113.10" } }
  }
  expect_failures = [var.records]
}

run "rejects_an_mx_target_without_the_trailing_dot" {
  command = plan
  variables {
    records = { "mx-apex-10" = { type = "MX", name = "@", value = "mail.example.org", priority = 10 } }
  }
  expect_failures = [var.records]
}

run "rejects_an_mx_without_priority" {
  command = plan
  variables {
    records = { "mx-apex" = { type = "MX", name = "@", value = "mail.example.org." } }
  }
  expect_failures = [var.records]
}

run "rejects_an_srv_without_port_and_weight" {
  command = plan
  variables {
    records = { "srv-x" = { type = "SRV", name = "_x._tcp", value = "x.example.org.", priority = 0 } }
  }
  expect_failures = [var.records]
}

run "rejects_a_caa_with_an_unknown_tag" {
  command = plan
  variables {
    records = { "caa-x" = { type = "CAA", name = "@", value = "letsencrypt.org.", flags = 0, tag = "issuer" } }
  }
  expect_failures = [var.records]
}

run "rejects_a_ttl_below_digitalocean_minimum" {
  command = plan
  variables {
    records = { "a-www" = { type = "A", name = "www", value = "203.0.113.10", ttl = 5 } }
  }
  expect_failures = [var.records]
}

run "rejects_an_id_that_is_not_stable_text" {
  command = plan
  variables {
    records = { "MX Apex" = { type = "MX", name = "@", value = "mail.example.org.", priority = 10 } }
  }
  expect_failures = [var.records]
}

run "rejects_two_cnames_for_one_name" {
  command = plan
  variables {
    records = {
      "cname-a" = { type = "CNAME", name = "old", value = "a.example.org." }
      "cname-b" = { type = "CNAME", name = "old", value = "b.example.org." }
    }
  }
  expect_failures = [var.records]
}

run "rejects_a_domain_that_is_not_a_dns_name" {
  command = plan
  variables {
    root_domain = "example"
  }
  expect_failures = [var.root_domain]
}
