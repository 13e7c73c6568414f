import { ClusterClient, loadClient } from './cluster/client';
import { Kube, LeaseLost, type Lease } from './kube';
import { MemoryApi } from '../testing/memory-api';
import { deploymentManifest } from '../config/manifests';
import { join } from 'node:path';
import { loadServices } from '../config/config';

// Issue 17: every write checks the lease first. A Kube held for a lease (Kube.holding) asks the
// lease before each write; once it says no, nothing reaches the API server.
describe('Kube.holding: no write once the lease is lost', () => {
  const lostLease = (): Lease => ({
    lost: undefined,
    check: () => {
      throw new LeaseLost('lease gone');
    },
    verify: async () => {
      throw new LeaseLost('lease gone');
    },
    release: async () => undefined,
  });
  const keptLease = (): Lease => ({ lost: undefined, check: () => undefined, verify: async () => undefined, release: async () => undefined });

  it('refuses every kind of write before it reaches the API, and lets reads through', async () => {
    const k8s = await loadClient();
    const api = new MemoryApi();
    const kube = new Kube(new ClusterClient(k8s, 'memory://guard', { context: 'guard', namespace: 'guard' }, api.apis()));
    const [service] = loadServices(join(__dirname, '../../../../deploy'), 'staging', ['agents']);
    const body = deploymentManifest({
      service,
      environment: 'staging',
      namespace: 'guard',
      color: 'blue',
      image: 'reg.local/x@sha256:' + '1'.repeat(64),
      replicas: 2,
      revision: 'a'.repeat(40),
    });
    await kube.applyDeployment(body);
    const before = api.writes;

    const lost = kube.holding(lostLease());
    const attempts: Array<[string, () => Promise<unknown>]> = [
      ['ensureNamespace', () => lost.ensureNamespace()],
      ['applyDeployment', () => lost.applyDeployment(body)],
      ['scale', () => lost.scale(service.name, 'blue', 0)],
      ['deleteDeployment', () => lost.deleteDeployment(body.metadata!.name!)],
      ['recordPhase', () => lost.recordPhase(service.name, 'r1', { 'trading.dev/phase': 'Promoted' })],
      ['updateHistory', () => lost.updateHistory(service.name, (h) => [...h, { ...h[0], revision: h.length + 1 }])],
    ];
    for (const [name, write] of attempts) {
      await expect(write().catch((e: Error) => Promise.reject(new Error(`${name}: ${e.constructor.name}: ${e.message}`)))).rejects.toThrow(
        `${name}: LeaseLost: lease gone`,
      );
    }
    expect(api.writes).toBe(before);
    await expect(lost.deploymentStatus(body.metadata!.name!)).resolves.toBeTruthy();

    await kube.holding(keptLease()).scale(service.name, 'blue', 1);
    expect(api.writes).toBe(before + 1);
  });
});
