variable "chart" {
  description = "The pinned upstream chart (as versions.json's charts section holds it): repository (https:// or oci://), chart name and version."
  type = object({
    repository = string
    chart      = string
    version    = string
  })

  validation {
    condition     = can(regex("^(https|oci)://[^\\s]+[^\\s/]$", var.chart.repository)) && can(regex("^[a-z0-9][a-z0-9-]*$", var.chart.chart)) && can(regex("^v?[0-9]+\\.[0-9]+\\.[0-9]+$", var.chart.version))
    error_message = "chart needs an https:// or oci:// repository without a trailing slash, a chart name and a version such as 2.7.1."
  }
}

variable "mirror" {
  description = "Where Helm reads the chart instead of its repository: a folder of <chart>-<version>.tgz or an oci:// registry (PLATFORM_CHART_MIRROR, checked by the harness). null reads upstream."
  type        = string
  default     = null

  validation {
    condition     = var.mirror == null || can(regex("^(oci://[^\\s]+[^\\s/]|/[^\\s]*[^\\s/])$", coalesce(var.mirror, "-")))
    error_message = "mirror must be an absolute folder path or an oci://host/path reference, without a trailing slash."
  }
}
