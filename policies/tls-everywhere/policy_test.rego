package policies.tls_everywhere_test

import rego.v1

import data.policies.tls_everywhere

ingress(hosts, tls, annotations) := {"facts": {"ingresses": [{"address": "i", "kind": "Ingress", "name": "w", "namespace": "apps", "path": "spec[0]", "hosts": hosts, "tlsHosts": [h | some t in tls; some h in t.hosts], "tls": tls, "annotations": annotations}]}, "resources": []}

test_every_host_needs_tls if {
	count(tls_everywhere.deny) == 1 with input as ingress(["a.example.org"], [], {})
	count(tls_everywhere.deny) == 1 with input as ingress(["a.example.org", "b.example.org"], [{"hosts": ["a.example.org"], "secretName": "s"}], {})
	count(tls_everywhere.deny) == 0 with input as ingress(["a.example.org", "b.example.org"], [{"hosts": ["*.example.org"], "secretName": "s"}], {})
}

test_tls_needs_a_secret_or_an_issuer if {
	count(tls_everywhere.deny) == 1 with input as ingress(["a.example.org"], [{"hosts": ["a.example.org"], "secretName": ""}], {})
	count(tls_everywhere.deny) == 0 with input as ingress(["a.example.org"], [{"hosts": ["a.example.org"], "secretName": ""}], {"cert-manager.io/cluster-issuer": "letsencrypt-production"})
}

traefik(chart, values) := {"facts": {"ingresses": []}, "resources": [{"address": "helm_release.t", "name": "t", "type": "helm_release", "actions": ["create"], "helm": {"chart": chart, "values": values}}]}

test_traefik_redirect_spellings if {
	count(tls_everywhere.deny) == 1 with input as traefik("/mirror/traefik-41.0.0.tgz", {})
	count(tls_everywhere.deny) == 0 with input as traefik("oci://ghcr.io/traefik/helm/traefik", {"ports": {"web": {"http": {"redirections": {"entryPoint": {"to": "websecure"}}}}}})
	count(tls_everywhere.deny) == 0 with input as traefik("traefik/traefik", {"additionalArguments": ["--entryPoints.web.http.redirections.entryPoint.to=websecure"]})
}
