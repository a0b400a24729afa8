// A real Prometheus (Debian's package) runs deploy/prometheus/prometheus.yml, with its targets
// pointed at a running mesh on loopback, loads the alert rules, scrapes the control plane and both
// sidecars, and answers the queries the dashboards make. Without the prometheus binary it skips.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { packageRoot } from '../../proto/paths.js';
import { freePort } from '../support/free-port.js';
import { httpRequest } from '../support/http.js';
import { useTwoServiceMesh } from '../support/mesh.js';
import { startProcess, waitFor, type RunningProcess } from '../support/processes.js';

const SKIP_REASON = 'prometheus not installed: apt-get install prometheus';
const hasPrometheus = spawnSync('prometheus', ['--version']).status === 0;
if (!hasPrometheus) console.log(`# skipping the Prometheus scrape test: ${SKIP_REASON}`);

interface ScrapeConfig {
  job_name: string;
  static_configs: Array<{ targets: string[] }>;
}

describe('Prometheus scrapes the mesh with deploy/prometheus', { skip: hasPrometheus ? false : SKIP_REASON }, () => {
  const mesh = useTwoServiceMesh();
  let dir: string;
  let prometheus: RunningProcess;
  let api: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pilotfish-prometheus-'));
    const deployed = join(packageRoot, 'deploy', 'prometheus');
    const config = parse(await readFile(join(deployed, 'prometheus.yml'), 'utf8')) as {
      global: Record<string, string>;
      rule_files: string[];
      scrape_configs: ScrapeConfig[];
    };
    config.global.scrape_interval = '500ms';
    config.global.evaluation_interval = '500ms';
    const targets: Record<string, string[]> = {
      'pilotfish-control-plane': [mesh.current.controlPlane.admin],
      'pilotfish-sidecars': [mesh.current.frontend.admin, mesh.current.backend.admin],
    };
    for (const job of config.scrape_configs) {
      assert.ok(
        targets[job.job_name],
        `deploy/prometheus/prometheus.yml has a job this test does not know: ${job.job_name}`,
      );
      job.static_configs = [{ targets: targets[job.job_name] as string[] }];
    }
    await mkdir(join(dir, 'rules'));
    for (const file of config.rule_files) await copyFile(join(deployed, file), join(dir, file));
    await writeFile(join(dir, 'prometheus.yml'), stringify(config));
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    prometheus = startProcess('prometheus', [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ]);
    await waitFor(async () => (await fetch(`${api}/-/ready`)).status === 200, `Prometheus ready on ${api}`, 30_000);
  });

  after(async () => {
    await prometheus?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function query(promql: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
    const response = (await (await fetch(`${api}/api/v1/query?query=${encodeURIComponent(promql)}`)).json()) as {
      status: string;
      error?: string;
      data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
    };
    assert.equal(response.status, 'success', `${promql}: ${response.error ?? ''}`);
    return response.data.result;
  }

  it('scrapes the control plane and both sidecars', async () => {
    await waitFor(async () => (await query('up == 1')).length === 3, 'all three targets up');
    const jobs = (await query('up')).map((sample) => sample.metric.job).sort();
    assert.deepEqual(jobs, ['pilotfish-control-plane', 'pilotfish-sidecars', 'pilotfish-sidecars']);
  });

  it('loads the alert rules without errors', async () => {
    const response = (await (await fetch(`${api}/api/v1/rules`)).json()) as {
      data: { groups: Array<{ name: string; rules: Array<{ name: string; health: string; lastError?: string }> }> };
    };
    const rules = response.data.groups.flatMap((group) => group.rules);
    assert.ok(rules.length > 0, 'the rule file has rules');
    await waitFor(async () => {
      const again = (await (await fetch(`${api}/api/v1/rules`)).json()) as typeof response;
      return again.data.groups.flatMap((group) => group.rules).every((rule) => rule.health === 'ok');
    }, 'every rule evaluated healthy');
  });

  it('answers rate(istio_requests_total) for the traffic sent, from both reporters', async () => {
    const deadline = Date.now() + 20_000;
    let rates: Array<{ metric: Record<string, string>; value: [number, string] }> = [];
    while (Date.now() < deadline) {
      for (let i = 0; i < 10; i++)
        assert.equal(
          (await httpRequest(mesh.current.frontend.outbound, '/', { headers: { host: 'backend' } })).status,
          200,
        );
      rates = await query(
        'sum by (reporter, destination_canonical_service, response_code) (rate(istio_requests_total{destination_canonical_service="backend"}[5s]))',
      );
      if (rates.length === 2 && rates.every((sample) => Number(sample.value[1]) > 0)) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.deepEqual(rates.map((sample) => sample.metric.reporter).sort(), ['destination', 'source']);
    for (const sample of rates) {
      assert.equal(sample.metric.response_code, '200');
      assert.ok(Number(sample.value[1]) > 0, `a positive request rate from ${sample.metric.reporter}`);
    }
    const p99 = await query(
      'histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket{reporter="source"}[5s])))',
    );
    assert.ok(Number(p99[0]?.value[1]) > 0, 'a p99 latency from the duration histogram');
  });
});
