/**
 * The name of the chart a helm_release installs, however it is referenced: by name from a
 * repository ("mailu"), as a mirror archive ("/mirror/mailu-2.7.1.tgz"), as an OCI reference
 * ("oci://ghcr.io/mailu/mailu") or as a chart folder ("./charts/mailu/"). Rules that look for
 * a particular chart compare this, so PLATFORM_CHART_MIRROR never hides a chart from them.
 */
export function chartName(chart: string): string {
  const last = chart.replace(/\/+$/, "").split("/").pop() ?? "";
  return last.replace(/\.tgz$/, "").replace(/-v?\d+\.\d+\.\d+[^/]*$/, "");
}
