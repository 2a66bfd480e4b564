# The network edge every app shares: what it renders, and the inputs it refuses.
mock_provider "kubernetes" {}

variables {
  namespace       = "crm"
  name            = "twenty"
  host            = "crm.example.org"
  service_port    = 3000
  server_selector = { "app.kubernetes.io/name" = "twenty", "app.kubernetes.io/component" = "server" }
  server_port     = 3000
}

run "serves_https_only_with_a_cert_manager_certificate" {
  command = apply

  assert {
    condition = (kubernetes_ingress_v1.this[0].spec[0].ingress_class_name == "traefik" &&
      kubernetes_ingress_v1.this[0].spec[0].tls[0].hosts == tolist(["crm.example.org"]) &&
      kubernetes_ingress_v1.this[0].spec[0].tls[0].secret_name == "twenty-tls" &&
    kubernetes_ingress_v1.this[0].spec[0].rule[0].host == "crm.example.org")
    error_message = "A Traefik Ingress for the host, with a TLS entry and its Secret."
  }

  assert {
    condition = (kubernetes_ingress_v1.this[0].metadata[0].annotations["cert-manager.io/cluster-issuer"] == "letsencrypt-staging" &&
    kubernetes_ingress_v1.this[0].metadata[0].annotations["traefik.ingress.kubernetes.io/router.entrypoints"] == "websecure")
    error_message = "cert-manager issues the certificate (staging by default); the router listens on websecure only."
  }

  assert {
    condition     = output.url == "https://crm.example.org"
    error_message = "The URL is https://<host>."
  }
}

run "exposes_the_serving_pods_through_a_service_named_after_the_app" {
  command = apply

  assert {
    condition = (kubernetes_service_v1.this.metadata[0].name == "twenty" && kubernetes_service_v1.this.spec[0].selector == tomap(var.server_selector) &&
    kubernetes_service_v1.this.spec[0].port[0].port == 3000 && kubernetes_ingress_v1.this[0].spec[0].rule[0].http[0].path[0].backend[0].service[0].name == "twenty")
    error_message = "A ClusterIP Service <name> selects the serving pods, and the Ingress routes to it."
  }
}

run "admits_only_traefik_from_infra_to_the_serving_pods" {
  command = apply

  assert {
    condition = (kubernetes_network_policy_v1.from_traefik[0].spec[0].ingress[0].from[0].namespace_selector[0].match_labels == tomap({ "kubernetes.io/metadata.name" = "infra" }) &&
      kubernetes_network_policy_v1.from_traefik[0].spec[0].ingress[0].from[0].pod_selector[0].match_labels == tomap({ "app.kubernetes.io/name" = "traefik" }) &&
      kubernetes_network_policy_v1.from_traefik[0].spec[0].ingress[0].ports[0].port == "3000" &&
    kubernetes_network_policy_v1.from_traefik[0].spec[0].pod_selector[0].match_labels == tomap(var.server_selector))
    error_message = "Ingress only from pods labelled app.kubernetes.io/name=traefik in namespace infra, to the serving pods' port."
  }

  assert {
    condition     = length(kubernetes_network_policy_v1.to_data_layer) == 0 && length(kubernetes_network_policy_v1.to_internet) == 0
    error_message = "No egress beyond the namespace's DNS baseline unless asked for."
  }
}

run "opens_egress_to_its_database_engine_the_cache_and_public_https" {
  command = apply

  variables {
    database_engine     = "postgresql"
    valkey              = true
    public_egress_ports = [443, 587]
  }

  assert {
    condition = (kubernetes_network_policy_v1.to_data_layer["postgres"].spec[0].egress[0].to[0].pod_selector[0].match_labels["app.kubernetes.io/name"] == "postgres" &&
      kubernetes_network_policy_v1.to_data_layer["postgres"].spec[0].egress[0].to[0].namespace_selector[0].match_labels["kubernetes.io/metadata.name"] == "data" &&
    kubernetes_network_policy_v1.to_data_layer["postgres"].spec[0].egress[0].ports[0].port == "5432")
    error_message = "Egress to the data layer's PostgreSQL pods on 5432 only."
  }

  assert {
    condition     = kubernetes_network_policy_v1.to_data_layer["valkey"].spec[0].egress[0].ports[0].port == "6379"
    error_message = "Egress to Valkey on 6379."
  }

  assert {
    condition = (kubernetes_network_policy_v1.to_internet[0].spec[0].egress[0].to[0].ip_block[0].cidr == "0.0.0.0/0" &&
      contains(kubernetes_network_policy_v1.to_internet[0].spec[0].egress[0].to[0].ip_block[0].except, "10.0.0.0/8") &&
    toset([for p in kubernetes_network_policy_v1.to_internet[0].spec[0].egress[0].ports : p.port]) == toset(["443", "587"]))
    error_message = "Public egress on the listed ports only, never to private ranges."
  }
}

run "renders_no_ingress_for_a_worker_only_deployment" {
  command = plan

  variables {
    host = null
  }

  assert {
    condition     = length(kubernetes_ingress_v1.this) == 0 && length(kubernetes_network_policy_v1.from_traefik) == 0
    error_message = "Without a host there is nothing to route and nothing to admit."
  }
}

run "rejects_an_issuer_that_does_not_exist" {
  command = plan

  variables {
    cluster_issuer = "letsencrypt-prod"
  }

  expect_failures = [var.cluster_issuer]
}

run "rejects_a_host_with_a_scheme" {
  command = plan

  variables {
    host = "https://crm.example.org"
  }

  expect_failures = [var.host]
}

run "rejects_a_wildcard_host" {
  command = plan

  variables {
    host = "*.example.org"
  }

  expect_failures = [var.host]
}

run "rejects_an_empty_server_selector" {
  command = plan

  variables {
    server_selector = {}
  }

  expect_failures = [var.server_selector]
}

run "rejects_outbound_smtp_on_port_25" {
  command = plan

  variables {
    public_egress_ports = [443, 25]
  }

  expect_failures = [var.public_egress_ports]
}

run "rejects_an_unknown_database_engine" {
  command = plan

  variables {
    database_engine = "mysql"
  }

  expect_failures = [var.database_engine]
}

run "rejects_the_infra_namespace" {
  command = plan

  variables {
    namespace = "infra"
  }

  expect_failures = [var.namespace]
}

run "rejects_overriding_the_issuer_annotation" {
  command = plan

  variables {
    ingress_annotations = { "cert-manager.io/cluster-issuer" = "other" }
  }

  expect_failures = [var.ingress_annotations]
}

run "rejects_a_port_out_of_range" {
  command = plan

  variables {
    service_port = 70000
  }

  expect_failures = [var.service_port]
}
