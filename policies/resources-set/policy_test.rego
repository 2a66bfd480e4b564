package policies.resources_set_test

import rego.v1

import data.policies.resources_set

workload(requests, limits) := {"facts": {"workloads": [{"address": "x.w", "kind": "DaemonSet", "namespace": "apps", "name": "w", "containers": [{"name": "c", "image": "i:1", "init": true, "path": "p", "requests": requests, "limits": limits}]}]}}

test_missing_each_part if {
	count(resources_set.deny) == 1 with input as workload({}, {})
	count(resources_set.deny) == 1 with input as workload({"cpu": "10m", "memory": "16Mi"}, {})
	count(resources_set.deny) == 1 with input as workload({"memory": "16Mi"}, {"memory": "32Mi"})
	count(resources_set.deny) == 1 with input as workload({"cpu": "", "memory": "16Mi"}, {"memory": "32Mi"})
}

test_limits_imply_requests if {
	count(resources_set.deny) == 0 with input as workload({}, {"cpu": "100m", "memory": "64Mi"})
	count(resources_set.deny) == 0 with input as workload({"cpu": "10m", "memory": "16Mi"}, {"memory": "32Mi"})
}
