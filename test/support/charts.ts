import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll } from "vitest";
import { stringify } from "yaml";

/**
 * The charts test fixtures render, written into a temporary folder on first use, so the
 * repository tracks no chart material. Each is this repository's own minimal chart; the ones
 * named like upstream charts (mailu, traefik) exist because rules know those charts by name.
 * Fixtures that use them declare `variable "charts_dir"`, which fixtureInput fills.
 */

/** Renders every object listed in `.Values.objects`, as written. */
const listedObjects = "{{- range .Values.objects }}\n---\n{{ toYaml . }}\n{{- end }}\n";

/**
 * Mailu's objects that mail-safety reads (the -envvars ConfigMap, the front Deployment, its
 * external Service), rendered from the same value keys as the official chart 2.7.1.
 */
const mailuFront = `{{- $ports := dict "pop3" 110 "pop3s" 995 "imap" 143 "imaps" 993 "smtp" 25 "smtps" 465 "submission" 587 "manageSieve" 4190 }}
{{- $ext := .Values.front.externalService }}
{{- $proxied := list }}
{{- if $ext.enabled }}
{{- range $name, $port := $ports }}
{{- if and (index $ext.ports $name) (index $.Values.ingress.proxyProtocol $name) }}
{{- $proxied = append $proxied (toString $port) }}
{{- end }}
{{- end }}
{{- end }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-envvars
data:
  DOMAIN: {{ .Values.domain | quote }}
  HOSTNAMES: {{ join "," .Values.hostnames | quote }}
  SUBNET: {{ .Values.subnet | quote }}
  {{- with .Values.subnet6 }}
  SUBNET6: {{ . | quote }}
  {{- end }}
  {{- with .Values.externalRelay.networks }}
  RELAYNETS: {{ join "," . | quote }}
  {{- end }}
  {{- with .Values.ingress.realIpFrom }}
  REAL_IP_FROM: {{ . | quote }}
  {{- end }}
  {{- with .Values.ingress.realIpHeader }}
  REAL_IP_HEADER: {{ . | quote }}
  {{- end }}
  {{- with .Values.proxyAuth.whitelist }}
  PROXY_AUTH_WHITELIST: {{ . | quote }}
  {{- end }}
  {{- if $ext.enabled }}
  PROXY_PROTOCOL: {{ join "," $proxied | quote }}
  {{- end }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-front
spec:
  selector:
    matchLabels: { app.kubernetes.io/component: front }
  template:
    metadata:
      labels: { app.kubernetes.io/component: front }
    spec:
      containers:
        - name: front
          image: ghcr.io/mailu/nginx:{{ .Chart.AppVersion }}
          envFrom:
            - configMapRef: { name: {{ .Release.Name }}-envvars }
          {{- with .Values.front.extraEnvVars }}
          env: {{- toYaml . | nindent 12 }}
          {{- end }}
          resources:
            requests: { cpu: 10m, memory: 32Mi }
            limits: { memory: 64Mi }
{{- if $ext.enabled }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}-front-ext
spec:
  type: {{ $ext.type }}
  {{- if ne $ext.type "ClusterIP" }}
  externalTrafficPolicy: {{ $ext.externalTrafficPolicy }}
  {{- end }}
  selector: { app.kubernetes.io/component: front }
  ports:
    {{- range $name, $port := $ports }}
    {{- if index $ext.ports $name }}
    - { name: {{ lower $name }}, port: {{ $port }}, protocol: TCP }
    {{- end }}
    {{- end }}
{{- end }}
`;

/** The official Mailu chart's defaults for the keys mailuFront reads. */
const mailuDefaults = {
  objects: [],
  subnet: "10.42.0.0/16",
  subnet6: "",
  hostnames: ["mail.example.org"],
  domain: "example.org",
  externalRelay: { networks: [] },
  proxyAuth: { whitelist: "" },
  ingress: { realIpHeader: "X-Forwarded-For", realIpFrom: "", proxyProtocol: {} },
  front: {
    extraEnvVars: [],
    externalService: {
      enabled: false,
      type: "ClusterIP",
      externalTrafficPolicy: "Local",
      ports: { pop3: false, pop3s: true, imap: false, imaps: true, smtp: true, smtps: true, submission: false, manageSieve: true },
    },
  },
};

type Files = Record<string, string>;

const chart = (name: string, extra: Record<string, unknown> = {}): string => stringify({ apiVersion: "v2", name, type: "application", version: "0.1.0", ...extra });

/** Each chart as its files, relative to the chart's folder. */
const fixtureCharts: Record<string, Files> = {
  objects: { "Chart.yaml": chart("objects", { appVersion: "0.1.0" }), "values.yaml": stringify({ objects: [] }), "templates/objects.yaml": listedObjects },
  traefik: { "Chart.yaml": chart("traefik"), "values.yaml": stringify({ objects: [] }), "templates/objects.yaml": listedObjects },
  mailu: {
    "Chart.yaml": chart("mailu", { appVersion: "2024.06.51" }),
    "values.yaml": stringify(mailuDefaults),
    "templates/objects.yaml": listedObjects,
    "templates/front.yaml": mailuFront,
  },
  // Bundles a subchart the way upstream charts bundle Bitnami's: declared with a Bitnami
  // repository and a condition, shipped under charts/.
  bundles: {
    "Chart.yaml": chart("bundles", { dependencies: [{ name: "redis", version: "0.1.0", repository: "oci://registry-1.docker.io/bitnamicharts", condition: "redis.enabled" }] }),
    "values.yaml": stringify({ redis: { enabled: true } }),
    "templates/configmap.yaml": 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-settings\ndata:\n  cache: {{ ternary "bundled" "external" .Values.redis.enabled | quote }}\n',
    "charts/redis/Chart.yaml": chart("redis"),
    "charts/redis/templates/configmap.yaml": 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-subchart\ndata:\n  enabled: "true"\n',
  },
};

let written: Promise<string> | undefined;

afterAll(async () => {
  const dir = await written;
  written = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The folder holding every fixture chart, written once per test file. */
export function fixtureChartsDir(): Promise<string> {
  written ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), "platform-fixture-charts-"));
    for (const [name, files] of Object.entries(fixtureCharts)) {
      for (const [path, text] of Object.entries(files)) {
        const target = join(dir, name, path);
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, text);
      }
    }
    return dir;
  })();
  return written;
}
