import { ClusterClient, KubeError } from './client';
import type { Apis, Client } from './client';

// The API server's own answers, as @kubernetes/client-node's ApiException carries them.
const apiError = (code: number, status: object) =>
  Object.assign(new Error(`HTTP-Code: ${code}\nMessage: Unknown API Status Code!\nBody: ${JSON.stringify(JSON.stringify(status))}\nHeaders: {}`), {
    code,
    body: `${JSON.stringify(status)}\n`,
  });

describe('ClusterClient.explain', () => {
  const client = new ClusterClient({} as Client, 'https://127.0.0.1:32766', { context: 'test-context', namespace: 'ns' }, {} as Apis);

  it('an API server that is shutting down or overloaded (503) is unreachable for this run, said with its reason, not its headers', () => {
    // deploy.test (full14): kube-apiserver stopped mid-deploy answered 503 "apiserver is shutting
    // down" before it refused connections, and the deploy printed the raw exception with headers.
    const error = client.explain(
      apiError(503, { kind: 'Status', status: 'Failure', message: 'apiserver is shutting down', reason: 'ServiceUnavailable', code: 503 }),
      'apply blue',
    );
    expect(error).toBeInstanceOf(KubeError);
    expect(error.message).toMatch(
      /^cannot reach the Kubernetes API at https:\/\/127\.0\.0\.1:32766 \(context test-context\) to apply blue: it answered 503 ServiceUnavailable: apiserver is shutting down\. Is the cluster up\?/,
    );
    expect(error.message).not.toMatch(/Headers|HTTP-Code/);
  });

  it('a 503 whose body is no Status (a proxy in front of the API) is still unreachable, without a reason', () => {
    const error = client.explain(
      Object.assign(new Error('HTTP-Code: 503'), { code: 503, body: '<html>503 Service Unavailable</html>' }),
      'list EndpointSlices',
    );
    expect(error.message).toMatch(/to list EndpointSlices: it answered 503 Service Unavailable\. Is the cluster up\?/);
  });

  it('a refused connection names the server, the context and what to do', () => {
    const error = client.explain(
      Object.assign(new Error('request to https://127.0.0.1:32766 failed, reason: connect ECONNREFUSED'), {}),
      'read the deploy lease',
    );
    expect(error.message).toMatch(
      /^cannot reach the Kubernetes API at https:\/\/127\.0\.0\.1:32766 \(context test-context\) to read the deploy lease: .*ECONNREFUSED.*Locally: npx nx run local-cluster:up/,
    );
  });

  it('any other answer keeps its own error (callers match on 404 and 409 by code)', () => {
    const conflict = apiError(409, { kind: 'Status', message: 'the object has been modified', reason: 'Conflict', code: 409 });
    expect(client.explain(conflict, 'replace the Service')).toBe(conflict);
  });
});
