variable "namespace" {
  description = "The app's namespace (pass modules/namespace's name output, so the edge waits for it)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.namespace)) && !contains(["default", "kube-system", "kube-public", "kube-node-lease", "infra", "data"], var.namespace)
    error_message = "namespace must be the app's own namespace: a DNS label, not default, kube-*, infra or data."
  }
}

variable "name" {
  description = "Name of the app; names the Ingress (<name>), its certificate Secret (<name>-tls) and the NetworkPolicies (<name>-...)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$", var.name))
    error_message = "name must be a DNS label of at most 42 characters (lower case, digits, '-')."
  }
}

variable "host" {
  description = "The app's public FQDN (the app module derives it from root_domain). Null: no Ingress and no ingress path from Traefik (a worker-only deployment)."
  type        = string
  default     = null

  validation {
    condition     = var.host == null || (can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.host)) && length(coalesce(var.host, "-")) <= 253)
    error_message = "host must be a lower-case FQDN of at most 253 characters such as crm.example.org: no scheme, no trailing dot, no wildcard."
  }
}

variable "cluster_issuer" {
  description = "cert-manager ClusterIssuer that issues the Ingress certificate: letsencrypt-staging while testing, letsencrypt-production once DNS points at the cluster."
  type        = string
  default     = "letsencrypt-staging"

  validation {
    condition     = contains(["letsencrypt-staging", "letsencrypt-production"], var.cluster_issuer)
    error_message = "cluster_issuer must be letsencrypt-staging or letsencrypt-production (the ClusterIssuers the platform stack installs)."
  }
}

variable "service_port" {
  description = "Port of the app's Service (named <name>), which the Ingress routes to and which forwards to server_port."
  type        = number

  validation {
    condition     = var.service_port >= 1 && var.service_port <= 65535 && floor(var.service_port) == var.service_port
    error_message = "service_port must be a whole number from 1 to 65535."
  }
}

variable "server_selector" {
  description = "Labels of the pods that serve the app: the only pods Traefik may reach."
  type        = map(string)

  validation {
    condition     = length(var.server_selector) > 0
    error_message = "server_selector must name at least one label: an empty selector would open every pod of the namespace to Traefik."
  }
}

variable "server_port" {
  description = "Container port the serving pods listen on (what the Traefik ingress rule opens)."
  type        = number

  validation {
    condition     = var.server_port >= 1 && var.server_port <= 65535 && floor(var.server_port) == var.server_port
    error_message = "server_port must be a whole number from 1 to 65535."
  }
}

variable "ingress_annotations" {
  description = "Extra Ingress annotations (Traefik middlewares, ...). The module owns cert-manager.io/cluster-issuer and the entrypoint annotations."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for key in keys(var.ingress_annotations) : !startswith(key, "cert-manager.io/") && !startswith(key, "traefik.ingress.kubernetes.io/router.entrypoints") && key != "traefik.ingress.kubernetes.io/router.tls"])
    error_message = "ingress_annotations may not set cert-manager.io/* or the Traefik entrypoint and TLS annotations: the module owns those."
  }
}

variable "database_engine" {
  description = "Engine of the app's database on the data layer (postgresql or mariadb): its pods get egress to that server only. Null: no database."
  type        = string
  default     = null

  validation {
    condition     = var.database_engine == null || contains(["postgresql", "mariadb"], var.database_engine)
    error_message = "database_engine must be postgresql, mariadb or null."
  }
}

variable "valkey" {
  description = "Whether the app's pods reach the data layer's Valkey cache on 6379."
  type        = bool
  default     = false
}

variable "data_namespace" {
  description = "Namespace of the data layer (its database servers and Valkey)."
  type        = string
  default     = "data"
}

variable "public_egress_ports" {
  description = "TCP ports the app's pods may open to public addresses (never the VPC or cluster ranges): 443 for HTTPS APIs and Spaces, 465/587 for SMTP submission. Empty: no outbound internet at all."
  type        = list(number)
  default     = []

  validation {
    condition     = alltrue([for port in var.public_egress_ports : port >= 1 && port <= 65535 && floor(port) == port])
    error_message = "public_egress_ports must hold whole port numbers from 1 to 65535."
  }

  validation {
    condition     = !contains(var.public_egress_ports, 25)
    error_message = "public_egress_ports may not open 25: outbound SMTP is blocked on DigitalOcean and mail leaves through the platform's relay."
  }
}

variable "egress_selector" {
  description = "Labels of the pods the egress rules apply to. Null: every pod of the namespace (app servers, workers, CronJobs)."
  type        = map(string)
  default     = null
}

variable "labels" {
  description = "Labels added to every object this module creates."
  type        = map(string)
  default     = {}
}
