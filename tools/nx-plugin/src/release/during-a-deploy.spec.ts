import { parseAnalysis } from '@trading/release-model';
import { ClusterClient, loadClient } from './act/cluster/client';
import { live, type Release } from '@trading/release-model';
import { Kube } from './act/kube';
import { decide } from './commands/decision/run-decision';
import { rollbackService } from './commands/rollback/run-rollback';
import { readServiceStatus } from './commands/status/run-status';
import { deploymentManifest } from './config/manifests';
import { MemoryApi } from './testing/memory-api';
import { modelEnv, releaseOf, World } from './testing/model-world';
import { loadServices } from './config/config';
import { join } from 'node:path';

// Issue 34: commands that meet a deploy in the middle. Each case is one path the review traced
// through the release engine, run through the real deploy loop, soak, abort and rollback code
// against the in-memory API server; each failed before its fix.
const configDir = join(__dirname, '../../../deploy');
const [agents] = loadServices(configDir, 'staging', ['agents']);
const ctx = { workspaceRoot: '', env: {}, log: () => undefined, actor: 'spec' };

async function world() {
  const api = new MemoryApi();
  const kube = new Kube(new ClusterClient(await loadClient(), 'memory://spec', { context: 'spec', namespace: 'spec' }, api.apis()));
  return { api, kube, world: new World(kube, modelEnv('spec', 0.05), api) };
}
const selected = (api: MemoryApi) => api.service('agents')!.spec!.selector!['trading.dev/release'];
const phaseOf = (api: MemoryApi) => api.service('agents')!.metadata!.annotations!['trading.dev/phase'];
const abort = (kube: Kube) =>
  decide(kube, agents, { decision: 'abort', environment: 'staging', services: ['agents'], all: false, reason: 'spec', configDir: '' }, ctx);

describe('the switch', () => {
  it("starts the soak once the active Service lists the new colour's ready pods, not before", async () => {
    const { world: w } = await world();
    await w.deploy(0, 'pass');
    // A first deploy creates the Service: kube-proxy is given its sync period before the soak.
    const first = w.logs.slice(w.logs.indexOf('switch traffic (none) -> blue'));
    expect(first.slice(1, 3)).toEqual([
      expect.stringMatching(/^traffic: the active Service lists 2\/2/),
      'traffic: a new Service: 2 s for kube-proxy to program it before the soak',
    ]);
    await w.deploy(1, 'pass');
    const second = w.logs.slice(w.logs.lastIndexOf('switch traffic blue -> green'));
    expect(second[1]).toMatch(/^traffic: the active Service lists 2\/2 ready pods of the new release \(after \d+\.\d s\)$/);
    expect(second[2]).not.toMatch(/a new Service/);
  });

  it('records the soak round by round for the Deployments page: metrics and thresholds, values, the verdict', async () => {
    const { api, world: w } = await world();
    await w.deploy(0, 'pass');
    const passed = parseAnalysis(api.configMap('agents-analysis')?.data?.analysis)!;
    expect(passed).toMatchObject({ kind: 'soak', release: releaseOf(0), label: 'soak of agents on blue', verdict: { status: 'passed' } });
    expect(passed.metrics.map((m) => m.name)).toEqual(expect.arrayContaining(['error-rate']));
    expect(passed.rounds.length).toBeGreaterThan(0);
    expect(Object.values(passed.rounds[0].values)).toEqual(expect.arrayContaining([0]));
    expect(Date.parse(passed.deadline) - Date.parse(passed.startedAt)).toBe(w.env.analysis!.soakSeconds * 1000);
    await expect(w.deploy(1, 'fail')).rejects.toThrow(/rolled back/);
    const failed = parseAnalysis(api.configMap('agents-analysis')?.data?.analysis)!;
    expect(failed).toMatchObject({ release: releaseOf(1), label: 'soak of agents on green', verdict: { status: 'failed' } });
    expect(failed.rounds).toHaveLength(1);
    expect(failed.verdict!.reason).toMatch(/error-rate/);
  });
});

