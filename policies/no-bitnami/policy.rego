# The owner's rule: upstream or official charts and images only, never Bitnami. The reason is
# the licence of what gets deployed (see README.md): so every spelling counts, on any registry
# host, in any form a chart, an image or a value can take.
package policies.no_bitnami

import rego.v1

metadata := {
	"id": "no-bitnami",
	"title": "No Bitnami images or charts",
	"severity": "error",
}

# A path segment or host label that is a Bitnami namespace or repository: bitnami,
# bitnamilegacy, bitnamicharts, bitnamisecure, bitnami-labs, ... on any registry or host
# (docker.io, registry-1.docker.io, public.ecr.aws, gcr.io mirrors, charts.bitnami.com), plus
# the Tanzu Application Catalog, Bitnami's commercial registry.
bitnami_reference(text) if regex.match(`(^|[/.:@\s"'=])bitnami[a-z0-9-]*([/.:@\s"']|$)|app-catalog\.vmware\.com`, text)

# Bitnami's own tag scheme (7.4.2-debian-12-r5) gives a re-hosted copy away under any name.
bitnami_tag(text) if regex.match(`^[^\s]+:[0-9][\w.]*-(debian|photon|ubuntu|ol|rhel)-[0-9]+-r[0-9]+$`, text)

# Cheap tests first: most strings of a plan never mention it, and each is lowered once.
bitnami(text) if {
	lowered := lower(text)
	regex.match(marker, lowered)
	bitnami_reference(percent_decoded(lowered))
}

# What lowered text must hold to decode to a Bitnami reference: the name, VMware's catalogue,
# or a percent-encoded letter of "bitnami" (%62itnami, bitn%61mi). Decoding yields no other
# letter (only /, : and .), so text without one of these cannot name Bitnami once decoded; a
# shell script's printf '%s' is not walked for nothing. One regex pass, not one scan per marker.
marker := `bitnami|vmware|%(6[129de]|74)`

# Percent-encoded letters of a chart URL (%62itnami); opa-wasm has no urlquery.decode.
percent_decoded(text) := replace(replace(replace(replace(replace(replace(replace(replace(replace(text, "%62", "b"), "%69", "i"), "%74", "t"), "%6e", "n"), "%61", "a"), "%6d", "m"), "%2f", "/"), "%3a", ":"), "%2e", ".")

# One serialisation per value tree: most resources never mention Bitnami, and are not walked.
# Matched case-blind rather than lowered, which would copy every resource's text once more. The
# one character lower() folds into the marker and re2's (?i) does not is İ (U+0130, lowered to
# i), so the case-blind marker names it; no other non-ASCII character lowers to ASCII but K.
mentions_bitnami(value) if regex.match(marker_any_case, json.marshal(value))

marker_any_case := concat("", ["(?i)", replace(marker, "i", "[iİ]")])

bitnami_image(image) if bitnami(image)

bitnami_image(image) if bitnami_tag(lower(image))

image_fix := "Use the project's official image (e.g. postgres, mariadb, valkey/valkey) pinned to a version tag."

chart_fix := "Install the upstream project's own chart, pinned to a version; where it bundles a Bitnami subchart, disable it (<subchart>.enabled = false) and point the chart at the platform's own service."

finding(address, path, message, fix) := {
	"msg": sprintf("%s: %s", [address, message]),
	"address": address,
	"path": path,
	"message": message,
	"fix": fix,
}

deleting(resource) if resource.actions == ["delete"]

# Every container of every workload, in every kind and source the facts layer reads.
deny contains finding(workload.address, container.path, message, image_fix) if {
	some workload in input.facts.workloads
	some container in workload.containers
	bitnami_image(container.image)
	message := sprintf("container \"%s\" of %s %s/%s runs the Bitnami image \"%s\"", [container.name, workload.kind, workload.namespace, workload.name, container.image])
}

# Any other string of a resource that names a Bitnami image or repository (a ConfigMap, a
# kubernetes_manifest of a kind the facts do not read, an operator's image field).
deny contains finding(resource.address, concat(".", [format_key(p) | some p in path]), message, image_fix) if {
	some resource in input.resources
	resource.type != "helm_release"
	not deleting(resource)
	mentions_bitnami(resource.values)
	walk(resource.values, [path, text])
	is_string(text)
	bitnami(text)
	not container_field(path)
	message := sprintf("names the Bitnami reference \"%s\"", [text])
}

# Containers are reported once, by the facts rule above.
container_field(path) if {
	path[count(path) - 1] == "image"
	some segment in path
	segment in {"container", "init_container", "ephemeral_container", "containers", "initContainers", "ephemeralContainers"}
}

deny contains finding(resource.address, field, message, chart_fix) if {
	some resource in input.resources
	resource.type == "helm_release"
	not deleting(resource)
	some field in ["repository", "chart"]
	text := object.get(resource.values, field, "")
	is_string(text)
	bitnami(text)
	message := sprintf("chart %s \"%s\" is Bitnami's", [field, text])
}

