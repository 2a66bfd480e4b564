# Where Helm reads the chart, for every mirror form, and the inputs refused.
variables {
  chart = { repository = "https://mailu.github.io/helm-charts", chart = "mailu", version = "2.7.1" }
}

run "upstream_without_a_mirror" {
  assert {
    condition     = output.repository == "https://mailu.github.io/helm-charts" && output.chart == "mailu" && output.version == "2.7.1"
    error_message = "No mirror: the upstream repository and the chart's name."
  }
}

run "a_folder_mirror_serves_the_archive_and_keeps_the_repository" {
  variables {
    mirror = "/work/mirrors/charts"
  }
  assert {
    condition     = output.repository == "https://mailu.github.io/helm-charts" && output.chart == "/work/mirrors/charts/mailu-2.7.1.tgz"
    error_message = "A folder mirror: <mirror>/<chart>-<version>.tgz, the repository unchanged."
  }
}

run "an_oci_mirror_replaces_the_repository" {
  variables {
    mirror = "oci://registry.example.org/charts"
  }
  assert {
    condition     = output.repository == "oci://registry.example.org/charts" && output.chart == "mailu"
    error_message = "An oci:// mirror replaces the repository; the chart keeps its name."
  }
}

run "rejects_a_relative_or_slash_ended_mirror" {
  command = plan
  variables {
    mirror = "mirrors/charts/"
  }
  expect_failures = [var.mirror]
}

run "rejects_a_plain_http_repository" {
  command = plan
  variables {
    chart = { repository = "http://charts.example.org", chart = "mailu", version = "2.7.1" }
  }
  expect_failures = [var.chart]
}
