mock_provider "kubernetes" {}

variables {
  name        = "wordpress"
  root_domain = "example.org"
}

run "labels_the_namespace_as_the_apps_layer" {
  command = apply

  assert {
    condition     = kubernetes_namespace_v1.app.metadata[0].labels["platform/layer"] == "apps"
    error_message = "App namespaces carry platform/layer = apps."
  }

  assert {
    condition     = kubernetes_namespace_v1.app.metadata[0].labels["pod-security.kubernetes.io/enforce"] == "baseline"
    error_message = "App namespaces enforce baseline by default."
  }

  assert {
    condition     = output.name == "wordpress"
    error_message = "The name output is the namespace's name."
  }
}

run "rejects_a_platform_layer_name" {
  command = plan

  variables {
    name = "data"
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

run "rejects_an_unknown_pod_security_level" {
  command = plan

  variables {
    pod_security = "open"
  }

  expect_failures = [var.pod_security]
}
