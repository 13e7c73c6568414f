import type * as k8s from '@kubernetes/client-node';
import {
  type ClusterReader,
  deploymentStatus,
  observe,
  orphanedSince,
  readHistory,
  readLease,
  readyAddresses,
  readyLivePods,
  releasedServices,
} from './observed';
import { COLOR_LABEL, RELEASE_LABEL, SWITCHED_AT, TRACK_LABEL } from './names';
import { ABORTED_REASON, ABORTED_RELEASE, PHASE, PHASE_REASON, PHASE_SINCE, parseState, stateAnnotations } from './phase';
import { readServiceStatus, readServiceView } from './status';

/** A namespace as plain objects: the reader the model is given. */
function namespace(objects: {
  services?: Record<string, k8s.V1Service>;
  deployments?: Record<string, k8s.V1Deployment>;
  configMaps?: Record<string, k8s.V1ConfigMap>;
  leases?: Record<string, k8s.V1Lease>;
  slices?: Record<string, k8s.V1EndpointSlice[]>;
  pods?: k8s.V1Pod[];
}): ClusterReader & { selectors: string[] } {
  const selectors: string[] = [];
  return {
    selectors,
    readService: async (name) => objects.services?.[name] ?? null,
    readDeployment: async (name) => objects.deployments?.[name] ?? null,
    readConfigMap: async (name) => objects.configMaps?.[name] ?? null,
    readLease: async (name) => objects.leases?.[name] ?? null,
    listEndpointSlices: async (service) => objects.slices?.[service] ?? [],
    listDeployments: async (selector) =>
      Object.values(objects.deployments ?? {}).filter((d) => selector.split(',').every((key) => key in (d.metadata?.labels ?? {}))),
    listPods: async (selector) => {
      selectors.push(selector);
      const wanted = Object.fromEntries(selector.split(',').map((kv) => kv.split('=')));
      return (objects.pods ?? []).filter((p) => Object.entries(wanted).every(([k, v]) => p.metadata?.labels?.[k] === v));
    },
  };
}

