# Kubernetes lets every pod reach every other pod until a NetworkPolicy selects it; a default
# deny per namespace makes each allowed path an explicit, reviewable policy.
package policies.network_default_deny

import rego.v1

metadata := {
	"id": "network-default-deny",
	"title": "Every namespace denies ingress by default",
	"severity": "error",
}

# A deny policy selects every pod, takes Ingress (declared, or implied when none is declared)
# and admits nothing: a policy with any ingress or egress rule is an allow, not a deny. The set
# is built once, so a large plan costs one pass over its policies.
denied_namespaces contains policy.namespace if {
	some policy in input.facts.networkPolicies
	policy.selectsAllPods
	"Ingress" in policy.effectivePolicyTypes
	policy.ingressRules == 0
	policy.egressRules == 0
}

default_deny(namespace) if namespace in denied_namespaces

# NetworkPolicies add up: one that admits every source to every pod undoes the deny.
deny contains violation if {
	some policy in input.facts.networkPolicies
	policy.selectsAllPods
	policy.admitsAllIngress
	message := sprintf("NetworkPolicy %s/%s admits ingress from every source to every pod of the namespace, which cancels its default deny", [policy.namespace, policy.name])
	violation := {
		"msg": sprintf("%s: %s", [policy.address, message]),
		"address": policy.address,
		"path": policy.path,
		"message": message,
		"fix": "Name the sources (a namespace_selector and pod_selector, e.g. Traefik in infra) and the ports in each ingress rule, and select only the pods that serve them.",
	}
}

deny contains violation if {
	some namespace in input.facts.namespaces
	not default_deny(namespace.name)
	present := object.get(namespace, "networkPolicyNames", [])
	message := sprintf("namespace \"%s\" has no deny policy: no NetworkPolicy that selects all its pods, takes Ingress and has no ingress or egress rule (its NetworkPolicies: %s)", [namespace.name, listed(present)])
	violation := {
		"msg": sprintf("%s: %s", [namespace.address, message]),
		"address": namespace.address,
		"path": namespace.path,
		"message": message,
		"fix": sprintf("Add a kubernetes_network_policy_v1 in namespace \"%s\" with an empty pod_selector {} and policy_types = [\"Ingress\"] (and no ingress rule), then one policy per allowed path.", [namespace.name]),
	}
}

listed(names) := "none" if count(names) == 0

listed(names) := concat(", ", names) if count(names) > 0
