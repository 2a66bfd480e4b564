# Where Helm reads a pinned chart. A local archive wins over the repository in Helm's lookup, so
# with a folder mirror the upstream repository stays in the plan as is (policies see where the
# chart really comes from); an oci:// mirror has to replace the repository, from which Helm
# builds the reference.
locals {
  oci = var.mirror != null && startswith(coalesce(var.mirror, "-"), "oci://")
}
