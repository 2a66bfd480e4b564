# Kubernetes lets every pod reach every other pod until a NetworkPolicy selects it; a default
# deny per namespace makes each allowed path an explicit, reviewable policy.
package policies.network_default_deny

import rego.v1

metadata := {
	"id": "network-default-deny",
	"title": "Every namespace denies ingress by default",
	"severity": "error",
}

default_deny(namespace) if {
	some policy in input.facts.networkPolicies
	policy.namespace == namespace
	policy.selectsAllPods
	"Ingress" in policy.policyTypes
}

deny contains violation if {
	some namespace in input.facts.namespaces
	not default_deny(namespace.name)
	present := [policy.name | some policy in input.facts.networkPolicies; policy.namespace == namespace.name]
	message := sprintf("namespace \"%s\" has no NetworkPolicy that selects all its pods with policyTypes Ingress (its NetworkPolicies: %s)", [namespace.name, listed(present)])
	violation := {
		"msg": sprintf("%s: %s", [namespace.address, message]),
		"address": namespace.address,
		"message": message,
		"fix": sprintf("Add a kubernetes_network_policy_v1 in namespace \"%s\" with an empty pod_selector {} and policy_types = [\"Ingress\"] (and no ingress rule), then one policy per allowed path.", [namespace.name]),
	}
}

listed(names) := "none" if count(names) == 0

listed(names) := concat(", ", names) if count(names) > 0
