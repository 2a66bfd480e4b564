# The owner's rule: nothing is served over plain HTTP. Every routed host has a certificate,
# and Traefik turns every http:// request into a redirect to https://.
package policies.tls_everywhere

import rego.v1

metadata := {
	"id": "tls-everywhere",
	"title": "TLS on every ingress, HTTP redirected to HTTPS",
	"severity": "error",
}

deleting(resource) if resource.actions == ["delete"]

# A TLS entry covers its host exactly, or one label below a wildcard (*.example.org).
covered(host, tls_hosts) if host in tls_hosts

covered(host, tls_hosts) if {
	some pattern in tls_hosts
	startswith(pattern, "*.")
	labels := split(host, ".")
	concat(".", array.slice(labels, 1, count(labels))) == substring(pattern, 2, -1)
}

# The platform's mail entry points (contract 2). They carry SMTP, IMAP and ManageSieve, not
# HTTP, and TLS there is the mail server's own: STARTTLS on smtp, submission and sieve (no TLS
# handshake for Traefik to see), implicit TLS passed through on smtps and imaps. A TCP route
# bound only to them has no tls section to give; one on any other entry point still needs it.
mail_entrypoints := {"smtp", "smtps", "submission", "imaps", "sieve"}

mail_tcp_route(ingress) if {
	ingress.kind == "IngressRouteTCP"
	count(ingress.entryPoints) > 0
	every entrypoint in ingress.entryPoints {
		entrypoint in mail_entrypoints
	}
}

deny contains violation if {
	some ingress in input.facts.ingresses
	count(ingress.tlsHosts) == 0
	not mail_tcp_route(ingress)
	message := sprintf("%s %s/%s declares no TLS host: %s is served over plain HTTP", [ingress.kind, ingress.namespace, ingress.name, concat(", ", ingress.hosts)])
	violation := {
		"msg": sprintf("%s: %s", [ingress.address, message]),
		"address": ingress.address,
		"path": ingress.path,
		"message": message,
		"fix": "Add a tls entry listing every host of the route (Ingress: spec.tls[].hosts with a secretName; IngressRoute: spec.tls with a certResolver or secretName).",
	}
}

deny contains violation if {
	some ingress in input.facts.ingresses
	ingress.kind == "Ingress"
	count(ingress.tlsHosts) > 0
	some host in ingress.hosts
	not covered(host, ingress.tlsHosts)
	message := sprintf("Ingress %s/%s routes host %s, which none of its TLS hosts (%s) covers", [ingress.namespace, ingress.name, host, concat(", ", ingress.tlsHosts)])
	violation := {
		"msg": sprintf("%s: %s", [ingress.address, message]),
		"address": ingress.address,
		"path": ingress.path,
		"message": message,
		"fix": sprintf("Add \"%s\" to the hosts of a tls entry (or use a wildcard *.<parent> entry) whose certificate covers it.", [host]),
	}
}

# cert-manager's ingress-shim issues the certificate when the Ingress names an issuer; without
# one, a TLS entry needs the Secret holding its certificate.
issuer_annotated(ingress) if ingress.annotations["cert-manager.io/cluster-issuer"] != ""

issuer_annotated(ingress) if ingress.annotations["cert-manager.io/issuer"] != ""

deny contains violation if {
	some ingress in input.facts.ingresses
	ingress.kind == "Ingress"
	some index, tls in ingress.tls
	tls.secretName == ""
	not issuer_annotated(ingress)
	message := sprintf("Ingress %s/%s has a TLS entry for %s with no secretName and no cert-manager.io/cluster-issuer annotation: no certificate will be served", [ingress.namespace, ingress.name, concat(", ", tls.hosts)])
	violation := {
		"msg": sprintf("%s: %s", [ingress.address, message]),
		"address": ingress.address,
		"path": sprintf("%s.tls[%d]", [ingress.path, index]),
		"message": message,
		"fix": "Set secret_name on the tls block and annotate the Ingress with cert-manager.io/cluster-issuer = \"letsencrypt-production\" so cert-manager issues the certificate into that Secret.",
	}
}

# Any reference to the chart: name, repo/name, OCI path, local folder, packaged .tgz.
traefik_chart(chart) if regex.match(`(^|/)traefik(-[0-9]+\.[0-9]+\.[0-9]+[-+0-9a-z.]*)?(\.tgz)?/?$`, lower(chart))

# Chart v38+ spells it ports.web.http.redirections.entryPoint, v34 to v37
# ports.web.redirections.entryPoint; older charts used ports.web.redirectTo (a string, later an
# object with a port).
redirects_to_websecure(values) if values.ports.web.http.redirections.entryPoint.to == "websecure"

redirects_to_websecure(values) if values.ports.web.redirections.entryPoint.to == "websecure"

# Chart v36+ moved it under ports.web.http.
redirects_to_websecure(values) if values.ports.web.http.redirections.entryPoint.to == "websecure"

# Or as Traefik's own static configuration flag.
redirects_to_websecure(values) if {
	some argument in values.additionalArguments
	regex.match(`^--entry[pP]oints\.web\.http\.redirections\.entry[pP]oint\.to=websecure$`, argument)
}

redirects_to_websecure(values) if values.ports.web.redirectTo == "websecure"

redirects_to_websecure(values) if values.ports.web.redirectTo.port == "websecure"

deny contains violation if {
	some resource in input.resources
	resource.type == "helm_release"
	not deleting(resource)
	traefik_chart(resource.helm.chart)
	not redirects_to_websecure(resource.helm.values)
	message := sprintf("Traefik release %s does not redirect the web entry point to websecure: plain HTTP requests are served", [resource.name])
	violation := {
		"msg": sprintf("%s: %s", [resource.address, message]),
		"address": resource.address,
		"path": "values.ports.web",
		"message": message,
		"fix": "Set ports.web.http.redirections.entryPoint.to = \"websecure\" and .scheme = \"https\" in the release's values (ports.web.redirections.entryPoint on charts before v38).",
	}
}
