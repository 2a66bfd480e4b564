# Inputs the cluster stack must refuse at plan time, each with the message that names the fix.
mock_provider "digitalocean" {}

variables {
  name               = "acme"
  root_domain        = "example.org"
  kubernetes_version = "1.35.4-do.0"
  state_passphrase   = "a-test-passphrase-of-some-length"
}

run "rejects_a_region_without_doks_and_spaces" {
  command = plan
  variables {
    region = "nyc1"
  }
  expect_failures = [var.region]
}

run "rejects_an_unknown_region_spelling" {
  command = plan
  variables {
    region = "FRA1"
  }
  expect_failures = [var.region]
}

run "rejects_a_node_size_too_small_for_the_platform" {
  command = plan
  variables {
    node_size = "s-1vcpu-1gb"
  }
  expect_failures = [var.node_size]
}

run "rejects_a_node_size_the_cost_table_does_not_price" {
  command = plan
  variables {
    node_size = "m-2vcpu-16gb"
  }
  expect_failures = [var.node_size]
}

run "rejects_a_domain_with_a_scheme" {
  command = plan
  variables {
    root_domain = "https://example.org"
  }
  expect_failures = [var.root_domain]
}

run "rejects_an_upper_case_domain" {
  command = plan
  variables {
    root_domain = "Example.ORG"
  }
  expect_failures = [var.root_domain]
}

run "rejects_a_domain_with_a_trailing_dot" {
  command = plan
  variables {
    root_domain = "example.org."
  }
  expect_failures = [var.root_domain]
}

run "rejects_an_unsupported_kubernetes_minor" {
  command = plan
  variables {
    kubernetes_version = "1.31.9-do.0"
  }
  expect_failures = [var.kubernetes_version]
}

run "rejects_latest_as_a_kubernetes_version" {
  command = plan
  variables {
    kubernetes_version = "latest"
  }
  expect_failures = [var.kubernetes_version]
}

run "rejects_an_upstream_version_without_the_do_suffix" {
  command = plan
  variables {
    kubernetes_version = "1.35.4"
  }
  expect_failures = [var.kubernetes_version]
}

run "rejects_a_name_that_makes_invalid_bucket_names" {
  command = plan
  variables {
    name = "Acme_Platform"
  }
  expect_failures = [var.name]
}

run "rejects_a_name_that_makes_too_long_bucket_names" {
  command = plan
  variables {
    name = "a-very-long-platform-name-indeed"
  }
  expect_failures = [var.name]
}

run "rejects_a_punycode_prefix_in_bucket_names" {
  command = plan
  variables {
    name = "xn--acme"
  }
  expect_failures = [var.name]
}

run "rejects_a_pool_whose_minimum_exceeds_its_maximum" {
  command = plan
  variables {
    node_pool = { min_nodes = 3, max_nodes = 2 }
  }
  expect_failures = [var.node_pool]
}

run "rejects_a_maintenance_window_outside_the_day" {
  command = plan
  variables {
    maintenance_window = { day = "sunday", start_time = "25:00" }
  }
  expect_failures = [var.maintenance_window]
}

run "rejects_a_backup_retention_shorter_than_a_week" {
  command = plan
  variables {
    backup_retention_days = 3
  }
  expect_failures = [var.backup_retention_days]
}

run "rejects_wordpress_without_mariadb" {
  command = plan
  variables {
    components = { wordpress = true }
  }
  expect_failures = [var.components]
}

run "rejects_dns_records_without_the_dns_zone" {
  command = plan
  variables {
    dns_records = { "mx-apex-10" = { type = "MX", name = "@", value = "mail.example.org.", priority = 10 } }
  }
  expect_failures = [var.dns_records]
}

run "rejects_a_short_state_passphrase" {
  command = plan
  variables {
    state_passphrase = "short"
  }
  expect_failures = [var.state_passphrase]
}