const service = (color: string, release: string, annotations: Record<string, string> = {}): k8s.V1Service => ({
  metadata: { annotations },
  spec: { selector: { 'app.kubernetes.io/name': 'agents', [COLOR_LABEL]: color, [RELEASE_LABEL]: release } },
});
const deployment = (release: string, image: string, replicas: number, available: number, name = 'agents', color = 'blue'): k8s.V1Deployment => ({
  metadata: { generation: 2, labels: { 'app.kubernetes.io/name': name, [COLOR_LABEL]: color } },
  spec: {
    replicas,
    selector: {},
    template: { metadata: { labels: { [RELEASE_LABEL]: release } }, spec: { containers: [{ name: 'app', image }] } },
  },
  status: { observedGeneration: 2, replicas, updatedReplicas: replicas, availableReplicas: available },
});
const endpoint = (pod: string, ready = true): k8s.V1Endpoint => ({ addresses: ['198.18.0.9'], conditions: { ready }, targetRef: { kind: 'Pod', name: pod } });
const pod = (color: string, release: string, ready: boolean, extra: Record<string, string> = {}, deleting = false): k8s.V1Pod => ({
  metadata: {
    labels: { 'app.kubernetes.io/name': 'agents', [COLOR_LABEL]: color, [RELEASE_LABEL]: release, ...extra },
    ...(deleting ? { deletionTimestamp: new Date() } : {}),
  },
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

const switched = '2026-12-05T10:00:00.000Z';
const world = () =>
  namespace({
    services: {
      agents: service('green', 'r2', {
        ...stateAnnotations('Soaking', new Date(switched)),
        [SWITCHED_AT]: switched,
        [ABORTED_RELEASE]: 'r0',
        [ABORTED_REASON]: 'p95',
      }),
      'agents-preview': service('green', 'r2'),
    },
    deployments: {
      'agents-blue': deployment('r1', 'img@1', 2, 2),
      'agents-green': deployment('r2', 'img@2', 2, 1),
      'agents-canary': deployment('r3', 'img@3', 1, 0),
    },
    slices: { 'agents-preview': [{ addressType: 'IPv4', endpoints: [endpoint('agents-green-a'), endpoint('agents-green-b', false)] }] },
    pods: [
      pod('green', 'r2', true),
      pod('green', 'r2', false),
      pod('green', 'r2', true, { [TRACK_LABEL]: 'canary' }),
      pod('green', 'r2', true, {}, true),
      pod('green', 'r1', true),
    ],
    configMaps: {
      'agents-releases': {
        data: {
          history: JSON.stringify([
            {
              revision: 1,
              image: 'img@1',
              release: 'r1',
              gitSha: 'a',
              color: 'blue',
              time: '2026-12-05T09:00:00Z',
              actor: 'ci',
              outcome: 'superseded',
              kind: 'deploy',
            },
            { revision: 2, image: 'img@2', release: 'r2', gitSha: 'b', color: 'green', time: switched, actor: 'ci', outcome: 'live', kind: 'deploy' },
          ]),
        },
      },
    },
    leases: { 'deploy-agents': { spec: { holderIdentity: 'ci-7', renewTime: new Date('2026-12-05T10:00:30Z') as never, leaseDurationSeconds: 60 } } },
  });

describe('the release model read from a namespace', () => {
  it('observes the Services, colours, phase and what was taken off traffic', async () => {
    const observed = await observe(world(), 'agents', 5);
    expect(observed).toEqual({
      active: 'green',
      preview: 'green',
      activeRelease: 'r2',
      previewRelease: 'r2',
      state: { phase: 'Soaking', since: Date.parse(switched), reason: '' },
      abortedRelease: 'r0',
      abortedReason: 'p95',
      deployments: {
        blue: {
          image: 'img@1',
          release: 'r1',
          replicas: 2,
          generation: 2,
          observedGeneration: 2,
          podReplicas: 2,
          updatedReplicas: 2,
          availableReplicas: 2,
          readyEndpoints: 0,
        },
        green: {
          image: 'img@2',
          release: 'r2',
          replicas: 2,
          generation: 2,
          observedGeneration: 2,
          podReplicas: 2,
          updatedReplicas: 2,
          availableReplicas: 1,
          readyEndpoints: 1,
        },
      },
      switchedAt: Date.parse(switched),
      now: 5,
    });
    expect(await observe(namespace({}), 'agents', 1)).toMatchObject({
      active: null,
      preview: null,
      state: null,
      abortedRelease: null,
      deployments: {},
      switchedAt: null,
    });
  });

  it("counts ready endpoints, of one colour's pods when asked, and the live pods of the live release only", async () => {
    const slices: k8s.V1EndpointSlice[] = [
      { addressType: 'IPv4', endpoints: [endpoint('agents-green-x'), endpoint('agents-blue-y'), endpoint('agents-green-z', false)] },
      { addressType: 'IPv4', endpoints: [{ addresses: ['198.18.0.1'] }] },
    ];
    expect(readyAddresses(slices)).toBe(3);
    expect(readyAddresses(slices, 'agents-green-')).toBe(1);
    const r = world();
    // Ready, of the release, not a canary's or baseline's, not terminating: one.
    expect(await readyLivePods(r, 'agents', 'green', 'r2')).toBe(1);
    expect(r.selectors).toEqual([`app.kubernetes.io/name=agents,${COLOR_LABEL}=green`]);
  });

  it('names the services whose colours it finds, each once', async () => {
    const r = namespace({
      deployments: {
        'quotes-green': deployment('q', 'i', 1, 1, 'quotes', 'green'),
        'agents-blue': deployment('a', 'i', 1, 1),
        'agents-green': deployment('a', 'i', 1, 1, 'agents', 'green'),
        stray: { metadata: { labels: { 'app.kubernetes.io/name': 'stray' } } },
      },
    });
    expect(await releasedServices(r)).toEqual(['agents', 'quotes']);
  });

  it("reads a Deployment's size, the history and the lease (its expiry from its renewal)", async () => {
    const r = world();
    expect(await deploymentStatus(r, 'agents-canary')).toEqual({ replicas: 1, available: 0, image: 'img@3' });
    expect(await deploymentStatus(r, 'agents-none')).toBeNull();
    expect((await readHistory(r, 'agents')).map((e) => e.outcome)).toEqual(['superseded', 'live']);
    expect(await readHistory(r, 'quotes')).toEqual([]);
    expect(await readLease(r, 'agents')).toEqual({ holder: 'ci-7', expiresAt: Date.parse('2026-12-05T10:01:30Z') });
    expect(await readLease(namespace({ leases: { 'deploy-agents': { spec: {} } } }), 'agents')).toBeNull();
    expect(await readLease(namespace({ leases: { 'deploy-agents': { spec: { holderIdentity: 'x' } } } }), 'agents')).toEqual({ holder: 'x', expiresAt: 0 });
  });

  it("calls a release orphaned when its run's lease expired while a canary was up or its soak was owed", async () => {
    const observed = await observe(world(), 'agents', 0);
    const lease = { holder: 'ci-7', expiresAt: 1000 };
    expect(orphanedSince(observed, false, lease, 999)).toBeNull(); // the run still holds it
    expect(orphanedSince(observed, false, lease, 1000)).toBe(1000);
    expect(orphanedSince(observed, false, null, 5)).toBe(Date.parse(switched)); // no lease: since the phase
    const promoted = { ...observed, state: { phase: 'Promoted' as const, since: 1, reason: '' } };
    expect(orphanedSince(promoted, false, null, 5)).toBeNull();
    expect(orphanedSince(promoted, true, null, 5)).toBe(1); // a canary left up
    expect(orphanedSince({ ...promoted, state: null }, true, null, 5)).toBe(5);
  });

  it("reads a service's whole status: live release, ready pods, canary, history, orphaned", async () => {
    const status = await readServiceStatus(world(), 'agents', Date.parse('2026-12-05T10:05:00Z'));
    expect(status).toMatchObject({
      service: 'agents',
      live: { color: 'green', release: 'r2', image: 'img@2' },
      phase: 'Soaking',
      readyEndpoints: 1,
      canary: { replicas: 1, available: 0, image: 'img@3' },
      history: { live: { revision: 2, release: 'r2' }, lastGood: { revision: 1, release: 'r1' } },
      orphanedSince: '2026-12-05T10:01:30.000Z',
    });
    const view = await readServiceView(world(), 'agents', 0);
    expect(view.history.map((e) => [e.revision, e.outcome])).toEqual([
      [1, 'superseded'],
      [2, 'live'],
    ]);
    expect(status.warnings).toEqual(
      expect.arrayContaining([expect.stringMatching(/^1\/2 ready pods/), expect.stringMatching(/^soak owed/), expect.stringMatching(/^orphaned since/)]),
    );
  });
});

describe('the phase annotations', () => {
  it('parse what stateAnnotations writes, and nothing else', () => {
    const at = new Date('2026-12-05T10:00:00Z');
    expect(parseState(stateAnnotations('Halted', at, 'no data'))).toEqual({ phase: 'Halted', since: at.getTime(), reason: 'no data' });
    expect(parseState({ [PHASE]: 'Judging' })).toBeNull();
    expect(parseState(undefined)).toBeNull();
    expect(parseState({ [PHASE]: 'Promoted', [PHASE_SINCE]: 'yesterday' })).toEqual({ phase: 'Promoted', since: 0, reason: '' });
    expect(stateAnnotations('Promoted', at)).toEqual({ [PHASE]: 'Promoted', [PHASE_SINCE]: at.toISOString(), [PHASE_REASON]: '' });
  });
});
