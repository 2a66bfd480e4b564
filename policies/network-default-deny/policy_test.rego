package policies.network_default_deny_test

import rego.v1

import data.policies.network_default_deny

ns := {"address": "n", "name": "apps", "path": "metadata[0]"}

policy(types, ingress, egress, all) := {"address": "p", "name": "deny", "namespace": "apps", "path": "spec[0]", "selectsAllPods": all, "effectivePolicyTypes": types, "ingressRules": ingress, "egressRules": egress, "admitsAllIngress": false}

test_a_deny_has_no_rules if {
	count(network_default_deny.deny) == 0 with input as {"facts": {"namespaces": [ns], "networkPolicies": [policy(["Ingress", "Egress"], 0, 0, true)]}}
	count(network_default_deny.deny) == 1 with input as {"facts": {"namespaces": [ns], "networkPolicies": [policy(["Ingress"], 1, 0, true)]}}
	count(network_default_deny.deny) == 1 with input as {"facts": {"namespaces": [ns], "networkPolicies": [policy(["Ingress", "Egress"], 0, 1, true)]}}
}

test_a_deny_selects_every_pod_and_takes_ingress if {
	count(network_default_deny.deny) == 1 with input as {"facts": {"namespaces": [ns], "networkPolicies": [policy(["Ingress"], 0, 0, false)]}}
	count(network_default_deny.deny) == 1 with input as {"facts": {"namespaces": [ns], "networkPolicies": [policy(["Egress"], 0, 0, true)]}}
	count(network_default_deny.deny) == 1 with input as {"facts": {"namespaces": [ns], "networkPolicies": []}}
}

test_an_allow_all_cancels_the_deny if {
	open := object.union(policy(["Ingress"], 1, 0, true), {"admitsAllIngress": true, "name": "open"})
	count(network_default_deny.deny) == 1 with input as {"facts": {"namespaces": [ns], "networkPolicies": [policy(["Ingress", "Egress"], 0, 0, true), open]}}
}
