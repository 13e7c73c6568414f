import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type * as ExporterTypes from '../../../workspace-tests/slo-exporter.mjs';
import type { Exporter } from '../../../workspace-tests/slo-exporter.mjs';
import { runDeploy } from '../release/commands/deploy/run-deploy';
import { withSeveralReplicas } from '../testing/several-replicas';
import { withServiceMigrations } from '../testing/service-migrations';

// The canary and the soak (promotion.ts) against the local cluster and the real local Prometheus
// scraping the test's exporter (tools/workspace-tests/slo-exporter.mjs). The same paths run
// through `nx` in tools/workspace-tests/slo.test.mjs; this spec lets the plugin's coverage gate
// see them and covers the configured variants (onInconclusive: rollback, continue).
type ExporterModule = typeof ExporterTypes;

import { LOCAL_CONTEXT as CONTEXT } from '../testing/local-cluster';
const NS = `jest-slo-${process.pid}`;
const kubectl = (...args: string[]) => execFileSync('kubectl', ['--context', CONTEXT, ...args], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim();
const digest = (n: number) => `reg.local/trading/slo@sha256:${String(n).repeat(64).slice(0, 64)}`;
const selector = () => kubectl('-n', NS, 'get', 'service', 'agents', '-o', 'jsonpath={.spec.selector.trading\\.dev/color}');
const replicas = (color: string) => Number(kubectl('-n', NS, 'get', 'deploy', `agents-${color}`, '-o', 'jsonpath={.spec.replicas}'));
let root: string;
let lines: string[] = [];
let exporters: ExporterModule;
const live: Exporter[] = [];

const ctx = () => ({ workspaceRoot: root, env: {} as NodeJS.ProcessEnv, actor: 'jest', log: (m: string) => lines.push(m) });
const record = (n: number) => {
  mkdirSync(join(root, 'dist/agents'), { recursive: true });
  writeFileSync(join(root, 'dist/agents/image.json'), JSON.stringify({ reference: digest(n), revision: 'd'.repeat(40) }));
};
const deploy = (environment: string, extra: Record<string, unknown> = {}) => runDeploy({ environment, services: ['agents'], soakSeconds: 3, ...extra }, ctx());
async function pods(labels: Record<string, string>, mode: Record<string, number> = {}) {
  const e = await exporters.startExporter({ name: `jest-slo-${process.pid}-${live.length}` });
  live.push(e);
  e.set(mode);
  e.target({ namespace: NS, service: 'agents', ...labels });
  await exporters.waitForSeries(
    Object.entries({ namespace: NS, ...labels })
      .map(([k, v]) => `${k}="${v}"`)
      .join(','),
  );
  return e;
}
const dropPods = async () => {
  while (live.length) await live.pop()!.close();
};

beforeAll(async () => {
  kubectl('get', '--raw', '/readyz');
  try {
    await fetch('http://127.0.0.1:9090/-/ready');
  } catch {
    throw new Error('the local Prometheus is not up: run bash tools/prometheus/prometheus.sh up');
  }
  exporters = await import('../../../workspace-tests/slo-exporter.mjs');
  root = mkdtempSync(join(tmpdir(), 'slo-ws-'));
  cpSync(join(__dirname, '../../../deploy'), join(root, 'tools/deploy'), { recursive: true });
  withServiceMigrations(root);
  withSeveralReplicas(join(root, 'tools/deploy'));
  const file = join(root, 'tools/deploy/environments.yaml');
  const envs = parse(readFileSync(file, 'utf8'));
  for (const name of ['staging', 'production']) {
    // Production names no context of its own (a remote cluster): here it is the local one too.
    Object.assign(envs[name], { namespace: NS, context: envs.staging.context, rolloutTimeoutSeconds: 30, scaleDownDelaySeconds: 1 });
    Object.assign(envs[name].analysis, { intervalSeconds: 1, windowSeconds: 2 });
  }
  envs.production.canary.analysisSeconds = 3;
  // kwok's pods serve no traffic (the exporter stands in): no baseline to compare the canary with
  // (canary-baseline.test.mjs judges that on the real node).
  delete envs.production.canary.baseline;
  // The images here are names in no registry: what is judged is the analysis, not their attachments
  // (attestations.registry.spec.ts and the act deploy test verify those against the local registry).
  envs.production.requireAttestations = false;
  writeFileSync(file, stringify(envs));
  record(1);
  expect((await deploy('staging', { skipAnalysis: true })).ok).toBe(true);
}, 60_000);

afterEach(async () => {
  await dropPods();
  lines = [];
});

afterAll(() => {
  try {
    kubectl('delete', 'namespace', NS, '--wait=false');
  } catch {
    /* gone */
  }
});

describe('promotion analysis against the local cluster and Prometheus', () => {
  it('keeps a release whose soak stays healthy', async () => {
    await pods({ color: 'green' });
    record(2);
    const result = await deploy('staging');
    expect(result.ok).toBe(true);
    expect(lines.join('\n')).toMatch(/soak passed after 3 round\(s\)/);
    expect(selector()).toBe('green');
  }, 60_000);

  it('switches back when the soak sees errors, and with onInconclusive: rollback when it sees nothing', async () => {
    await pods({ color: 'blue' }, { errorRatio: 0.05 });
    record(3);
    expect((await deploy('staging')).ok).toBe(false);
    expect(lines.join('\n')).toMatch(/rolled back: soak analysis failed in round 1: error-rate \d+\.\d+% > 1\.00%/);
    expect(selector()).toBe('green');
    expect(replicas('blue')).toBe(0);
    await dropPods();
    lines = [];
    record(4);
    expect((await deploy('staging', { onInconclusive: 'rollback' })).ok).toBe(false);
    expect(lines.join('\n')).toMatch(/rolled back: soak analysis inconclusive in round 2: error-rate: no data/);
    expect(selector()).toBe('green');
  }, 90_000);

  it('carries on without data only when told to (onInconclusive: continue)', async () => {
    record(5);
    const result = await deploy('staging', { onInconclusive: 'continue' });
    expect(result.ok).toBe(true);
    expect(lines.join('\n')).toMatch(/soak passed \(missing data accepted: onInconclusive continue\) after 3 round\(s\): error-rate: last inconclusive/);
    expect(selector()).toBe('blue');
  }, 60_000);

  it('runs a production canary beside the live pods: a failing one never moves traffic, a healthy one leads to the swap', async () => {
    await pods({ color: 'blue', track: 'canary' }, { slowRatio: 0.2, slowSeconds: 0.8 });
    record(6);
    expect((await deploy('production')).ok).toBe(false);
    expect(lines.join('\n')).toMatch(/canary failed: analysis failed: p95-latency \d+ ms > 500 ms/);
    expect(selector()).toBe('blue');
    expect(() => kubectl('-n', NS, 'get', 'deploy', 'agents-canary')).toThrow(/NotFound/);
    await dropPods();
    lines = [];
    await pods({ color: 'blue', track: 'canary' });
    await pods({ color: 'green' });
    const good = await deploy('production');
    expect(good.ok).toBe(true);
    expect(lines.join('\n')).toMatch(/canary passed[\s\S]*switch traffic blue -> green[\s\S]*soak passed/);
    expect(selector()).toBe('green');
  }, 120_000);

  // Issue 17, scenario 4: a metric the service names but analysis.yaml lacks, or a query with an
  // unknown placeholder, failed only when the soak began, after the switch.
  it('refuses a deploy whose analysis cannot be rendered before anything moves', async () => {
    const file = join(root, 'tools/deploy/services/agents.yaml');
    const saved = readFileSync(file, 'utf8');
    writeFileSync(file, `${saved}analysis:\n  metrics: [error-rate, saturation]\n`);
    const before = kubectl('-n', NS, 'get', 'service', 'agents', '-o', 'jsonpath={.spec.selector}');
    try {
      record(7);
      await expect(deploy('staging')).rejects.toThrow(/agents: analysis metric "saturation" is not defined in analysis\.yaml .*nothing was deployed/);
      const analysisFile = join(root, 'tools/deploy/analysis.yaml');
      const analysisSaved = readFileSync(analysisFile, 'utf8');
      writeFileSync(file, saved);
      writeFileSync(analysisFile, analysisSaved.replaceAll('{{window}}', '{{windw}}'));
      try {
        await expect(deploy('staging')).rejects.toThrow(
          /agents: analysis metric error-rate: query placeholder \{\{windw\}\} is not one of .*nothing was deployed/,
        );
      } finally {
        writeFileSync(analysisFile, analysisSaved);
      }
    } finally {
      writeFileSync(file, saved);
    }
    expect(kubectl('-n', NS, 'get', 'service', 'agents', '-o', 'jsonpath={.spec.selector}')).toBe(before);
    expect(() => kubectl('-n', NS, 'get', 'deploy', 'agents-green', '-o', 'jsonpath={.spec.template.spec.containers[0].image}')).not.toThrow();
    expect(kubectl('-n', NS, 'get', 'deploy', 'agents-blue', '-o', 'jsonpath={.spec.template.spec.containers[0].image}')).not.toBe(digest(7));
  }, 60_000);
});
