import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kube } from '../release/act/kube';
import { runDeploy } from '../release/commands/deploy/run-deploy';
import { runRollback } from '../release/commands/rollback/run-rollback';
import { runStatus } from '../release/commands/status/run-status';
import { runDecision } from '../release/commands/decision/run-decision';
import { runReconcile } from '../release/commands/reconcile/run-reconcile';
import { runBackup, runRestore } from '../release/commands/database/run-database';
import type { ServiceStatus } from '@trading/release-model';
import { withSeveralReplicas } from '../testing/several-replicas';
import { withServiceMigrations } from '../testing/service-migrations';
import { applyLease } from '../testing/lease';

// Issue 17's scenarios that need no Prometheus, against the local cluster: a release is the
// whole pod template, the Services select it, the phase lives on the active Service, an aborted
// release is not retried silently, and a rollback acts only while the release it names is live.
import { LOCAL_CONTEXT as CONTEXT } from '../testing/local-cluster';
const NS = `jest-release-${process.pid}`;
const kubectl = (...args: string[]) => execFileSync('kubectl', ['--context', CONTEXT, ...args], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim();
const json = (...args: string[]) => JSON.parse(kubectl('-n', NS, 'get', ...args, '-o', 'json'));
const digest = (n: number) => `reg.local/trading/agents@sha256:${String(n).repeat(64).slice(0, 64)}`;
let lines: string[] = [];
let root: string;

const ctx = () => ({ workspaceRoot: root, env: {} as NodeJS.ProcessEnv, actor: 'jest', log: (m: string) => lines.push(m) });
const record = (n: number) => {
  mkdirSync(join(root, 'dist/agents'), { recursive: true });
  writeFileSync(join(root, 'dist/agents/image.json'), JSON.stringify({ reference: digest(n), revision: 'b'.repeat(40) }));
};
const deploy = (extra: Record<string, unknown> = {}) => runDeploy({ environment: 'staging', services: ['agents'], skipAnalysis: true, ...extra }, ctx());
const setEnv = (value: string) => {
  const file = join(root, 'tools/deploy/services/agents.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/LOG_LEVEL: .*/, `LOG_LEVEL: ${value}`));
};
const active = () => json('service', 'agents');
const templateRelease = (color: string) => json('deploy', `agents-${color}`).spec.template.metadata.labels['trading.dev/release'];
/** The releases of the pods behind a Service's ready endpoints. */
const releasesBehind = (service: string) => {
  const slices = json('endpointslices', '-l', `kubernetes.io/service-name=${service}`).items;
  const pods: string[] = slices.flatMap((s: { endpoints?: Array<{ targetRef?: { name: string } }> }) => (s.endpoints ?? []).map((e) => e.targetRef!.name));
  return [...new Set(pods.map((p) => json('pod', p).metadata.labels['trading.dev/release']))];
};
const history = () => JSON.parse(json('configmap', 'agents-releases').data.history);
/** `deploy:status --json` for agents, as an operator would read it after each step. */
async function status(): Promise<ServiceStatus> {
  let printed = '';
  await runStatus({ environment: 'staging', services: ['agents'], configDir: 'tools/deploy', json: true }, { ...ctx(), print: (line) => (printed = line) });
  return JSON.parse(printed)[0];
}

beforeAll(() => {
  try {
    kubectl('get', '--raw', '/readyz');
  } catch {
    throw new Error(`the local cluster (context ${CONTEXT}) is not up: run npx nx run local-cluster:up`);
  }
  root = mkdtempSync(join(tmpdir(), 'release-ws-'));
  cpSync(join(__dirname, '../../../deploy'), join(root, 'tools/deploy'), { recursive: true });
  withServiceMigrations(root);
  withSeveralReplicas(join(root, 'tools/deploy'));
  const envFile = join(root, 'tools/deploy/environments.yaml');
  writeFileSync(
    envFile,
    readFileSync(envFile, 'utf8').replace('namespace: trading-staging', `namespace: ${NS}`).replace('scaleDownDelaySeconds: 30', 'scaleDownDelaySeconds: 0'),
  );
}, 30_000);

afterEach(() => {
  lines = [];
});

afterAll(() => {
  try {
    kubectl('delete', 'namespace', NS, '--wait=false');
  } catch {
    /* already gone */
  }
});

describe('releases, phases and idempotent rollback against the local cluster', () => {
  let r1 = '';
  let r2 = '';

  it('selects colour and release in both Services and records the phase with the switch', async () => {
    record(1);
    expect((await deploy()).results[0]).toMatchObject({ outcome: 'deployed', color: 'blue' });
    r1 = templateRelease('blue');
    expect(r1).toMatch(/^[0-9a-f]{12}$/);
    const svc = active();
    expect(svc.spec.selector).toMatchObject({ 'trading.dev/color': 'blue', 'trading.dev/release': r1 });
    expect(json('service', 'agents-preview').spec.selector['trading.dev/release']).toBe(r1);
    expect(svc.metadata.annotations['trading.dev/phase']).toBe('Promoted');
    expect(svc.metadata.annotations['trading.dev/phase-reason']).toMatch(/not analysed/);
    expect(history().at(-1)).toMatchObject({ outcome: 'live', release: r1 });
    expect(await status()).toMatchObject({
      live: { color: 'blue', release: r1, image: digest(1) },
      phase: 'Promoted',
      readyEndpoints: 2,
      preview: { color: 'blue', release: r1 },
      history: { live: { revision: 1, release: r1 }, lastGood: null },
      aborted: null,
      canary: null,
      warnings: [],
    });
  }, 60_000);

  // Scenario 10: a rollback nobody narrowed down touches only services whose live release is
  // recent, still being judged or failing; --all is explicit.
  it('a bare rollback picks only recent, unjudged or failing services', async () => {
    await expect(runRollback({ environment: 'staging', recentMinutes: 0 }, ctx())).rejects.toThrow(
      /no service's live release is recent \(0 min\), still being judged or failing, so nothing was rolled back: name them with --services, or pass --all/,
    );
    expect(lines.join('\n')).toMatch(/\[agents\] left alone: its live release is neither recent, nor being judged, nor failing/);
    expect(lines.join('\n')).toMatch(/\[dashboard\] left alone/);
    lines = [];
    const recent = await runRollback({ environment: 'staging' }, ctx());
    expect(recent.ok).toBe(false); // chosen, but it has no earlier release to go back to
    expect(lines.join('\n')).toMatch(/\[agents\] chosen: recent: live for 0 min/);
    expect(lines.join('\n')).toMatch(/agents: no previous good release/);
    expect(lines.join('\n')).not.toMatch(/\[dashboard\] FAILED/);
    expect(active().spec.selector['trading.dev/release']).toBe(r1);
  }, 60_000);

  // Scenario 7: today a change of env, probes or resources in services/*.yaml ends as `unchanged`.
  it('deploys a config-only change (same image) through the idle colour', async () => {
    setEnv('debug');
    const result = await deploy();
    expect(result.results[0]).toMatchObject({ outcome: 'deployed', color: 'green', image: digest(1) });
    r2 = templateRelease('green');
    expect(r2).not.toBe(r1);
    const env = json('deploy', 'agents-green').spec.template.spec.containers[0].env;
    expect(env).toContainEqual({ name: 'LOG_LEVEL', value: 'debug' });
    expect(active().spec.selector).toMatchObject({ 'trading.dev/color': 'green', 'trading.dev/release': r2 });
    expect(lines.join('\n')).toMatch(/apply green \(create\)/);
    // Scenario 1, at the Service: only pods of the live release are behind it.
    expect(releasesBehind('agents')).toEqual([r2]);
  }, 60_000);

  it('scales the live colour in place when only the replica count changes', async () => {
    // A field another manager owns (here an annotation a tool added) survives our writes.
    kubectl('-n', NS, 'annotate', 'deploy', 'agents-green', 'example.com/owner=payments-team');
    const file = join(root, 'tools/deploy/services/agents.yaml');
    const saved = readFileSync(file, 'utf8');
    writeFileSync(file, saved.replace('staging: 2', 'staging: 3'));
    try {
      const result = await deploy();
      expect(result.results[0]).toMatchObject({ color: 'green', release: r2 });
      expect(json('deploy', 'agents-green').spec.replicas).toBe(3);
      expect(lines.join('\n')).toMatch(/scale the live colour 2 -> 3/);
      expect(json('deploy', 'agents-green').metadata.annotations['example.com/owner']).toBe('payments-team');
    } finally {
      writeFileSync(file, saved);
    }
    await deploy();
    expect(json('deploy', 'agents-green').spec.replicas).toBe(2);
  }, 60_000);

  it('rolls back the whole template (the config too), and records RolledBack with the release taken off', async () => {
    const result = await runRollback({ environment: 'staging', services: ['agents'], reason: 'jest: bad config' }, ctx());
    expect(result.ok).toBe(true);
    expect(result.results[0]).toMatchObject({ outcome: 'rolled-back', from: 'green', to: 'blue', release: r1 });
    // A base backup at every rollback (the agents keep their state in the database), recorded on the
    // restored release's entry, beside its own deploy's.
    expect(result.results[0].backup).toMatch(/^\d{8}T\d{6}Z-before-rollback-agents$/);
    expect(history().at(-1)).toMatchObject({ kind: 'rollback', rollbackBackup: { name: result.results[0].backup } });
    expect(json('job', `trading-db-backup-${result.results[0].backup!.toLowerCase()}`).spec.template.spec.containers[0].command).toEqual([
      '/bin/sh',
      '-c',
      'sh /etc/trading-db/backup.sh',
    ]);
    const svc = active();
    expect(svc.spec.selector).toMatchObject({ 'trading.dev/color': 'blue', 'trading.dev/release': r1 });
    expect(svc.metadata.annotations).toMatchObject({
      'trading.dev/phase': 'RolledBack',
      'trading.dev/aborted-release': r2,
      'trading.dev/phase-reason': 'jest: bad config',
    });
    expect(json('deploy', 'agents-blue').spec.template.spec.containers[0].env).toContainEqual({ name: 'LOG_LEVEL', value: 'info' });
    expect(releasesBehind('agents')).toEqual([r1]);
    const now = await status();
    expect(now).toMatchObject({
      live: { color: 'blue', release: r1 },
      phase: 'RolledBack',
      phaseReason: 'jest: bad config',
      aborted: { release: r2 },
      readyEndpoints: 2,
      warnings: [],
    });
    expect(now.colors.green).toMatchObject({ release: r2, replicas: 0 }); // the release taken off holds no pods
  }, 60_000);

  // Scenario 3: the alert that fired for r2 keeps firing (or is re-sent) after traffic is already
  // back on r1; today each notification rolls back one release further.
  it('does nothing when the release a rollback names is not live, from the CLI and from an alert', async () => {
    const before = history();
    const cli = await runRollback({ environment: 'staging', services: ['agents'], from: r2 }, ctx());
    expect(cli.ok).toBe(true);
    expect(cli.results[0]).toMatchObject({ outcome: 'not-live', release: r1 });
    expect(lines.join('\n')).toMatch(new RegExp(`release ${r2} is not live \\(live: ${r1} on blue, RolledBack\\); nothing to roll back`));
    const alert = join(root, 'alert.json');
    writeFileSync(
      alert,
      JSON.stringify({
        version: '4',
        status: 'firing',
        alerts: [{ status: 'firing', labels: { alertname: 'TradingErrorRateHigh', service: 'agents', environment: 'staging', release: r2 } }],
      }),
    );
    const fromAlert = await runRollback({ environment: 'staging', alert }, ctx());
    expect(fromAlert.results[0]).toMatchObject({ outcome: 'not-live' });
    expect(history()).toEqual(before);
    expect(active().spec.selector['trading.dev/release']).toBe(r1);
  }, 60_000);

  it('refuses to deploy the aborted release again unless told to', async () => {
    const refused = await deploy();
    expect(refused.ok).toBe(false);
    expect(lines.join('\n')).toMatch(
      new RegExp(`release ${r2} was taken off traffic before \\(rollback by jest: jest: bad config\\); build a new release, or pass --retryAborted`),
    );
    expect(active().spec.selector['trading.dev/release']).toBe(r1);
    const retried = await deploy({ retryAborted: true });
    expect(retried.results[0]).toMatchObject({ outcome: 'deployed', color: 'green', release: r2 });
  }, 60_000);

  // Scenario 2 without Prometheus: a soak left pending (phase Soaking) is owed; a rerun that
  // cannot judge it (--skipAnalysis) must neither promote it nor scale the old colour down.
  it('never promotes a release whose soak is pending', async () => {
    record(3);
    expect((await deploy()).results[0]).toMatchObject({ color: 'blue' });
    const r3 = templateRelease('blue');
    kubectl('-n', NS, 'scale', 'deploy', 'agents-green', '--replicas=2');
    kubectl('-n', NS, 'annotate', '--overwrite', 'service', 'agents', 'trading.dev/phase=Soaking', `trading.dev/phase-since=${new Date().toISOString()}`);
    const rerun = await deploy();
    expect(rerun.ok).toBe(false);
    expect(lines.join('\n')).toMatch(new RegExp(`release ${r3} is live on blue but its soak is still owed .*rerun the deploy with analysis`));
    expect(json('deploy', 'agents-green').spec.replicas).toBe(2);
    expect(active().metadata.annotations['trading.dev/phase']).toBe('Soaking');
    const now = await status();
    expect(now).toMatchObject({ live: { color: 'blue', release: r3 }, phase: 'Soaking' });
    expect(now.warnings).toContain('soak owed: rerun the deploy (with analysis) to judge this release');
  }, 60_000);

  const decision = (d: 'abort' | 'promote', extra: Record<string, unknown> = {}) =>
    runDecision({ decision: d, environment: 'staging', services: ['agents'], all: false, reason: `jest: ${d}`, configDir: 'tools/deploy', ...extra }, ctx());
  const phase = () => active().metadata.annotations['trading.dev/phase'];
  const replicasOf = (color: string) => json('deploy', `agents-${color}`).spec.replicas;
  const lease = (holder: string) => applyLease(CONTEXT, NS, 'deploy-agents', holder, 60);

  it('deploy:abort takes a release still being judged off traffic now, removes a leftover canary, and is idempotent', async () => {
    const r3 = templateRelease('blue');
    kubectl('-n', NS, 'create', 'deployment', 'agents-canary', `--image=reg.local/x@sha256:${'8'.repeat(64)}`, '--replicas=1');
    const first = await decision('abort');
    expect(first.ok).toBe(true);
    expect(first.results[0]).toMatchObject({ outcome: 'aborted' });
    expect(lines.join('\n')).toMatch(/removing the canary agents-canary an interrupted deploy left/);
    expect(() => kubectl('-n', NS, 'get', 'deploy', 'agents-canary')).toThrow(/NotFound/);
    expect(active().spec.selector).toMatchObject({ 'trading.dev/color': 'green', 'trading.dev/release': r2 });
    expect(active().metadata.annotations).toMatchObject({
      'trading.dev/phase': 'Aborted',
      'trading.dev/aborted-release': r3,
      'trading.dev/aborted-reason': 'aborted by jest: jest: abort',
    });
    expect(replicasOf('blue')).toBe(0);
    expect(history().at(-1)).toMatchObject({ outcome: 'live', kind: 'rollback', release: r2 });
    const again = await decision('abort');
    expect(again.results[0]).toMatchObject({ outcome: 'nothing-in-progress' });
    expect(active().spec.selector['trading.dev/release']).toBe(r2);
    await expect(decision('abort', { services: undefined })).rejects.toThrow(/name the services to abort \(--services=a,b\), or pass --all/);
  }, 60_000);

  it('deploy:promote accepts a halted release on purpose, recorded with the actor', async () => {
    record(4);
    expect((await deploy()).results[0]).toMatchObject({ outcome: 'deployed', color: 'blue' });
    kubectl('-n', NS, 'annotate', '--overwrite', 'service', 'agents', 'trading.dev/phase=Halted', `trading.dev/phase-since=${new Date().toISOString()}`);
    kubectl('-n', NS, 'scale', 'deploy', 'agents-green', '--replicas=2');
    const promoted = await decision('promote');
    expect(promoted.results[0]).toMatchObject({ outcome: 'promoted' });
    expect(active().metadata.annotations).toMatchObject({ 'trading.dev/phase': 'Promoted', 'trading.dev/phase-reason': 'promoted by jest: jest: promote' });
    expect(replicasOf('green')).toBe(0);
    expect((await decision('promote')).results[0]).toMatchObject({ outcome: 'nothing-in-progress' });
  }, 60_000);

  it('a rollback while a deploy holds the lease aborts that deploy once it switched, and cancels it before', async () => {
    lease('other-runner');
    try {
      kubectl('-n', NS, 'annotate', '--overwrite', 'service', 'agents', 'trading.dev/phase=Soaking', `trading.dev/phase-since=${new Date().toISOString()}`);
      kubectl('-n', NS, 'scale', 'deploy', 'agents-green', '--replicas=2');
      await new Promise((r) => setTimeout(r, 1500)); // kwok makes the pods ready
      const during = await runRollback({ environment: 'staging', services: ['agents'], reason: 'jest: during deploy' }, ctx());
      expect(during.ok).toBe(true);
      expect(during.results[0]).toMatchObject({ outcome: 'rolled-back', from: 'blue', to: 'green', release: r2 });
      expect(phase()).toBe('RolledBack');
      expect(active().spec.selector['trading.dev/release']).toBe(r2);

      // Issue 34, path 7: before the switch (here a deploy in its canary, blue rolled onto its new
      // release) the rollback was refused for the whole canary; now it cancels the deploy.
      lease('other-runner');
      const fake = 'cafecafecafe';
      kubectl(
        '-n',
        NS,
        'patch',
        'deploy',
        'agents-blue',
        '--type=merge',
        '-p',
        JSON.stringify({ spec: { replicas: 2, template: { metadata: { labels: { 'trading.dev/release': fake } } } } }),
      );
      kubectl('-n', NS, 'create', 'deployment', 'agents-canary', `--image=reg.local/x@sha256:${'7'.repeat(64)}`, '--replicas=1');
      lines = [];
      const cancel = await runRollback({ environment: 'staging', services: ['agents'], reason: 'jest: in the canary' }, ctx());
      expect(cancel.ok).toBe(true);
      expect(cancel.results[0]).toMatchObject({ outcome: 'cancelled', from: 'green', to: 'green', release: r2 });
      expect(cancel.results[0].recoverySeconds).toBeLessThan(60);
      expect(lines.join('\n')).toMatch(/another deploy of agents holds the lease \(other-runner.*it has not switched traffic yet: cancelling it/);
      expect(() => kubectl('-n', NS, 'get', 'deploy', 'agents-canary')).toThrow(/NotFound/);
      expect(replicasOf('blue')).toBe(0);
      expect(active().spec.selector['trading.dev/release']).toBe(r2);
      expect(active().metadata.annotations['trading.dev/aborted-release']).toBe(fake);
      expect(history().at(-1)).toMatchObject({ outcome: 'failed', release: fake });
      // The running deploy lost its lease: its holder is no longer the owner.
      expect(kubectl('-n', NS, 'get', 'lease', 'deploy-agents', '-o', 'jsonpath={.spec.holderIdentity}', '--ignore-not-found')).not.toBe('other-runner');
    } finally {
      kubectl('-n', NS, 'delete', 'lease', 'deploy-agents', '--ignore-not-found');
    }
  }, 60_000);

  it('reports what the cluster says, also where the history disagrees, and an orphaned canary', async () => {
    // A hand edit that moved the active Service behind the history's back, and a canary left over.
    kubectl(
      '-n',
      NS,
      'patch',
      'service',
      'agents',
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { selector: { 'trading.dev/color': 'blue', 'trading.dev/release': templateRelease('blue') } } }),
    );
    kubectl('-n', NS, 'create', 'deployment', 'agents-canary', '--image=reg.local/x@sha256:' + '9'.repeat(64), '--replicas=1');
    const now = await status();
    expect(now.live).toMatchObject({ color: 'blue' });
    expect(now.warnings.join('\n')).toMatch(/the history records release [0-9a-f]{12} as live, the cluster serves [0-9a-f]{12}/);
    expect(now.warnings.join('\n')).toMatch(/a canary is up/);
    expect(now.canary).toMatchObject({ replicas: 1 });
    lines = [];
    await runStatus({ environment: 'staging', configDir: 'tools/deploy', json: false }, { ...ctx(), print: () => undefined });
    const table = lines.join('\n');
    expect(table).toMatch(/\| agents \| blue @4{12} \| [0-9a-f]{12} \| RolledBack since/);
    expect(table).toMatch(/\| dashboard \| not deployed \|/);
    expect(table).toMatch(/- agents: a canary is up/);
  }, 60_000);
  // Issue 34, path 6: a run killed in its soak left traffic on an unjudged release, and its canary
  // up, until a person acted. Its deadline is its lease: once expired, status says so, and
  // deploy:reconcile takes the release off traffic and removes the canary.
  it('deploy:reconcile cleans up after a run whose lease expired in its soak; status says since when', async () => {
    // Two fresh releases (the tests before moved things by hand): the first is the judged-good one.
    record(5);
    expect((await deploy()).ok).toBe(true);
    record(6);
    expect((await deploy()).ok).toBe(true);
    const liveRelease = active().spec.selector['trading.dev/release'];
    const liveColor = active().spec.selector['trading.dev/color'];
    const idle = liveColor === 'blue' ? 'green' : 'blue';
    const standby = templateRelease(idle);
    kubectl('-n', NS, 'scale', 'deploy', `agents-${idle}`, '--replicas=2');
    kubectl('-n', NS, 'annotate', '--overwrite', 'service', 'agents', 'trading.dev/phase=Soaking', `trading.dev/phase-since=${new Date().toISOString()}`);
    kubectl('-n', NS, 'create', 'deployment', 'agents-canary', `--image=reg.local/x@sha256:${'6'.repeat(64)}`, '--replicas=1');
    const expired = new Date(Date.now() - 120_000);
    applyLease(CONTEXT, NS, 'deploy-agents', 'killed-runner', 15, expired);
    await new Promise((r) => setTimeout(r, 1500)); // kwok makes the pods ready
    const before = await status();
    expect(before.orphanedSince).toBe(new Date(expired.getTime() + 15_000).toISOString());
    expect(before.warnings.join('\n')).toMatch(/orphaned since \S+: the run that owed its verdict is gone; npx nx run deploy:reconcile cleans up/);
    lines = [];
    const rec = await runReconcile({ environment: 'staging', services: ['agents'] }, ctx());
    expect(rec.ok).toBe(true);
    expect(rec.results[0]).toMatchObject({ outcome: 'done', actions: ['remove-canary', 'abort'] });
    expect(() => kubectl('-n', NS, 'get', 'deploy', 'agents-canary')).toThrow(/NotFound/);
    expect(active().spec.selector).toMatchObject({ 'trading.dev/color': idle, 'trading.dev/release': standby });
    expect(active().metadata.annotations).toMatchObject({ 'trading.dev/phase': 'Aborted', 'trading.dev/aborted-release': liveRelease });
    expect(active().metadata.annotations['trading.dev/phase-reason']).toMatch(
      /^reconcile: orphaned: release \w+ is live and unjudged \(Soaking\), and its run stopped renewing its lease/,
    );
    const after = await status();
    expect(after.orphanedSince).toBeNull();
    expect((await runReconcile({ environment: 'staging', services: ['agents'] }, ctx())).results[0]).toMatchObject({ outcome: 'clean' });
  }, 90_000);

  // Issue 30: the database half of a rollback. kwok completes the Jobs' pods without running them:
  // here the plan, the Job over the right files, the history and the refusals; the SQL itself is
  // undone on the real node (deploy's deployed-flow.test.mjs) and by the Job's script against
  // PostgreSQL (down-migrations.postgres.spec.ts).
  it('deploy:rollback --database takes the schema back with the application; a migration it cannot undo refuses it first', async () => {
    const dir = join(root, 'apps/agents/src/agents/state/migrations');
    const s1 = readdirSync(dir).sort().at(-1)!.slice(0, 14);
    record(7);
    expect((await deploy()).ok).toBe(true);
    const first = history().at(-1);
    expect(first).toMatchObject({ outcome: 'live', schemaVersion: s1, migrations: expect.stringMatching(/^agents-migrate-[0-9a-f]{10}$/) });
    writeFileSync(
      join(dir, '29991231000000_note.sql'),
      '-- release: expand\n-- migrate:up\nALTER TABLE t ADD COLUMN note text;\n-- migrate:down\nALTER TABLE t DROP COLUMN note;\n',
    );
    record(8);
    expect((await deploy()).ok).toBe(true);
    expect(history().at(-1)).toMatchObject({ outcome: 'live', schemaVersion: '29991231000000' });
    // The base backup its deploy took before the migration ran is recorded on its entry.
    expect(history().at(-1).backup).toMatchObject({ name: expect.stringMatching(/^\d{8}T\d{6}Z-before-agents$/) });
    const second = history().at(-1).migrations;
    expect(second).not.toBe(first.migrations);

    lines = [];
    const back = await runRollback({ environment: 'staging', services: ['agents'], database: true, reason: 'jest: schema' }, ctx());
    expect(back.ok).toBe(true);
    expect(back.results[0]).toMatchObject({ outcome: 'rolled-back', release: first.release, schema: { from: '29991231000000', to: s1 } });
    expect(active().spec.selector['trading.dev/release']).toBe(first.release);
    const jobs = json('jobs', '-l', 'app.kubernetes.io/name=agents-migrate').items.filter((j: { metadata: { name: string } }) =>
      j.metadata.name.includes('-down-'),
    );
    expect(jobs).toHaveLength(1);
    expect(jobs[0].spec.template.spec.volumes[0].configMap).toMatchObject({
      name: second,
      items: [{ key: '29991231000000_note.sql', path: '29991231000000_note.sql' }],
    });
    expect(jobs[0].spec.template.spec.containers[0].env).toEqual(expect.arrayContaining([{ name: 'TARGET', value: s1 }]));
    expect(history().at(-1)).toMatchObject({
      outcome: 'live',
      kind: 'rollback',
      release: first.release,
      schemaVersion: s1,
      migrations: first.migrations,
      rollbackBackup: { name: expect.stringMatching(/^\d{8}T\d{6}Z-before-rollback-agents$/) },
    });
    expect(lines.join('\n')).toMatch(/schema: 29991231000000 -> \d{14} after the switch, undoing 29991231000000_note\.sql/);
    expect(lines.join('\n')).toMatch(/\| agents \| rolled-back \|.*\| 29991231000000 -> \d{14} \([\d.]+ s\) \|/);

    // A migration without a down section: refused before anything moves, naming the file.
    writeFileSync(join(dir, '29991231000001_irreversible.sql'), '-- release: expand\n-- migrate:up\nUPDATE t SET note = 1;\n-- migrate:down\n');
    record(9);
    expect((await deploy()).ok).toBe(true);
    const live = active().spec.selector['trading.dev/release'];
    const entries = history().length;
    const refused = await runRollback({ environment: 'staging', services: ['agents'], database: true, reason: 'jest: schema' }, ctx());
    expect(refused.ok).toBe(false);
    // kwok runs no pg_basebackup, so the deploy's backup recorded no mark (restore point) to recover to.
    expect(lines.join('\n')).toMatch(
      /the schema cannot be rolled back: 29991231000001_irreversible\.sql has no down section \(irreversible\), and the live release's deploy recorded no mark to recover to.*Nothing was changed/,
    );
    expect(active().spec.selector['trading.dev/release']).toBe(live);
    expect(history()).toHaveLength(entries);
    // With the mark a real backup Job prints (planted here): a point-in-time recovery to it, after the
    // switch, from that backup, the schema recorded; refused first while another service's lease is held.
    const mark = { lsn: '0/7000090', at: new Date().toISOString() };
    const planted = history().map((r: { backup?: object }, i: number, all: unknown[]) => (i === all.length - 1 ? { ...r, backup: { ...r.backup, mark } } : r));
    kubectl('-n', NS, 'patch', 'configmap', 'agents-releases', '--type=merge', '-p', JSON.stringify({ data: { history: JSON.stringify(planted) } }));
    const backupOfLive = history().at(-1).backup.name;
    applyLease(CONTEXT, NS, 'deploy-execution-engine', 'another-runner', 60, new Date());
    lines = [];
    const fenced = await runRollback({ environment: 'staging', services: ['agents'], database: true, reason: 'jest: recover' }, ctx());
    if (fenced.ok) throw new Error(`the rollback went ahead:\n${lines.join('\n')}`);
    expect(lines.join('\n')).toMatch(/a point-in-time recovery takes every service's state back, and .*another-runner.*nothing was changed/);
    expect(active().spec.selector['trading.dev/release']).toBe(live);
    kubectl('-n', NS, 'delete', 'lease', 'deploy-execution-engine');
    lines = [];
    const recovered = await runRollback({ environment: 'staging', services: ['agents'], database: true, reason: 'jest: recover' }, ctx());
    expect(recovered.ok).toBe(true);
    expect(recovered.results[0]).toMatchObject({
      outcome: 'rolled-back',
      release: first.release,
      schema: { from: '29991231000001', to: s1, recovered: { backup: backupOfLive, mark: mark.lsn, at: mark.at } },
    });
    const restore = json('jobs', '-l', 'app.kubernetes.io/name=trading-db-restore').items.at(-1);
    expect(restore.spec.template.spec.containers[0].env).toEqual(
      expect.arrayContaining([
        { name: 'TARGET_KIND', value: 'lsn' },
        { name: 'TARGET', value: mark.lsn },
        { name: 'FROM_BACKUP', value: backupOfLive },
      ]),
    );
    expect(lines.join('\n')).toMatch(/schema: 29991231000001 -> \d{14} after the switch by a point-in-time recovery to the mark of backup \S+ \(0\/7000090/);
    expect(history().at(-1)).toMatchObject({ outcome: 'live', kind: 'rollback', release: first.release, schemaVersion: s1 });
    expect(lines.join('\n')).toMatch(/\| agents \| rolled-back \|.*\| 29991231000001 -> \d{14} \(recovered to the mark, [\d.]+ s\) \|/);
    // Roll forward again to the irreversible release for what follows.
    record(10);
    expect((await deploy()).ok).toBe(true);
    // Without --database the application rolls back, and the history says the schema stayed.
    const appOnly = await runRollback({ environment: 'staging', services: ['agents'], reason: 'jest: app only' }, ctx());
    expect(appOnly.results[0]).toMatchObject({ outcome: 'rolled-back', release: first.release });
    expect(appOnly.results[0].schema).toBeUndefined();
    expect(history().at(-1)).toMatchObject({ release: first.release, schemaVersion: '29991231000001' });
  }, 240_000);

  // Issue 30: backups and point-in-time recovery. kwok completes the Jobs' pods without running them:
  // here the steps in their order, the leases, the server stopped and started, the services' pods
  // replaced; pg_basebackup and the WAL replay run on the real node (deploy's deployed-flow.test.mjs).
  it('deploy:backup-database and deploy:restore-database: the Jobs, the server stopped and started, the pods replaced, never beside a deploy', async () => {
    const backup = await runBackup({ environment: 'staging', reason: 'jest' }, ctx());
    expect(backup.name).toMatch(/^\d{8}T\d{6}Z-jest$/);
    expect(json('job', `trading-db-backup-${backup.name.toLowerCase()}`).spec.template.spec.containers[0].env).toEqual(
      expect.arrayContaining([{ name: 'BACKUP', value: backup.name }]),
    );
    const podNames = () =>
      json('pods', '-l', 'app.kubernetes.io/name=agents')
        .items.filter((p: { metadata: { deletionTimestamp?: string } }) => !p.metadata.deletionTimestamp)
        .map((p: { metadata: { name: string } }) => p.metadata.name);
    const before = podNames();
    expect(before.length).toBeGreaterThan(0);
    const to = () => new Date(Date.now() - 1000).toISOString();
    // A deploy in progress: refused, nothing changed.
    applyLease(CONTEXT, NS, 'deploy-agents', 'another-runner', 60);
    await expect(runRestore({ environment: 'staging', to: to() }, ctx())).rejects.toThrow(
      /another deploy of agents holds the lease \(another-runner.*a restore waits for no deploy; nothing was changed/,
    );
    expect(json('statefulset', 'trading-db').spec.replicas).toBe(1);
    kubectl('-n', NS, 'delete', 'lease', 'deploy-agents');
    // Bad input, before any cluster call.
    await expect(runRestore({ environment: 'staging', to: '2026-12-05T07:00:00' }, ctx())).rejects.toThrow(/not a time with its zone/);
    const result = await runRestore({ environment: 'staging', to: to() }, ctx());
    expect(Object.keys(result.phases)).toEqual(['archive', 'stop', 'restore', 'replay', 'sequences', 'services']);
    // The Service was closed while the server replayed, and selects it again once the restore is done.
    expect(json('service', 'trading-db').spec.selector).toEqual({ 'app.kubernetes.io/name': 'trading-db' });
    expect(lines.join('\n')).toMatch(/database: its Service selects the server again/);
    expect(json('statefulset', 'trading-db').spec.replicas).toBe(1);
    const after = podNames();
    expect(after.length).toBe(before.length);
    expect(after.filter((p: string) => before.includes(p))).toEqual([]);
    const jobs = json('jobs').items.map((j: { metadata: { name: string } }) => j.metadata.name);
    expect(jobs).toEqual(
      expect.arrayContaining([expect.stringMatching(/^trading-db-wal-switch-\d{8}t\d{6}z$/), expect.stringMatching(/^trading-db-restore-\d{8}t\d{6}z$/)]),
    );
    expect(lines.join('\n')).toMatch(
      /database restored to \S+ in [\d.]+ s \(archive [\d.]+ s, stop [\d.]+ s, restore [\d.]+ s, replay [\d.]+ s, sequences [\d.]+ s, services [\d.]+ s\)/,
    );
    // The lease is free again: a new release deploys.
    lines = [];
    record(11);
    const again = await deploy();
    expect(again.ok ? '' : lines.join('\n')).toBe('');
  }, 180_000);

  // Issue 30: a contract migration runs through the deploy only when neither the live release nor
  // its standby lacks it, and once it ran no rollback goes to a release without it.
  it('deploy --contract runs a contract migration once the live release and the standby carry it; then no rollback crosses it', async () => {
    const dir = join(root, 'apps/agents/src/agents/state/migrations');
    const contract = '29991231000002_drop_note.sql';
    writeFileSync(join(dir, contract), '-- release: contract\n-- migrate:up\nALTER TABLE t DROP COLUMN note;\n-- migrate:down\n');
    const before = history().at(-1);
    record(12);
    const refused = await deploy({ contract: true });
    expect(refused.ok).toBe(false);
    expect(refused.results[0]).toMatchObject({
      outcome: 'deployed',
      contract: expect.stringMatching(/^refused 29991231000002_drop_note\.sql: the standby release \w+ \(rev \d+\) does not carry it/),
    });
    const r12 = active().spec.selector['trading.dev/release'];
    expect(history().at(-1)).toMatchObject({ release: r12, contracts: [contract] });
    expect(history().at(-1).contracted).toBeUndefined();
    expect(before.contracts).toBeUndefined();

    record(13);
    lines = [];
    const ran = await deploy({ contract: true });
    expect(ran.ok).toBe(true);
    expect(ran.results[0].contract).toBe(`ran ${contract}`);
    expect(lines.join('\n')).toMatch(/migrations: Job agents-migrate-[0-9a-f]{10} runs 3 expand and 1 contract migration\(s\) up to 29991231000002/);
    expect(lines.join('\n')).toMatch(/\| agents \| deployed \| .* \| ran 29991231000002_drop_note\.sql \|/);
    const r13 = active().spec.selector['trading.dev/release'];
    expect(history().at(-1)).toMatchObject({ release: r13, contracted: [contract], schemaVersion: '29991231000002' });

    // Back to r12, which carries it: allowed. Further back, to a release without it: refused.
    const back = await runRollback({ environment: 'staging', services: ['agents'], reason: 'jest: contract' }, ctx());
    expect(back.results[0]).toMatchObject({ outcome: 'rolled-back', release: r12 });
    lines = [];
    const crossing = await runRollback({ environment: 'staging', services: ['agents'], reason: 'jest: contract' }, ctx());
    expect(crossing.ok).toBe(false);
    expect(lines.join('\n')).toMatch(
      /does not carry the contract migration 29991231000002_drop_note\.sql that ran since, so it may read what it removed; nothing was changed/,
    );
    expect(active().spec.selector['trading.dev/release']).toBe(r12);
  }, 120_000);
});

describe('the release history under concurrent writers', () => {
  // Scenario 9: each writer reads, changes and writes under the resourceVersion; a conflict
  // rereads and reapplies, so no writer's entry is lost.
  it('keeps every entry when several writers update it at once', async () => {
    const kube = await Kube.connect({ context: CONTEXT, namespace: NS });
    const entry = (n: number) => ({
      image: digest(n),
      gitSha: 'x',
      color: 'blue' as const,
      time: new Date().toISOString(),
      actor: `writer-${n}`,
      kind: 'deploy' as const,
      reason: 'jest',
    });
    const { recordFailed } = await import('@trading/release-model');
    await Promise.all([1, 2, 3, 4, 5].map((n) => kube.updateHistory('racer', (h) => recordFailed(h, entry(n)))));
    const stored = await kube.readHistory('racer');
    expect(stored.map((r) => r.actor).sort()).toEqual(['writer-1', 'writer-2', 'writer-3', 'writer-4', 'writer-5']);
    expect(stored.map((r) => r.revision).sort()).toEqual([1, 2, 3, 4, 5]);
  }, 30_000);
});
