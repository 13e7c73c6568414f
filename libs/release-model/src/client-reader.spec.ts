import { clientReader } from './client-reader';

describe('the reader over @kubernetes/client-node', () => {
  it('asks for each object in its namespace, a missing one is null and any other error is thrown', async () => {
    const calls: unknown[] = [];
    const answer = (kind: string) =>
      jest.fn(async (args: { name?: string }) => {
        calls.push([kind, args]);
        if (args.name === 'gone') throw Object.assign(new Error('not found'), { code: 404 });
        if (args.name === 'broken') throw Object.assign(new Error('boom'), { code: 500 });
        return kind.startsWith('list') ? { items: [kind] } : { kind };
      });
    const apis: Record<string, Record<string, jest.Mock>> = {
      CoreV1Api: {
        readNamespacedService: answer('service'),
        readNamespacedConfigMap: answer('configmap'),
        listNamespacedPod: answer('listPods'),
      },
      AppsV1Api: { readNamespacedDeployment: answer('deployment'), listNamespacedDeployment: answer('listDeployments') },
      DiscoveryV1Api: { listNamespacedEndpointSlice: answer('listSlices') },
      CoordinationV1Api: { readNamespacedLease: answer('lease') },
    };
    const client = Object.fromEntries(Object.keys(apis).map((k) => [k, k])) as never;
    const kc = { makeApiClient: (api: string) => apis[api] } as never;
    const r = clientReader(client, kc, 'trading-staging');
    expect(await r.readService('agents')).toEqual({ kind: 'service' });
    expect(await r.readService('gone')).toBeNull();
    await expect(r.readDeployment('broken')).rejects.toThrow('boom');
    expect(await r.readConfigMap('agents-releases')).toEqual({ kind: 'configmap' });
    expect(await r.readLease('deploy-agents')).toEqual({ kind: 'lease' });
    expect(await r.listEndpointSlices('agents')).toEqual(['listSlices']);
    expect(await r.listPods('a=b')).toEqual(['listPods']);
    expect(await r.listDeployments('trading.dev/color')).toEqual(['listDeployments']);
    expect(calls).toContainEqual(['listSlices', { namespace: 'trading-staging', labelSelector: 'kubernetes.io/service-name=agents' }]);
    expect(calls).toContainEqual(['lease', { name: 'deploy-agents', namespace: 'trading-staging' }]);
  });
});
