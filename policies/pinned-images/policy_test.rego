package policies.pinned_images_test

import rego.v1

import data.policies.pinned_images

workload(image) := {"facts": {"workloads": [{"address": "x.w", "kind": "Deployment", "namespace": "apps", "name": "w", "containers": [{"name": "c", "image": image, "init": false, "path": "p"}]}]}, "resources": []}

test_unpinned_forms if {
	every image in ["nginx", "nginx:latest", "nginx:LATEST", "nginx:stable", "ghcr.io/x/y:main", "registry.internal:5000/app", "localhost:5000/app:edge"] {
		count(pinned_images.deny) == 1 with input as workload(image)
	}
}

test_pinned_forms if {
	every image in ["nginx:1.27.3", "registry.internal:5000/app:1.2", "postgres@sha256:37f7b378a29ceb4c551b1b5582e27747b855bbfaa73fa11914fe0df028dc581f", "nginx:latest@sha256:37f7b378a29ceb4c551b1b5582e27747b855bbfaa73fa11914fe0df028dc581f"] {
		count(pinned_images.deny) == 0 with input as workload(image)
	}
}

test_image_objects_under_any_key if {
	r := {"facts": {"workloads": []}, "resources": [{"address": "helm_release.r", "helm": {"values": {"sidecarImage": {"repository": "x/y", "tag": "nightly"}, "images": {"server": {"repository": "x/z", "tag": ""}}}}}]}
	count(pinned_images.deny) == 2 with input as r
}
