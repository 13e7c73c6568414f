import type { ExecutorContext } from '@nx/devkit';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import gkeDeployExecutor from './gke-deploy/gke-deploy.impl';
import { ClusterClient } from '../release/act/cluster/client';
import { Kube } from '../release/act/kube';
import { runDeploy } from '../release/commands/deploy/run-deploy';
import rollbackExecutor from './rollback/rollback.impl';
import databaseBackupExecutor from './database-backup/database-backup.impl';
import databaseRestoreExecutor from './database-restore/database-restore.impl';
import { runRollback } from '../release/commands/rollback/run-rollback';
import { withSeveralReplicas } from '../testing/several-replicas';
import { withServiceMigrations } from '../testing/service-migrations';
import { applyLease } from '../testing/lease';

// The deploy and rollback code against the real local cluster (npx nx run local-cluster:up).
// The same paths run through `nx` in tools/workspace-tests/deploy.test.mjs.
import { LOCAL_CONTEXT as CONTEXT } from '../testing/local-cluster';
const NS = `jest-deploy-${process.pid}`;
const kubectl = (...args: string[]) => execFileSync('kubectl', ['--context', CONTEXT, ...args], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim();
const digest = (n: number) => `reg.local/trading/svc@sha256:${String(n).repeat(64).slice(0, 64)}`;
const lines: string[] = [];
let root: string;

const ctx = () => ({ workspaceRoot: root, env: {} as NodeJS.ProcessEnv, actor: 'jest', log: (m: string) => lines.push(m) });
const record = (project: string, n: number) => {
  mkdirSync(join(root, 'dist', project), { recursive: true });
  writeFileSync(join(root, 'dist', project, 'image.json'), JSON.stringify({ reference: digest(n), revision: 'a'.repeat(40) }));
};
const selector = (svc: string) => kubectl('-n', NS, 'get', 'service', svc, '-o', 'jsonpath={.spec.selector.trading\\.dev/color}');

beforeAll(() => {
  try {
    kubectl('get', '--raw', '/readyz');
  } catch {
    throw new Error(`the local cluster (context ${CONTEXT}) is not up: run npx nx run local-cluster:up`);
  }
  root = mkdtempSync(join(tmpdir(), 'deploy-ws-'));
  cpSync(join(__dirname, '../../../deploy'), join(root, 'tools/deploy'), { recursive: true });
  withServiceMigrations(root);
  withSeveralReplicas(join(root, 'tools/deploy'));
  const envFile = join(root, 'tools/deploy/environments.yaml');
  writeFileSync(
    envFile,
    readFileSync(envFile, 'utf8').replace('namespace: trading-staging', `namespace: ${NS}`).replace('scaleDownDelaySeconds: 30', 'scaleDownDelaySeconds: 1'),
  );
  for (const p of ['agents', 'dashboard', 'execution-engine']) record(p, 1);
}, 30_000);

afterAll(() => {
  try {
    kubectl('delete', 'namespace', NS, '--wait=false');
  } catch {
    /* already gone */
  }
});

describe('deploy and rollback against the local cluster', () => {
  it('deploys every service to blue, then flips only the changed one to green', async () => {
    const first = await runDeploy({ environment: 'staging', skipAnalysis: true }, ctx());
    expect(first.ok).toBe(true);
    expect(first.results.map((r) => [r.service, r.outcome, r.color]).sort()).toEqual([
      ['agents', 'deployed', 'blue'],
      ['dashboard', 'deployed', 'blue'],
      ['execution-engine', 'deployed', 'blue'],
    ]);
    record('execution-engine', 2);
    const second = await runDeploy({ environment: 'staging', skipAnalysis: true }, ctx());
    expect(second.results.find((r) => r.service === 'execution-engine')).toMatchObject({ outcome: 'deployed', color: 'green', image: digest(2) });
    expect(second.results.find((r) => r.service === 'agents')).toMatchObject({ outcome: 'unchanged', color: 'blue' });
    expect(selector('execution-engine')).toBe('green');
  }, 120_000);

  it('runs the dashboard as its own read-only identity: it reads the releases, a write or a Secret through it is refused', async () => {
    expect(
      kubectl(
        '-n',
        NS,
        'get',
        'deploy',
        'dashboard-blue',
        '-o',
        'jsonpath={.spec.template.spec.serviceAccountName} {.spec.template.spec.automountServiceAccountToken}',
      ),
    ).toBe('dashboard true');
    expect(
      kubectl(
        '-n',
        NS,
        'get',
        'deploy',
        'agents-blue',
        '-o',
        'jsonpath={.spec.template.spec.serviceAccountName}|{.spec.template.spec.automountServiceAccountToken}',
      ),
    ).toBe('|false');
    // The pods' own credentials: a token of the dashboard's ServiceAccount, used as the pod uses it.
    const token = kubectl('-n', NS, 'create', 'token', 'dashboard', '--duration=10m');
    const server = kubectl('config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}');
    const ca = kubectl('config', 'view', '--minify', '--raw', '-o', 'jsonpath={.clusters[0].cluster.certificate-authority-data}');
    const k8s = await import('@kubernetes/client-node');
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server, caData: ca, skipTLSVerify: !ca }],
      users: [{ name: 'dashboard', token }],
      contexts: [{ name: 'c', cluster: 'c', user: 'dashboard', namespace: NS }],
      currentContext: 'c',
    });
    const { clientReader, readServiceStatus } = await import('@trading/release-model');
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const status = await readServiceStatus(clientReader(k8s, kc, NS), 'execution-engine');
    expect(status).toMatchObject({ live: { color: 'green', image: digest(2) }, phase: 'Promoted' });
    const refused = async (write: () => Promise<unknown>) => {
      const error = await write().then(
        () => null,
        (e: { code?: number }) => e,
      );
      return error?.code;
    };
    expect(
      await refused(() =>
        core.patchNamespacedService(
          { name: 'execution-engine', namespace: NS, body: { metadata: { labels: { x: 'y' } } } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        ),
      ),
    ).toBe(403);
    expect(await refused(() => apps.deleteNamespacedDeployment({ name: 'agents-blue', namespace: NS }))).toBe(403);
    expect(await refused(() => core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'x' } } }))).toBe(403);
    expect(await refused(() => core.listNamespacedSecret({ namespace: NS }))).toBe(403);
    expect(await refused(() => core.listNamespacedService({ namespace: 'default' }))).toBe(403);
    expect(selector('execution-engine')).toBe('green');
  }, 60_000);

  it('rolls the changed service back to blue and reports the recovery time', async () => {
    const result = await runRollback({ environment: 'staging', services: ['execution-engine'], reason: 'jest' }, ctx());
    expect(result.ok).toBe(true);
    expect(result.results[0]).toMatchObject({ service: 'execution-engine', from: 'green', to: 'blue', image: digest(1) });
    expect(result.results[0].recoverySeconds).toBeLessThan(60);
    expect(selector('execution-engine')).toBe('blue');
  }, 90_000);

  it('refuses a rollback with no earlier release, leaving traffic alone', async () => {
    const result = await runRollback({ environment: 'staging', services: ['dashboard'] }, ctx());
    expect(result.ok).toBe(false);
    expect(lines.join('\n')).toMatch(/dashboard: no previous good release/);
    expect(selector('dashboard')).toBe('blue');
  }, 30_000);

  it('refuses to deploy while another deploy holds the lease', async () => {
    const now = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
    execFileSync('kubectl', ['--context', CONTEXT, 'apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'deploy-agents', namespace: NS },
        spec: { holderIdentity: 'elsewhere', leaseDurationSeconds: 60, renewTime: now },
      }),
    });
    record('agents', 3);
    const result = await runDeploy({ environment: 'staging', services: ['agents'], skipAnalysis: true }, ctx());
    expect(result.ok).toBe(false);
    expect(lines.join('\n')).toMatch(/another deploy of agents holds the lease \(elsewhere/);
    expect(selector('agents')).toBe('blue');
    kubectl('-n', NS, 'delete', 'lease', 'deploy-agents');
  }, 30_000);

  // Issue 17, scenario 5: a holder whose lease was taken over (it expired while the holder was
  // stalled) must not delete the new holder's lease when it finishes.
  it('releases the deploy lease only while it still holds it', async () => {
    const kube = await Kube.connect({ context: CONTEXT, namespace: NS });
    const lease = await kube.acquireLease('lease-probe', 30, 'holder-a');
    kubectl('-n', NS, 'patch', 'lease', 'deploy-lease-probe', '--type=merge', '-p', JSON.stringify({ spec: { holderIdentity: 'holder-b' } }));
    await lease.release();
    expect(kubectl('-n', NS, 'get', 'lease', 'deploy-lease-probe', '-o', 'jsonpath={.spec.holderIdentity}')).toBe('holder-b');
    const own = await kube.acquireLease('lease-probe-2', 30, 'holder-c');
    await own.release();
    expect(() => kubectl('-n', NS, 'get', 'lease', 'deploy-lease-probe-2')).toThrow(/NotFound/);
  }, 30_000);

  // Issue 17, scenario 5: expiry was judged by comparing the holder's renewTime with this
  // machine's clock. Now a lease that only looks expired is watched for its whole duration on the
  // contender's clock; a holder renewing meanwhile keeps it.
  // Issue 34, path 7: a rollback cancels a running deploy by taking its lease over. Every write of
  // the deploy reads the lease first (a fencing read), so it writes nothing more at once, not
  // only after its next renewal finds the lease taken.
  it('a run whose lease was taken over writes nothing more, before its next renewal', async () => {
    const kube = await Kube.connect({ context: CONTEXT, namespace: NS });
    const running = await kube.acquireLease('fenced', 30, 'deploy-run');
    const preempting = await kube.preemptLease('fenced', 30);
    try {
      await expect(kube.holding(running).scale('fenced', 'blue', 0)).rejects.toThrow(
        /lost the deploy lease of fenced to \S+: nothing more is written by this run/,
      );
      expect(running.lost).toBeDefined();
      expect(kubectl('-n', NS, 'get', 'lease', 'deploy-fenced', '-o', 'jsonpath={.spec.holderIdentity}')).not.toBe('deploy-run');
    } finally {
      await running.release();
      await preempting.release();
    }
  });

  it('takes over a lease that looks expired only after watching it unchanged for its duration', async () => {
    const kube = await Kube.connect({ context: CONTEXT, namespace: NS });
    const apply = (name: string, holder: string) => applyLease(CONTEXT, NS, name, holder, 2, new Date(Date.now() - 3_600_000));
    apply('deploy-ghost', 'crashed-runner');
    const watched: string[] = [];
    const started = Date.now();
    const lease = await kube.acquireLease('ghost', 30, 'contender', (m) => watched.push(m), 200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(watched).toEqual(["the deploy lease of ghost (crashed-runner) looks expired by its holder's clock; watching it for 2 s before taking it over"]);
    expect(kubectl('-n', NS, 'get', 'lease', 'deploy-ghost', '-o', 'jsonpath={.spec.holderIdentity}')).toBe('contender');
    await lease.release();

    apply('deploy-slow-clock', 'slow-clock-runner');
    const renewer = setTimeout(() => kubectl('-n', NS, 'annotate', '--overwrite', 'lease', 'deploy-slow-clock', `renewed=${Date.now()}`), 500);
    try {
      await expect(kube.acquireLease('slow-clock', 30, 'contender', () => undefined, 200)).rejects.toThrow(
        /holds the lease \(slow-clock-runner\): it renewed it while this run watched/,
      );
    } finally {
      clearTimeout(renewer);
    }
    expect(kubectl('-n', NS, 'get', 'lease', 'deploy-slow-clock', '-o', 'jsonpath={.spec.holderIdentity}')).toBe('slow-clock-runner');
  }, 30_000);

  // Issue 17: every write checks the lease first. A holder whose renewals fail (here: the API
  // refuses the lease's replace; everything else is the real cluster) stops writing at the renew
  // deadline, two thirds of the duration after its last good renewal, before anyone may take over.
  it('a lease holder whose renewals fail writes nothing after the renew deadline', async () => {
    const real = await ClusterClient.connect({ context: CONTEXT, namespace: NS });
    let refuse = false;
    const coordination = new Proxy(real.coordination, {
      get: (target, key, receiver) =>
        key === 'replaceNamespacedLease' && refuse
          ? () => Promise.reject(Object.assign(new Error('injected: lease renewal refused'), { code: 500 }))
          : Reflect.get(target, key, receiver),
    });
    const kube = new Kube(new ClusterClient(real.k8s, real.server, real.target, { apps: real.apps, core: real.core, discovery: real.discovery, coordination }));
    const lease = await kube.acquireLease('renewals-failing', 3, 'failing-holder');
    const holding = kube.holding(lease);
    const replicas = () => kubectl('-n', NS, 'get', 'deployment', 'agents-blue', '-o', 'jsonpath={.spec.replicas}');
    const before = replicas();
    try {
      refuse = true;
      await holding.scale('agents', 'blue', Number(before)); // within the deadline: written
      await new Promise((r) => setTimeout(r, 2_300));
      await expect(holding.scale('agents', 'blue', 0)).rejects.toThrow(
        /the deploy lease of renewals-failing was last renewed \d+\.\d s ago \(lease 3 s\): another run may take it over, so this run writes nothing more/,
      );
      await expect(holding.updateHistory('agents', (h) => h.slice(0, 1))).rejects.toThrow(/writes nothing more/);
      expect(replicas()).toBe(before);
      expect(kubectl('-n', NS, 'get', 'lease', 'deploy-renewals-failing', '-o', 'jsonpath={.spec.holderIdentity}')).toBe('failing-holder');
    } finally {
      refuse = false;
      await lease.release();
    }
  }, 30_000);

  // Issue 17: two deploys racing for a lease nobody holds, or taking over the same expired one.
  it('two contenders racing for the same lease: exactly one gets it, the other is told who holds it', async () => {
    const kube = await Kube.connect({ context: CONTEXT, namespace: NS });
    await kube.ensureNamespace();
    for (let round = 0; round < 5; round++) {
      const name = `race-${round}`;
      const settled = await Promise.allSettled([kube.acquireLease(name, 30, 'runner-a'), kube.acquireLease(name, 30, 'runner-b')]);
      const won = settled.filter((s) => s.status === 'fulfilled');
      const lost = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
      expect([won.length, lost.map((l) => String(l.reason))]).toEqual([1, [expect.any(String)]]);
      const holder = kubectl('-n', NS, 'get', 'lease', `deploy-${name}`, '-o', 'jsonpath={.spec.holderIdentity}');
      expect(lost.map((l) => (l.reason as Error).message)).toEqual([
        expect.stringMatching(new RegExp(`another deploy of ${name} holds the lease \\(${holder}`)),
      ]);
      await (won[0] as PromiseFulfilledResult<Awaited<ReturnType<Kube['acquireLease']>>>).value.release();
    }
    // Both taking over the same expired lease after watching it: the replace of one gets a 409.
    applyLease(CONTEXT, NS, 'deploy-race-takeover', 'crashed', 1, new Date(Date.now() - 3_600_000));
    const settled = await Promise.allSettled([
      kube.acquireLease('race-takeover', 30, 'runner-a', () => undefined, 100),
      kube.acquireLease('race-takeover', 30, 'runner-b', () => undefined, 100),
    ]);
    const holder = kubectl('-n', NS, 'get', 'lease', 'deploy-race-takeover', '-o', 'jsonpath={.spec.holderIdentity}');
    expect(holder).toMatch(/^runner-[ab]$/);
    expect(settled.map((s) => (s.status === 'fulfilled' ? 'won' : (s.reason as Error).message)).sort()).toEqual(
      [expect.stringMatching(new RegExp(`another deploy of race-takeover holds the lease \\(${holder}`)), 'won'].sort(),
    );
    for (const s of settled) if (s.status === 'fulfilled') await s.value.release();
  }, 30_000);

  it('explains an unreachable API server and a missing context', async () => {
    const kubeconfig = join(root, 'dead.kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'dead',
        clusters: [{ name: 'dead', cluster: { server: 'https://127.0.0.1:1' } }],
        users: [{ name: 'u', user: { token: 'x' } }],
        contexts: [{ name: 'dead', context: { cluster: 'dead', user: 'u' } }],
      }),
    );
    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = kubeconfig;
    try {
      await expect(runDeploy({ environment: 'staging', context: 'dead' }, ctx())).rejects.toThrow(
        /cannot reach the Kubernetes API at https:\/\/127\.0\.0\.1:1 \(context dead\)/,
      );
      await expect(runDeploy({ environment: 'staging', context: 'gke_x' }, ctx())).rejects.toThrow(/no context "gke_x" \(has: dead\)/);
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
  }, 30_000);

  it('prints the plan on a dry run without a cluster, and the executors report bad input as failure', async () => {
    const dry = await runDeploy({ environment: 'staging', dryRun: true, context: 'nowhere' }, ctx());
    expect(dry).toEqual({ ok: true, results: [] });
    expect(lines.join('\n')).toMatch(/plan execution-engine: .* x2 onto the idle colour/);
    const context = { root } as ExecutorContext;
    expect(await gkeDeployExecutor({ environment: 'qa' }, context)).toEqual({ success: false });
    expect(await rollbackExecutor({ environment: 'qa' }, context)).toEqual({ success: false });
    expect(await databaseBackupExecutor({ environment: 'qa' }, context)).toEqual({ success: false });
    expect(await databaseRestoreExecutor({ environment: 'staging', to: 'yesterday' }, context)).toEqual({ success: false });
  });
});