# Values, wherever they come from (values YAML, set, set_list, set_sensitive): the merged tree.
deny contains finding(resource.address, concat(".", ["values", dotted(path)]), message, chart_fix) if {
	some resource in input.resources
	resource.type == "helm_release"
	not deleting(resource)
	mentions_bitnami(resource.helm.values)
	walk(resource.helm.values, [path, text])
	is_string(text)
	bitnami(text)
	message := sprintf("Helm value %s = \"%s\" names a Bitnami image or repository", [dotted(path), text])
}

# What the chart renders: every string of every rendered object (containers come via the facts).
deny contains finding(resource.address, sprintf("manifest(%s/%s).%s", [rendered.kind, object.get(object.get(rendered, "metadata", {}), "name", ""), dotted(path)]), message, image_fix) if {
	some resource in input.resources
	resource.type == "helm_release"
	not deleting(resource)
	some rendered in resource.helm.manifests
	mentions_bitnami(rendered)
	walk(rendered, [path, text])
	is_string(text)
	bitnami(text)
	not container_field(path)
	message := sprintf("the chart renders %s %s naming \"%s\"", [rendered.kind, object.get(object.get(rendered, "metadata", {}), "name", ""), text])
}

# A chart's own Chart.yaml (on disk) declaring a Bitnami subchart that the values leave on.
deny contains finding(resource.address, concat(".", ["values", dependency.condition]), message, chart_fix) if {
	some resource in input.resources
	resource.type == "helm_release"
	not deleting(resource)
	some dependency in resource.helm.dependencies
	not dependency.library
	bitnami(dependency.repository)
	not disabled(resource.helm.values, dependency.condition)
	message := sprintf("the chart bundles Bitnami's %s subchart (%s), and the release does not set %s = false", [dependency.name, dependency.repository, condition_or_name(dependency)])
}

# Upstream charts known to bundle Bitnami subcharts (their Chart.yaml declares them with these
# conditions). Mailu's also declares Bitnami's "common", a library chart that deploys nothing.
bundled := {
	"mailu": [{"name": "redis", "condition": "redis.enabled"}, {"name": "postgresql", "condition": "postgresql.enabled"}, {"name": "mariadb", "condition": "mariadb.enabled"}],
	"nextcloud": [{"name": "postgresql", "condition": "postgresql.enabled"}, {"name": "mariadb", "condition": "mariadb.enabled"}, {"name": "redis", "condition": "redis.enabled"}],
}

deny contains finding(resource.address, concat(".", ["values", dependency.condition]), message, chart_fix) if {
	some resource in input.resources
	resource.type == "helm_release"
	not deleting(resource)
	some dependency in bundled[chart_name(resource.helm.chart)]
	not disabled(resource.helm.values, dependency.condition)
	message := sprintf("chart %s bundles Bitnami's %s subchart, and the release does not set %s = false: every bundled Bitnami subchart must be disabled explicitly", [chart_name(resource.helm.chart), dependency.name, dependency.condition])
}

# The HCL of every helm_release, so a Bitnami chart is named even when the plan cannot fetch it.
deny contains finding(source.address, entry.at, message, chart_fix) if {
	some source in input.helmSources
	some entry in source.strings
	bitnami(entry.text)
	message := sprintf("the source of %s names Bitnami (%s: \"%s\")", [source.address, entry.path, first_line(entry.text)])
}

first_line(text) := trim_space(split(text, "\n")[0]) if not bitnami_line(text)

first_line(text) := line if {
	lines := [trim_space(line) | some line in split(text, "\n"); bitnami(line)]
	line := lines[0]
}

bitnami_line(text) if {
	some line in split(text, "\n")
	bitnami(line)
	contains(text, "\n")
}

disabled(values, condition) if {
	walk(values, [path, value])
	concat(".", [format_key(p) | some p in path]) == condition
	value == false
}

disabled(values, condition) if {
	walk(values, [path, value])
	concat(".", [format_key(p) | some p in path]) == condition
	value == "false"
}

condition_or_name(dependency) := dependency.condition if dependency.condition != ""

condition_or_name(dependency) := sprintf("%s.enabled", [dependency.name]) if dependency.condition == ""

# oci://host/path/mailu, repo/mailu, ./charts/mailu, mailu-2.7.1.tgz -> mailu
chart_name(chart) := name if {
	parts := split(trim_right(lower(chart), "/"), "/")
	base := trim_suffix(parts[count(parts) - 1], ".tgz")
	words := split(base, "-")
	versions := [i | some i, word in words; regex.match(`^[0-9]+\.[0-9]+`, word)]
	name := without_version(words, versions)
}

without_version(words, versions) := concat("-", words) if count(versions) == 0

without_version(words, versions) := concat("-", array.slice(words, 0, min(versions))) if count(versions) > 0

dotted(path) := concat(".", [format_key(p) | some p in path])

format_key(key) := key if is_string(key)

format_key(key) := format_int(key, 10) if is_number(key)
