# The mail records modules/dns publishes, the split of ownership with external-dns, and the
# inputs the module refuses. The tls provider is real (it only computes a key).
variables {
  root_domain = "example.org"
  dmarc       = { rua = "dmarc@example.org" }
}

run "dkim_selector_dkim_and_the_legacy_selector_both_published" {
  command = apply

  variables {
    legacy_dkim = { public_key = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAx9ljT1Bz2GVrbC0ZXpvqLw5ZfR9dGQ3ypDq3mz9sQ6y3F8Nq4tC1qQ0yZ5v2cXl8uQ3fE1pG9rL7bH4mW2sT6vY8kD0jN5aR3iU1oP7eZ9xC4bV6nM2lK8hJ0gF5dS3aQ1wE7rT9yU2iO4pL6kJ8hG0fD3sA5zX7cV9bN1mQ2wE4rT6yU8iO0pA3sD5fG7hJ9kL1zX3cV5bN7mQ9wE1rT3yU5iO7pA9sD1fG3hJ5kL7zX9cV1bN3mQ5wIDAQAB" }
  }

  assert {
    condition = (
      output.records["dkim-dkim"].name == "dkim._domainkey" &&
      output.records["dkim-dkim"].value == "v=DKIM1; k=rsa; p=${output.dkim_public_key}" &&
      startswith(output.dkim_public_key, "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA") &&
      output.records["dkim-mail"].name == "mail._domainkey" &&
      startswith(output.records["dkim-mail"].value, "v=DKIM1; k=rsa; p=MIIBIjAN")
    )
    error_message = "Mailu's selector dkim (the key this module made) and Mail-in-a-Box's selector mail are both published."
  }

  assert {
    condition     = startswith(nonsensitive(output.dkim_private_key), "-----BEGIN ") && strcontains(nonsensitive(output.dkim_private_key), "PRIVATE KEY")
    error_message = "Mailu gets the key as a PKCS#8 PEM, the format its admin writes."
  }
}

run "mail_records_in_the_dns_modules_schema" {
  command = apply

  variables {
    dns_ttl         = 600
    tls_rpt_address = "tls-reports@example.org"
    spf_include     = ["include:spf.relay.example"]
    dmarc           = { policy = "reject", rua = "dmarc@example.org", ruf = "forensic@example.org" }
  }

  assert {
    condition     = output.records["mx-apex-10"] == { type = "MX", name = "@", value = "mail.example.org.", ttl = 600, priority = 10 }
    error_message = "MX at the apex, to mail.example.org., priority 10."
  }

  assert {
    condition     = output.records["spf"].value == "v=spf1 mx a:mail.example.org include:spf.relay.example ~all" && output.records["spf"].name == "@"
    error_message = "SPF names Mailu's hosts and the relay."
  }

  assert {
    condition     = output.records["dmarc"] == { type = "TXT", name = "_dmarc", value = "v=DMARC1; p=reject; rua=mailto:dmarc@example.org; ruf=mailto:forensic@example.org", ttl = 600 }
    error_message = "DMARC carries the policy and reporting addresses given."
  }

  assert {
    condition = (
      output.records["srv-submission"] == { type = "SRV", name = "_submission._tcp", value = "mail.example.org.", ttl = 600, priority = 0, weight = 1, port = 587 } &&
      output.records["srv-imaps"].port == 993 && output.records["srv-submissions"].port == 465 && output.records["srv-autodiscover"].port == 443
    )
    error_message = "RFC 6186 SRV records point mail clients at mail.example.org."
  }

  assert {
    condition     = startswith(output.records["mta-sts"].value, "v=STSv1; id=") && output.records["mta-sts"].name == "_mta-sts" && output.records["tls-rpt"] == { type = "TXT", name = "_smtp._tls", value = "v=TLSRPTv1; rua=mailto:tls-reports@example.org", ttl = 600 }
    error_message = "MTA-STS (served by Mailu at mta-sts.example.org) and TLS-RPT records."
  }

  assert {
    condition     = alltrue([for record in values(output.records) : record.ttl == 600])
    error_message = "Every record carries dns_ttl."
  }

  assert {
    condition     = alltrue([for id in keys(output.records) : can(regex("^[a-z0-9][a-z0-9-]{0,62}$", id))])
    error_message = "Record ids are stable keys modules/dns accepts."
  }
}

run "opentofu_and_external_dns_never_own_the_same_record" {
  command = apply

  assert {
    condition     = alltrue([for record in values(output.records) : contains(["MX", "TXT", "SRV"], record.type)])
    error_message = "No A, AAAA or CNAME record: those are external-dns's, from the Ingress hosts."
  }

  assert {
    condition     = length(setintersection(toset([for record in values(output.records) : record.name]), toset([for host in output.web_hosts : trimsuffix(host, ".example.org")]))) == 0
    error_message = "No record sits on an Ingress host's name (where external-dns writes its records)."
  }

  assert {
    condition     = alltrue([for record in values(output.records) : !startswith(record.name, "extdns-")])
    error_message = "No record sits where external-dns keeps its TXT registry (txtPrefix extdns-, modules/k8s-config)."
  }

  assert {
    condition     = toset(output.web_hosts) == toset(["mail.example.org", "autoconfig.example.org", "autodiscover.example.org", "mta-sts.example.org"]) && output.mailu.web_hosts[0] == "mail.example.org"
    error_message = "The web hosts external-dns publishes: the mail host first, then autoconfig, autodiscover and mta-sts."
  }

  assert {
    condition     = output.records["dkim-dkim"].value != "" && !contains(keys(output.records), "dkim-mail")
    error_message = "Without legacy_dkim only Mailu's selector is published."
  }
}

run "a_mail_domain_below_the_root_domain_names_records_relative_to_the_zone" {
  command = apply

  variables {
    mail_domain  = "mail.example.org"
    hostname     = "mx"
    mta_sts_mode = "none"
  }

  assert {
    condition = (
      output.records["mx-mail-10"] == { type = "MX", name = "mail", value = "mx.mail.example.org.", ttl = 300, priority = 10 } &&
      output.records["dkim-dkim"].name == "dkim._domainkey.mail" &&
      output.records["dmarc"].name == "_dmarc.mail" &&
      !contains(keys(output.records), "mta-sts") && !contains(output.web_hosts, "mta-sts.mail.example.org") &&
      output.mailu.mta_sts_policy == null
    )
    error_message = "Names are relative to root_domain's zone; no MTA-STS when its mode is none."
  }
}

run "the_mta_sts_policy_and_its_id_follow_the_mode" {
  command = apply

  variables {
    mta_sts_mode = "enforce"
  }

  assert {
    condition     = output.mailu.mta_sts_policy == "version: STSv1\nmode: enforce\nmx: mail.example.org\nmax_age: 604800\n" && output.records["mta-sts"].value == "v=STSv1; id=${substr(sha256(output.mailu.mta_sts_policy), 0, 20)}"
    error_message = "Mailu serves the policy in the mode given, and its hash is the id in DNS."
  }
}

run "rejects_an_unknown_dmarc_policy" {
  command = plan
  variables {
    dmarc = { policy = "strict", rua = "dmarc@example.org" }
  }
  expect_failures = [var.dmarc]
}

run "rejects_a_dmarc_address_with_mailto" {
  command = plan
  variables {
    dmarc = { rua = "mailto:dmarc@example.org" }
  }
  expect_failures = [var.dmarc]
}

run "rejects_mailus_own_selector_as_the_legacy_one" {
  command = plan
  variables {
    legacy_dkim = { selector = "dkim", public_key = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAx9ljT1Bz2GVrbC0ZXpvqLw5ZfR9dGQ3ypDq3mz9sQ6y3F8Nq4tC1qQ0yZ5v2cXl8uQ3fE1pG9rL7bH4mW2sT6vY8kD0jN5aR3iU1oP7eZ9xC4bV6nM2lK8hJ0gF5dS3aQ1wE7rT9yU2iO4pL6kJ8hG0fD3sA5zX7cV9bN1mQ2wE4rT6yU8iO0pA3sD5fG7hJ9kL1zX3cV5bN7mQ9" }
  }
  expect_failures = [var.legacy_dkim]
}

run "rejects_a_legacy_key_that_is_not_base64" {
  command = plan
  variables {
    legacy_dkim = { public_key = "v=DKIM1; k=rsa; p=MIIB" }
  }
  expect_failures = [var.legacy_dkim]
}

run "rejects_an_unknown_mta_sts_mode" {
  command = plan
  variables {
    mta_sts_mode = "on"
  }
  expect_failures = [var.mta_sts_mode]
}

run "rejects_a_ttl_digitalocean_refuses" {
  command = plan
  variables {
    dns_ttl = 10
  }
  expect_failures = [var.dns_ttl]
}

run "rejects_a_mail_domain_outside_the_root_domain" {
  command = plan
  variables {
    mail_domain = "example.net"
  }
  expect_failures = [var.mail_domain]
}

run "rejects_an_spf_mechanism_it_does_not_know" {
  command = plan
  variables {
    spf_include = ["+all"]
  }
  expect_failures = [var.spf_include]
}
