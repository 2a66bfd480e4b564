# Requests are what the scheduler packs nodes by and a memory limit is what stops one leaking
# pod from pushing its neighbours out of memory; on a small node pool both are the budget.
package policies.resources_set

import rego.v1

metadata := {
	"id": "resources-set",
	"title": "Containers declare requests and a memory limit",
	"severity": "error",
}

required := [
	{"label": "cpu request", "section": "requests", "resource": "cpu"},
	{"label": "memory request", "section": "requests", "resource": "memory"},
	{"label": "memory limit", "section": "limits", "resource": "memory"},
]

declared(container, need) if object.get(container[need.section], need.resource, "") != ""

# Kubernetes defaults a missing request to the limit, so a limit alone also sets the request.
declared(container, need) if {
	need.section == "requests"
	object.get(container.limits, need.resource, "") != ""
}

deny contains violation if {
	some workload in input.facts.workloads
	some container in workload.containers
	missing := [need.label | some need in required; not declared(container, need)]
	count(missing) > 0
	kind := {true: "init container", false: "container"}[container.init]
	message := sprintf("%s \"%s\" of %s %s/%s declares no %s", [kind, container.name, workload.kind, workload.namespace, workload.name, concat(", ", missing)])
	violation := {
		"msg": sprintf("%s: %s", [workload.address, message]),
		"address": workload.address,
		"path": container.path,
		"message": message,
		"fix": sprintf("Set the %s of %s \"%s\" in its resources block, sized from observed use (e.g. requests = { cpu = \"100m\", memory = \"256Mi\" }, limits = { memory = \"512Mi\" }).", [concat(", ", missing), kind, container.name]),
	}
}
