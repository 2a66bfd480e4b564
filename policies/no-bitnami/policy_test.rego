package policies.no_bitnami_test

import rego.v1

import data.policies.no_bitnami

workload(image) := {"facts": {"workloads": [{"address": "x.w", "kind": "Deployment", "namespace": "apps", "name": "w", "containers": [{"name": "c", "image": image, "path": "p"}]}]}, "resources": []}

test_registry_hosts_and_namespace_variants if {
	every image in ["bitnami/redis:7", "docker.io/bitnami/redis:7", "registry-1.docker.io/bitnamicharts/redis:7", "public.ecr.aws/bitnami/redis:7", "mirror.gcr.io/bitnamilegacy/redis:7", "gcr.io/bitnami-containers/redis:7", "quay.io/bitnamisecure/redis:7", "DOCKER.IO/BITNAMI/REDIS:7"] {
		count(no_bitnami.deny) == 1 with input as workload(image)
	}
}

test_bitnami_tag_scheme_on_any_name if {
	count(no_bitnami.deny) == 1 with input as workload("harbor.example.org/cache/redis:7.4.2-debian-12-r5")
}

test_official_images_pass if {
	every image in ["redis:7.4.2", "valkey/valkey:8.1.3", "docker.io/library/postgres:17.6", "ghcr.io/example/notbitnami:1.0-alpine"] {
		count(no_bitnami.deny) == 0 with input as workload(image)
	}
}

release(values, deps, chart) := {"facts": {"workloads": []}, "resources": [{"address": "helm_release.r", "type": "helm_release", "actions": ["create"], "values": {"chart": chart, "repository": ""}, "helm": {"chart": chart, "values": values, "manifests": [], "dependencies": deps}}]}

test_chart_values_anywhere if {
	count(no_bitnami.deny) == 1 with input as release({"cache": {"image": {"registry": "docker.io", "repository": "bitnamilegacy/redis"}}}, [], "app")
}

test_bundled_subchart_must_be_disabled if {
	dep := [{"name": "redis", "repository": "oci://registry-1.docker.io/bitnamicharts", "condition": "redis.enabled", "library": false}]
	count(no_bitnami.deny) == 1 with input as release({}, dep, "app")
	count(no_bitnami.deny) == 0 with input as release({"redis": {"enabled": false}}, dep, "app")
}

test_upstream_charts_known_to_bundle if {
	count(no_bitnami.deny) == 3 with input as release({}, [], "oci://ghcr.io/mailu/helm-charts/mailu")
	count(no_bitnami.deny) == 0 with input as release({"redis": {"enabled": false}, "postgresql": {"enabled": false}, "mariadb": {"enabled": false}}, [], "/mirror/nextcloud-9.2.4.tgz")
}

test_chart_repository_and_source if {
	count(no_bitnami.deny) == 1 with input as {"facts": {"workloads": []}, "resources": [], "helmSources": [{"address": "helm_release.r", "strings": [{"path": "repository", "text": "https://charts.bitnami.com/bitnami", "at": "main.tf:3"}]}]}
}

test_percent_encoded_repository if {
	count(no_bitnami.deny) == 1 with input as {"facts": {"workloads": []}, "resources": [{"address": "helm_release.r", "type": "helm_release", "actions": ["create"], "values": {"chart": "redis", "repository": "https://charts.%62itnami.com/%62itnami"}, "helm": {"chart": "redis", "values": {}, "manifests": []}}]}
}

config_map(text) := {"facts": {"workloads": []}, "resources": [{"address": "kubernetes_config_map_v1.c", "type": "kubernetes_config_map_v1", "actions": ["create"], "values": {"data": {"mirror": text}}}]}

# Any one letter encoded, in either hex case, anywhere a string of the plan sits.
test_each_encoded_letter_in_any_value if {
	every text in ["oci://registry-1.docker.io%2F%62itnamicharts%2Fredis", "docker.io/b%69tnami/redis:7", "docker.io/bi%74nami/redis:7", "docker.io/bit%6Eami/redis:7", "docker.io/bitn%61mi/redis:7", "docker.io/bitna%6di/redis:7", "docker.io/bitnam%69/redis:7", "registry.app-catalog.vmw%61re.com/redis:7", "%2Fbitnami%2Fredis"] {
		count(no_bitnami.deny) == 1 with input as config_map(text)
	}
}

# Any letter case, in the plain name, VMware's catalogue and an encoded letter alike; İ lowers to i.
test_any_case_in_any_value if {
	every text in ["Docker.IO/BitNami/redis:7", "REGISTRY.APP-CATALOG.VMWARE.COM/redis:7", "docker.io/BIT%6Eami/redis:7", "OCI://REGISTRY-1.DOCKER.IO%2F%62ITNAMICHARTS%2FREDIS", "docker.io/B\u0130TNAM\u0130/redis:7"] {
		count(no_bitnami.deny) == 1 with input as config_map(text)
	}
}

# Percent signs that encode no letter of the name are not Bitnami (a script's printf).
test_other_percent_text_passes if {
	every text in ["printf '%s\\n' \"$*\"", "100%", "https://example.org/a%2Fb%20c"] {
		count(no_bitnami.deny) == 0 with input as config_map(text)
	}
}
