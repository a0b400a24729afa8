// The Prometheus and Grafana files in deploy/ as their own tools read them: promtool checks the scrape
// config and the alert rules and runs the rules' unit tests (pilotfish.test.yml), and every dashboard
// and rule queries only the metrics Pilotfish emits. Without promtool on PATH the promtool tests skip.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { packageRoot } from '../../proto/paths.js';

const prometheusDir = join('deploy', 'prometheus');
const dashboardsDir = join(packageRoot, 'deploy', 'grafana', 'dashboards');
const promtoolMissing = spawnSync('promtool', ['--version']).error !== undefined;
const SKIP_REASON = 'promtool not installed: apt-get install prometheus';

// What the sidecars (/stats/prometheus) and the control plane (/metrics) emit, plus Prometheus's `up`
// and the certificate expiry (a gateway's HTTPS certificates).
const histograms = [
  'istio_request_duration_milliseconds',
  'istio_request_bytes',
  'istio_response_bytes',
  'pilotfish_xds_push_to_ack_seconds',
];
const KNOWN_METRICS = new Set([
  'istio_requests_total',
  ...histograms.flatMap((name) => ['_bucket', '_sum', '_count'].map((suffix) => name + suffix)),
  'istio_tcp_connections_opened_total',
  'istio_tcp_connections_closed_total',
  'istio_tcp_received_bytes_total',
  'istio_tcp_sent_bytes_total',
  'pilotfish_sidecar_xds_connected',
  'pilotfish_sidecar_xds_nacks_total',
  'pilotfish_sidecar_xds_config_info',
  'pilotfish_sidecar_upstream_retries_total',
  'pilotfish_sidecar_upstream_connections',
  'pilotfish_config_version',
  'pilotfish_config_documents',
  'pilotfish_config_rejected',
  'pilotfish_config_rejections_total',
  'pilotfish_registry_instances',
  'pilotfish_xds_connected_proxies',
  'pilotfish_xds_pushes_total',
  'pilotfish_xds_nacks_total',
  'pilotfish_cert_expiry_timestamp_seconds',
  'up',
]);
const PROMQL_KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
]);

/** The metric names a PromQL expression selects (label matchers, ranges, strings and grouping labels left out). */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names: string[] = [];
  for (const match of bare.matchAll(/(?<![\w$.])([a-zA-Z_:][\w:]*)\b(\s*\()?/g)) {
    const [, name, call] = match;
    if (name === undefined || call !== undefined || PROMQL_KEYWORDS.has(name)) continue;
    names.push(name);
  }
  return names;
}

function promtool(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) =>
    execFile('promtool', args, { cwd: packageRoot, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
    ),
  );
}

interface Target {
  expr?: string;
}
interface Panel {
  title?: string;
  type?: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query?: unknown;
  definition?: string;
}
interface Dashboard {
  title: string;
  uid: string;
  schemaVersion: number;
  templating: { list: Variable[] };
  panels: Panel[];
}

function loadDashboards(): Array<[string, Dashboard]> {
  return readdirSync(dashboardsDir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => [file, JSON.parse(readFileSync(join(dashboardsDir, file), 'utf8')) as Dashboard]);
}

const allPanels = (panels: Panel[]): Panel[] => panels.flatMap((panel) => [panel, ...allPanels(panel.panels ?? [])]);

describe('Prometheus config and alert rules (promtool)', () => {
  for (const config of [join(prometheusDir, 'prometheus.yml'), join('deploy', 'compose', 'prometheus.yml')]) {
    it(`checks the scrape config ${config}, rule files included`, async (t) => {
      if (promtoolMissing) return t.skip(SKIP_REASON);
      const { code, output } = await promtool(['check', 'config', config]);
      assert.equal(code, 0, output);
      assert.match(output, /SUCCESS: 1 rule files found/);
    });
  }

  it('checks the alert rules', async (t) => {
    if (promtoolMissing) return t.skip(SKIP_REASON);
    const { code, output } = await promtool(['check', 'rules', join(prometheusDir, 'rules', 'pilotfish.yml')]);
    assert.equal(code, 0, output);
  });

  it("passes the rules' unit tests: each alert fires on one series and not on another", async (t) => {
    if (promtoolMissing) return t.skip(SKIP_REASON);
    const { code, output } = await promtool(['test', 'rules', join(prometheusDir, 'rules', 'pilotfish.test.yml')]);
    assert.equal(code, 0, output);
    assert.match(output, /SUCCESS/);
  });
});