describe('commands in the middle of a deploy (issue 34)', () => {
  it('1. an abort while the idle colour holds a new, unjudged release never switches to it, and no cleanup takes the live colour down', async () => {
    const { api, kube, world: w } = await world();
    expect(await w.run({ kind: 'deploy', variant: 0, verdict: 'pass', broken: false, crashAfter: null, fault: null })).toBe('ok');
    // R1 live and Halted (its soak could not judge it); blue still holds R0, the judged-good one.
    expect(await w.run({ kind: 'deploy', variant: 1, verdict: 'inconclusive', broken: false, crashAfter: null, fault: null })).toMatch(/halted/);
    expect(selected(api)).toBe(releaseOf(1));
    // A deploy's idle colour now holds R2 (as a deploy over the halted release left it before the
    // planner refused that): the colour behind "back" is not the judged-good release any more.
    await kube.applyDeployment(
      deploymentManifest({
        service: { ...agents, env: { ...agents.env, MODEL_VARIANT: '0' } },
        environment: 'staging',
        namespace: 'spec',
        color: 'blue',
        image: 'reg.local/trading/agents@sha256:' + '2'.repeat(64),
        replicas: 2,
        revision: 'r',
      }),
    );
    for (let i = 0; i < 3; i++) await kube.observe('agents'); // the controller rolls it out
    await expect(abort(kube)).rejects.toThrow(/not the last judged-good release .*traffic stays on green/);
    expect(selected(api)).toBe(releaseOf(1));
    w.checkTraffic(['abort with a new release on the idle colour']);
  });

  it('2. a soak that outlives an abort writes nothing about the release restored meanwhile', async () => {
    const { api, kube, world: w } = await world();
    await w.deploy(0, 'pass');
    let aborted = false;
    const run = w.deploy(1, 'inconclusive', {
      duringSoak: async () => {
        if (!aborted) {
          aborted = true;
          await abort(kube);
        }
      },
    });
    await expect(run).rejects.toThrow(/no longer live|moved it/);
    expect(selected(api)).toBe(releaseOf(0));
    expect(phaseOf(api)).toBe('Aborted'); // not Halted: the restored release was judged long ago
  });

  it('4. a switch-back that meets one API error retries: the failed release does not stay live', async () => {
    const { api, world: w } = await world();
    await w.deploy(0, 'pass');
    let armed = false;
    const run = w.deploy(1, 'fail', {
      duringSoak: async () => {
        if (!armed) {
          armed = true;
          api.failNext = /replaceNamespacedService/;
        }
      },
    });
    await expect(run).rejects.toThrow(/rolled back: soak analysis failed/);
    expect(selected(api)).toBe(releaseOf(0));
    expect(phaseOf(api)).toBe('Aborted');
    expect(live(api.history('agents') as Release[])?.release).toBe(releaseOf(0));
  });

  it('5. a deploy over a live release that is not judged yet is refused, and the judged-good colour is kept', async () => {
    const { api, kube, world: w } = await world();
    await w.deploy(0, 'pass');
    await expect(w.deploy(1, 'inconclusive')).rejects.toThrow(/halted/);
    await expect(w.deploy(2, 'pass')).rejects.toThrow(new RegExp(`release ${releaseOf(1)} is live on green and not judged yet \\(Halted\\)`));
    expect(selected(api)).toBe(releaseOf(1));
    expect((await kube.observe('agents')).deployments.blue?.release).toBe(releaseOf(0));
    // ... so the abort still finds the judged-good release where it left it.
    await abort(kube);
    expect(selected(api)).toBe(releaseOf(0));
  });

  it("10. status counts the live colour's own ready pods: a canary's pods behind the active Service do not hide a dead one", async () => {
    const { api, kube, world: w } = await world();
    await w.deploy(0, 'pass');
    const live = releaseOf(0);
    // A production canary of another release: one pod behind the active Service, labelled as live.
    await kube.applyDeployment(
      deploymentManifest({
        service: agents,
        environment: 'staging',
        namespace: 'spec',
        color: 'blue',
        image: 'reg.local/trading/agents@sha256:' + '9'.repeat(64),
        replicas: 1,
        revision: 'r',
        canary: true,
        liveRelease: live,
      }),
    );
    for (let i = 0; i < 3; i++) await kube.deploymentStatus('agents-canary'); // the controller rolls it out
    // One of the two live pods dies (not ready).
    api.allPods().find((p) => p.labels['trading.dev/release'] === live && !p.labels['trading.dev/track'])!.ready = false;
    expect(await kube.readyEndpoints('agents')).toBe(2); // what status counted before: 1 live + 1 canary
    const status = await readServiceStatus(kube, 'agents');
    expect(status.readyEndpoints).toBe(1);
    expect(status.warnings).toContain('1/2 ready pods of the live release on blue');
  });

  it('8. a rollback scales the colour it took off traffic down: no pod of the bad release keeps working', async () => {
    const { api, kube, world: w } = await world();
    await w.deploy(0, 'pass');
    await w.deploy(1, 'pass');
    const result = await rollbackService(kube, agents, 'staging', ctx, 'spec', 5_000);
    expect(result).toMatchObject({ outcome: 'rolled-back', from: 'green', to: 'blue' });
    expect(selected(api)).toBe(releaseOf(0));
    expect((await kube.observe('agents')).deployments.green?.replicas).toBe(0);
  });
});
