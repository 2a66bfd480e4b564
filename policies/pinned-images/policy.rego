# A tag other than latest, or a digest, is what makes a plan say which code will run: a bare
# name or latest changes under the same plan whenever the registry moves it.
package policies.pinned_images

import rego.v1

metadata := {
	"id": "pinned-images",
	"title": "Images are pinned to a tag or digest",
	"severity": "error",
}

# The tag is looked for after the last "/", so a registry port (registry:5000/app) is not one.
unpinned(image) := "has no tag or digest" if {
	not contains(image, "@")
	not contains(last_segment(image), ":")
}

unpinned(image) := "uses the tag latest" if {
	not contains(image, "@")
	endswith(last_segment(image), ":latest")
}

last_segment(image) := segment if {
	segments := split(image, "/")
	segment := segments[count(segments) - 1]
}

fix(image) := sprintf("Pin \"%s\" to a released version tag (e.g. postgres:17.6) or to a digest (...@sha256:...), and bump it deliberately.", [image])

deny contains violation if {
	some workload in input.facts.workloads
	some container in workload.containers

	# An image known only after apply is empty in the plan: nothing to judge yet.
	container.image != ""
	problem := unpinned(container.image)
	kind := {true: "init container", false: "container"}[container.init]
	message := sprintf("%s \"%s\" of %s %s/%s: image \"%s\" %s", [kind, container.name, workload.kind, workload.namespace, workload.name, container.image, problem])
	violation := {
		"msg": sprintf("%s: %s", [workload.address, message]),
		"address": workload.address,
		"message": message,
		"fix": fix(container.image),
	}
}

# Helm values name images before any manifest is rendered, so a release is judged even when
# the provider's manifest experiment is off.
deny contains violation if {
	some resource in input.resources
	walk(resource.helm.values, [path, image])
	path[count(path) - 1] == "image"
	is_string(image)
	problem := unpinned(image)
	message := sprintf("Helm value %s = \"%s\" %s", [dotted(path), image, problem])
	violation := {
		"msg": sprintf("%s: %s", [resource.address, message]),
		"address": resource.address,
		"message": message,
		"fix": fix(image),
	}
}

deny contains violation if {
	some resource in input.resources
	walk(resource.helm.values, [path, image])
	path[count(path) - 1] == "image"
	image.repository
	tag := image.tag
	tag in {"", "latest"}
	object.get(image, "digest", "") == ""
	message := sprintf("Helm value %s.tag = \"%s\" leaves %s unpinned", [dotted(path), tag, image.repository])
	violation := {
		"msg": sprintf("%s: %s", [resource.address, message]),
		"address": resource.address,
		"message": message,
		"fix": sprintf("Set %s.tag to a released version of %s (or %s.digest to its sha256:... digest); an empty tag falls back to whatever the chart defaults to.", [dotted(path), image.repository, dotted(path)]),
	}
}

dotted(path) := concat(".", [segment | some p in path; segment := format_key(p)])

format_key(key) := key if is_string(key)

format_key(key) := format_int(key, 10) if is_number(key)
