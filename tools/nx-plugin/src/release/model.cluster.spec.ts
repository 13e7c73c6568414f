import { execFileSync } from 'node:child_process';
import { ClusterClient, loadClient } from './act/cluster/client';
import { Kube } from './act/kube';
import { MemoryApi } from './testing/memory-api';
import { type Command, modelEnv, World } from './testing/model-world';

// The model's cross-check: one fixed sequence of the model's commands (a release, a config-only
// change, a failed soak switched back, a halted soak, abort, rerun, rollback) against the real
// local API server and against the in-memory one. After every command, what an operator sees
// (live colour, release, phase, the history's live release) must be the same in both.
import { LOCAL_CONTEXT as CONTEXT } from '../testing/local-cluster';
const NS = `jest-model-${process.pid}`;
const kubectl = (...args: string[]) => execFileSync('kubectl', ['--context', CONTEXT, ...args], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim();

const sequence: Command[] = [
  { kind: 'deploy', variant: 0, verdict: 'pass', broken: false, crashAfter: null, fault: null },
  { kind: 'deploy', variant: 1, verdict: 'pass', broken: false, crashAfter: null, fault: null },
  { kind: 'deploy', variant: 2, verdict: 'fail', broken: false, crashAfter: null, fault: null },
  { kind: 'deploy', variant: 3, verdict: 'inconclusive', broken: false, crashAfter: null, fault: null },
  { kind: 'abort', crashAfter: null },
  { kind: 'rerun' },
  { kind: 'deploy', variant: 0, verdict: 'pass', broken: false, crashAfter: null, fault: null },
  { kind: 'rollback', crashAfter: null, fault: null },
  { kind: 'rerun' },
];

beforeAll(() => {
  try {
    kubectl('get', '--raw', '/readyz');
  } catch {
    throw new Error(`the local cluster (context ${CONTEXT}) is not up: run npx nx run local-cluster:up`);
  }
  kubectl('create', 'namespace', NS);
});

afterAll(() => {
  try {
    kubectl('delete', 'namespace', NS, '--wait=false');
  } catch {
    /* gone */
  }
});

describe('the model cross-checked on the real API server', () => {
  it('ends every command of a fixed sequence in the same observable state as the in-memory API', async () => {
    const k8s = await loadClient();
    const api = new MemoryApi();
    const memory = new World(new Kube(new ClusterClient(k8s, 'memory://model', { context: 'model', namespace: NS }, api.apis())), modelEnv(NS, 0.05), api);
    const cluster = new World(await Kube.connect({ context: CONTEXT, namespace: NS }), modelEnv(NS, 30), null, 200);
    const trace: string[] = [];
    for (const cmd of sequence) {
      const [m, c] = [await memory.run(cmd), await cluster.run(cmd)];
      const [mo, co] = [await memory.outcome(), await cluster.outcome()];
      trace.push(`${JSON.stringify(cmd)}\n  memory:  ${m.slice(0, 100)} ${JSON.stringify(mo)}\n  cluster: ${c.slice(0, 100)} ${JSON.stringify(co)}`);
      expect({ trace: trace.join('\n'), state: co }).toEqual({ trace: trace.join('\n'), state: mo });
      expect(c.split(':')[0]).toBe(m.split(':')[0]);
    }
    if (process.env.MODEL_TRACE) console.log(trace.join('\n'));
    const final = await cluster.outcome();
    expect(final.phase).not.toBe('Soaking');
    expect(final.live).toBe(final.release);
  }, 240_000);
});
