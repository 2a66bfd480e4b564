# The enabled input counted what runs: state written before it keeps these objects at [0]
# instead of replacing the release, its Valkey and its policies on the first plan after the upgrade.

moved {
  from = helm_release.mailu
  to   = helm_release.mailu[0]
}

moved {
  from = kubernetes_secret_v1.dkim
  to   = kubernetes_secret_v1.dkim[0]
}

moved {
  from = kubernetes_service_v1.valkey
  to   = kubernetes_service_v1.valkey[0]
}

moved {
  from = kubernetes_deployment_v1.valkey
  to   = kubernetes_deployment_v1.valkey[0]
}

moved {
  from = kubernetes_network_policy_v1.valkey
  to   = kubernetes_network_policy_v1.valkey[0]
}

moved {
  from = kubernetes_ingress_v1.mailu
  to   = kubernetes_ingress_v1.mailu[0]
}

moved {
  from = kubernetes_network_policy_v1.front_from_traefik
  to   = kubernetes_network_policy_v1.front_from_traefik[0]
}

moved {
  from = kubernetes_network_policy_v1.internal
  to   = kubernetes_network_policy_v1.internal[0]
}

moved {
  from = kubernetes_network_policy_v1.to_postgres
  to   = kubernetes_network_policy_v1.to_postgres[0]
}

moved {
  from = kubernetes_network_policy_v1.outbound_mail
  to   = kubernetes_network_policy_v1.outbound_mail[0]
}
