# The data namespace starts from default-deny plus DNS (modules/namespace). These are the only
# other paths: each server accepts its engine's app namespaces and the data layer's own jobs,
# and only the backup and restore-test pods leave the cluster, for the object store.
# App namespaces need a matching egress policy of their own; their modules add it.

locals {
  # App namespaces per engine, from the databases they own.
  client_namespaces = { for engine in keys(local.enabled_engines) : engine => sort(distinct([for db in values(local.databases) : db.namespace if db.engine == engine])) }

  # Private, link-local and carrier-grade NAT ranges: the VPC, the cluster and the metadata
  # service. Spaces is reached on its public address.
  private_ranges = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8"]
}

resource "kubernetes_network_policy_v1" "server_ingress" {
  for_each = local.enabled_engines

  metadata {
    name      = "${each.value.server}-ingress"
    namespace = var.namespace
    labels = merge(local.common_labels, {
      "app.kubernetes.io/name"      = each.value.server
      "app.kubernetes.io/component" = "database"
    })
  }

  spec {
    pod_selector {
      match_labels = {
        "app.kubernetes.io/name"      = each.value.server
        "app.kubernetes.io/component" = "database"
      }
    }
    policy_types = ["Ingress"]

    # The namespaces of the apps that own a database on this server (an empty In list is
    # invalid, hence no rule until there is one).
    dynamic "ingress" {
      for_each = length(local.client_namespaces[each.key]) > 0 ? [local.client_namespaces[each.key]] : []
      content {
        from {
          namespace_selector {
            match_expressions {
              key      = "kubernetes.io/metadata.name"
              operator = "In"
              values   = ingress.value
            }
          }
        }
        ports {
          port     = tostring(each.value.port)
          protocol = "TCP"
        }
      }
    }

    # The data layer's own provisioning, backup and restore-test pods.
    ingress {
      from {
        pod_selector {
          match_labels = { "platform/database-client" = each.value.server }
        }
      }
      ports {
        port     = tostring(each.value.port)
        protocol = "TCP"
      }
    }
  }
}

resource "kubernetes_network_policy_v1" "client_egress" {
  for_each = local.enabled_engines

  metadata {
    name      = "${each.value.server}-clients-egress"
    namespace = var.namespace
    labels = merge(local.common_labels, {
      "app.kubernetes.io/name"      = each.value.server
      "app.kubernetes.io/component" = "database"
    })
  }

  spec {
    pod_selector {
      match_labels = { "platform/database-client" = each.value.server }
    }
    policy_types = ["Egress"]

    egress {
      to {
        pod_selector {
          match_labels = {
            "app.kubernetes.io/name"      = each.value.server
            "app.kubernetes.io/component" = "database"
          }
        }
      }
      ports {
        port     = tostring(each.value.port)
        protocol = "TCP"
      }
    }
  }
}

resource "kubernetes_network_policy_v1" "object_store_egress" {
  count = length(local.backed_up) > 0 ? 1 : 0

  metadata {
    name      = "backups-object-store-egress"
    namespace = var.namespace
    labels = merge(local.common_labels, {
      "app.kubernetes.io/name"      = "backup"
      "app.kubernetes.io/component" = "backup"
    })
  }

  spec {
    pod_selector {
      match_expressions {
        key      = "platform/job"
        operator = "In"
        values   = ["backup", "restore-test"]
      }
    }
    policy_types = ["Egress"]

    egress {
      to {
        ip_block {
          cidr   = "0.0.0.0/0"
          except = local.private_ranges
        }
      }
      # HTTPS always; a test endpoint's own port (plain http, or an explicit one) besides.
      dynamic "ports" {
        for_each = toset(distinct([443, local.object_store_port]))
        content {
          port     = tostring(ports.value)
          protocol = "TCP"
        }
      }
    }
  }
}

resource "kubernetes_network_policy_v1" "valkey_ingress" {
  count = var.valkey_enabled ? 1 : 0

  metadata {
    name      = "valkey-ingress"
    namespace = var.namespace
    labels    = merge(local.common_labels, local.valkey_labels)
  }

  spec {
    pod_selector {
      match_labels = local.valkey_labels
    }
    policy_types = ["Ingress"]

    dynamic "ingress" {
      for_each = length(var.valkey_consumer_namespaces) > 0 ? [sort(distinct(var.valkey_consumer_namespaces))] : []
      content {
        from {
          namespace_selector {
            match_expressions {
              key      = "kubernetes.io/metadata.name"
              operator = "In"
              values   = ingress.value
            }
          }
        }
        ports {
          port     = "6379"
          protocol = "TCP"
        }
      }
    }
  }
}
