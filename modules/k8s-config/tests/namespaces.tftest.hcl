# The shared layers render with their labels; every bad input is rejected at plan time with
# the variable named. The provider is mocked: these runs need no cluster.
mock_provider "kubernetes" {}

variables {
  root_domain = "example.org"
}

run "creates_exactly_the_infra_and_data_layers" {
  command = apply

  assert {
    condition     = toset(keys(output.namespaces)) == toset(["infra", "data"])
    error_message = "k8s-config must manage exactly the infra and data namespaces; apps create their own."
  }

  assert {
    condition     = alltrue([for layer, labels in output.labels : labels["platform/layer"] == layer])
    error_message = "Each namespace must carry platform/layer = its layer."
  }

  assert {
    condition     = output.labels["data"]["pod-security.kubernetes.io/enforce"] == "restricted" && output.labels["infra"]["pod-security.kubernetes.io/enforce"] == "privileged"
    error_message = "data enforces restricted and infra privileged (node agents) by default."
  }

  assert {
    condition     = output.namespaces == { infra = "infra", data = "data" }
    error_message = "The namespaces output maps each layer to its namespace."
  }
}

run "keeps_extra_labels_beside_the_module_owned_ones" {
  command = plan

  variables {
    extra_labels = { "cost-centre" = "ops" }
  }

  assert {
    condition     = output.labels["infra"]["cost-centre"] == "ops" && output.labels["infra"]["platform/layer"] == "infra"
    error_message = "extra_labels must be merged with, not replace, the platform labels."
  }
}

run "rejects_a_root_domain_with_a_scheme" {
  command = plan

  variables {
    root_domain = "https://example.org"
  }

  expect_failures = [var.root_domain]
}

run "rejects_a_root_domain_with_a_trailing_dot" {
  command = plan

  variables {
    root_domain = "example.org."
  }

  expect_failures = [var.root_domain]
}

run "rejects_a_wildcard_root_domain" {
  command = plan

  variables {
    root_domain = "*.example.org"
  }

  expect_failures = [var.root_domain]
}

run "rejects_an_unknown_pod_security_level" {
  command = plan

  variables {
    pod_security = { infra = "privileged", data = "strict" }
  }

  expect_failures = [var.pod_security]
}

run "rejects_pod_security_for_an_app_namespace" {
  command = plan

  variables {
    pod_security = { infra = "privileged", data = "restricted", wordpress = "baseline" }
  }

  expect_failures = [var.pod_security]
}

run "rejects_extra_labels_that_override_platform_labels" {
  command = plan

  variables {
    extra_labels = { "platform/layer" = "apps" }
  }

  expect_failures = [var.extra_labels]
}