describe('alert rules', () => {
  const rules = parse(readFileSync(join(packageRoot, prometheusDir, 'rules', 'pilotfish.yml'), 'utf8')) as {
    groups: Array<{
      rules: Array<{
        alert: string;
        expr: string;
        labels?: Record<string, string>;
        annotations?: Record<string, string>;
      }>;
    }>;
  };
  const alerts = rules.groups.flatMap((group) => group.rules);

  it('has the alerts of the observability issue, each with a severity, a summary and a description', () => {
    assert.deepEqual(alerts.map((rule) => rule.alert).sort(), [
      'PilotfishCertificateExpiringSoon',
      'PilotfishConfigRejected',
      'PilotfishControlPlaneDown',
      'PilotfishHigh5xxRatio',
      'PilotfishLatencySLOBurn',
      'PilotfishSidecarNacking',
      'PilotfishSidecarXdsDisconnected',
    ]);
    for (const rule of alerts) {
      assert.match(rule.labels?.severity ?? '', /^(critical|warning)$/, `${rule.alert} severity`);
      assert.ok(rule.annotations?.summary, `${rule.alert} summary`);
      assert.ok(rule.annotations?.description, `${rule.alert} description`);
    }
  });

  it('query only metrics Pilotfish emits', () => {
    for (const rule of alerts) {
      const names = metricNames(rule.expr);
      assert.ok(names.length > 0, `${rule.alert} selects a metric`);
      for (const name of names)
        assert.ok(KNOWN_METRICS.has(name), `${rule.alert} queries ${name}, which Pilotfish does not emit`);
    }
  });

  it('every alert has a unit test', () => {
    const tests = readFileSync(join(packageRoot, prometheusDir, 'rules', 'pilotfish.test.yml'), 'utf8');
    for (const rule of alerts)
      assert.match(tests, new RegExp(`alertname: ${rule.alert}\\b`), `${rule.alert} is tested`);
  });
});

describe('Grafana dashboards', () => {
  const dashboards = loadDashboards();

  it('are the mesh overview, service detail and control plane dashboards', () => {
    assert.deepEqual(
      dashboards.map(([file]) => file),
      ['control-plane.json', 'mesh-overview.json', 'service-detail.json'],
    );
    assert.equal(new Set(dashboards.map(([, dashboard]) => dashboard.uid)).size, dashboards.length, 'unique uids');
  });

  for (const [file, dashboard] of dashboards) {
    it(`${file}: schema 39, a Prometheus datasource variable every panel uses`, () => {
      assert.equal(dashboard.schemaVersion, 39);
      const datasource = dashboard.templating.list.find((variable) => variable.name === 'datasource');
      assert.equal(datasource?.type, 'datasource');
      assert.equal(datasource?.query, 'prometheus');
      const panels = allPanels(dashboard.panels);
      assert.ok(panels.length > 0);
      for (const panel of panels) {
        assert.deepEqual(
          panel.datasource,
          { type: 'prometheus', uid: '${datasource}' },
          `panel "${panel.title}" datasource`,
        );
        assert.ok((panel.targets ?? []).length > 0, `panel "${panel.title}" has queries`);
      }
    });

    it(`${file}: every panel queries only metrics Pilotfish emits`, () => {
      for (const panel of allPanels(dashboard.panels)) {
        for (const target of panel.targets ?? []) {
          assert.ok(target.expr, `panel "${panel.title}" has an expr`);
          const names = metricNames(target.expr);
          assert.ok(names.length > 0, `panel "${panel.title}" selects a metric: ${target.expr}`);
          for (const name of names)
            assert.ok(KNOWN_METRICS.has(name), `panel "${panel.title}" queries ${name}, which Pilotfish does not emit`);
        }
      }
      for (const variable of dashboard.templating.list.filter((v) => v.type === 'query')) {
        const metric = /label_values\(\s*([\w:]+)\s*,/.exec(variable.definition ?? '')?.[1];
        assert.ok(
          metric !== undefined && KNOWN_METRICS.has(metric),
          `variable ${variable.name} queries ${variable.definition}`,
        );
      }
    });
  }

  it('service-detail.json is templated on the service', () => {
    const [, detail] = dashboards.find(([file]) => file === 'service-detail.json')!;
    assert.ok(detail.templating.list.some((variable) => variable.name === 'service' && variable.type === 'query'));
    const exprs = allPanels(detail.panels).flatMap((panel) => (panel.targets ?? []).map((target) => target.expr ?? ''));
    assert.ok(
      exprs.every((expr) => expr.includes('$service')),
      'every query is on $service',
    );
    assert.ok(
      exprs.some((expr) => expr.includes('reporter="source"')) &&
        exprs.some((expr) => expr.includes('reporter="destination"')),
      'inbound and outbound',
    );
  });

  it('the metric-name check catches a metric Pilotfish does not emit', () => {
    assert.deepEqual(
      metricNames(
        'histogram_quantile(0.99, sum by (le) (rate(envoy_cluster_upstream_rq_time_bucket{job="x"}[5m]))) > bool 2',
      ),
      ['envoy_cluster_upstream_rq_time_bucket'],
    );
    assert.deepEqual(metricNames('pilotfish_cert_expiry_timestamp_seconds - time() < 7 * 24 * 3600'), [
      'pilotfish_cert_expiry_timestamp_seconds',
    ]);
  });
});
