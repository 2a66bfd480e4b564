# What every platform namespace must carry, and the inputs it must reject. Mocked provider:
# these runs need no cluster (the integration tests apply the real thing).
mock_provider "kubernetes" {}

variables {
  name        = "wordpress"
  root_domain = "example.org"
}

run "an_app_namespace_is_labelled_as_the_apps_layer" {
  command = apply

  assert {
    condition     = output.labels["platform/layer"] == "apps" && output.labels["pod-security.kubernetes.io/enforce"] == "baseline"
    error_message = "App namespaces carry platform/layer = apps and enforce baseline by default."
  }

  assert {
    condition     = kubernetes_network_policy_v1.default_deny.spec[0].policy_types == tolist(["Ingress", "Egress"])
    error_message = "The baseline denies both ingress and egress."
  }

  assert {
    condition     = output.network_policies == ["default-deny", "allow-dns"]
    error_message = "Every namespace gets default-deny and allow-dns."
  }
}

run "keeps_extra_labels_beside_the_module_owned_ones" {
  command = plan

  variables {
    extra_labels = { "cost-centre" = "ops" }
  }

  assert {
    condition     = kubernetes_namespace_v1.this.metadata[0].labels["cost-centre"] == "ops" && kubernetes_namespace_v1.this.metadata[0].labels["platform/layer"] == "apps"
    error_message = "extra_labels must be merged with, not replace, the platform labels."
  }
}

run "rejects_a_kube_system_name" {
  command = plan

  variables {
    name = "kube-system"
  }

  expect_failures = [var.name]
}

run "rejects_a_name_that_is_not_a_dns_label" {
  command = plan

  variables {
    name = "Word_Press"
  }

  expect_failures = [var.name]
}

run "rejects_an_unknown_layer" {
  command = plan

  variables {
    layer = "platform"
  }

  expect_failures = [var.layer]
}

run "rejects_an_unknown_pod_security_level" {
  command = plan

  variables {
    pod_security = "open"
  }

  expect_failures = [var.pod_security]
}

run "rejects_extra_labels_that_override_platform_labels" {
  command = plan

  variables {
    extra_labels = { "platform/layer" = "infra" }
  }

  expect_failures = [var.extra_labels]
}

run "rejects_a_root_domain_with_a_scheme" {
  command = plan

  variables {
    root_domain = "https://example.org"
  }

  expect_failures = [var.root_domain]
}
