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

unpinned(image) := sprintf("uses the moving tag %s", [tag]) if {
	not contains(image, "@")
	parts := split(last_segment(image), ":")
	count(parts) == 2
	tag := parts[1]
	lower(tag) in moving_tags
}

# Tags that registries move on every release by convention.
moving_tags := {"latest", "stable", "edge", "nightly", "main", "master", "dev", "develop", "rolling", "current", "release", "lts", "mainline", "unstable", "testing", "canary"}

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
		"path": container.path,
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
		"path": sprintf("values.%s", [dotted(path)]),
		"message": message,
		"fix": fix(image),
	}
}

# An image object under any key (image, initImage, sidecar.image, images.server, ...): a
# repository with a tag that is empty or moving, and no digest.
deny contains violation if {
	some resource in input.resources
	walk(resource.helm.values, [path, image])
	is_object(image)
	is_string(image.repository)
	tag := object.get(image, "tag", "")
	is_string(tag)
	unpinned_tag(tag)
	object.get(image, "digest", "") == ""
	not contains(image.repository, "@")
	message := sprintf("Helm value %s.tag = \"%s\" leaves %s unpinned", [dotted(path), tag, image.repository])
	violation := {
		"msg": sprintf("%s: %s", [resource.address, message]),
		"address": resource.address,
		"path": sprintf("values.%s.tag", [dotted(path)]),
		"message": message,
		"fix": sprintf("Set %s.tag to a released version of %s (or %s.digest to its sha256:... digest); an empty tag falls back to whatever the chart defaults to.", [dotted(path), image.repository, dotted(path)]),
	}
}

unpinned_tag(tag) if tag == ""

unpinned_tag(tag) if lower(tag) in moving_tags

dotted(path) := concat(".", [segment | some p in path; segment := format_key(p)])

format_key(key) := key if is_string(key)

format_key(key) := format_int(key, 10) if is_number(key)
