# The owner's rule: upstream or official charts and images only, never Bitnami (its public
# catalogue moved behind a subscription in 2025 and the legacy copies get no updates).
package policies.no_bitnami

import rego.v1

metadata := {
	"id": "no-bitnami",
	"title": "No Bitnami images or charts",
	"severity": "error",
}

# Matches docker.io/bitnami/x, bitnami/x, registry/bitnamilegacy/x, and chart URLs or OCI
# paths with a bitnami segment.
bitnami(reference) if regex.match(`(^|[/.:@\s])bitnami(legacy|charts)?([/.:\s]|$)`, lower(reference))

deny contains violation if {
	some resource in input.resources
	walk(resource.values, [path, image])
	path[count(path) - 1] == "image"
	is_string(image)
	bitnami(image)
	message := sprintf("container image \"%s\" is a Bitnami image", [image])
	violation := {
		"msg": sprintf("%s: %s", [resource.address, message]),
		"address": resource.address,
		"message": message,
		"fix": "Use the project's official image (e.g. postgres, mariadb, valkey/valkey) pinned to a version tag.",
	}
}

deny contains violation if {
	some resource in input.resources
	resource.type == "helm_release"
	source := concat(" ", [object.get(resource.values, "repository", ""), object.get(resource.values, "chart", "")])
	bitnami(source)
	message := sprintf("chart \"%s\" comes from Bitnami", [trim_space(source)])
	violation := {
		"msg": sprintf("%s: %s", [resource.address, message]),
		"address": resource.address,
		"message": message,
		"fix": "Install the upstream project's own chart, pinned to a version, and disable any Bitnami subchart it ships.",
	}
}
