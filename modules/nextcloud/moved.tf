# The enabled input counted what runs: state written before it keeps these objects at [0]
# instead of replacing the release (and its pods) on the first plan after the upgrade.
moved {
  from = helm_release.nextcloud
  to   = helm_release.nextcloud[0]
}

moved {
  from = kubernetes_secret_v1.admin
  to   = kubernetes_secret_v1.admin[0]
}

moved {
  from = kubernetes_ingress_v1.nextcloud
  to   = kubernetes_ingress_v1.nextcloud[0]
}

moved {
  from = kubernetes_network_policy_v1.from_traefik
  to   = kubernetes_network_policy_v1.from_traefik[0]
}

moved {
  from = kubernetes_network_policy_v1.to_internet
  to   = kubernetes_network_policy_v1.to_internet[0]
}
