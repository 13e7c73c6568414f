import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inClusterOf, normalizeLoadOptions } from '../load.impl';
import { InClusterError, loadImage } from './in-cluster';
import { LOAD_JOB_SLACK_SECONDS, loadJobManifest, loadJobName, reportOfLog } from './load-job';
import { ohaArgs } from './oha';

const DIGEST = `127.0.0.1:5000/load@sha256:${'a'.repeat(64)}`;

describe('the load Job', () => {
  const args = ohaArgs({ url: 'http://execution-engine/api/orders', method: 'POST', body: { side: 'buy' }, rate: 600, users: 1000, durationSeconds: 10 });
  const job = loadJobManifest({
    project: 'execution-engine',
    index: 1,
    runId: 'abc123',
    namespace: 'trading-staging',
    image: DIGEST,
    args,
    durationSeconds: 10,
  });

  it('runs oha once, with the local run’s arguments, in the namespace it judges', () => {
    expect(job.metadata).toMatchObject({ name: 'load-execution-engine-2-abc123', namespace: 'trading-staging' });
    expect(job.spec?.backoffLimit).toBe(0);
    expect(job.spec?.activeDeadlineSeconds).toBe(10 + LOAD_JOB_SLACK_SECONDS);
    const pod = job.spec!.template.spec!;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers).toHaveLength(1);
    expect(pod.containers[0]).toMatchObject({ image: DIGEST, command: ['/usr/local/bin/oha'], args });
  });

  it('runs without privileges or an API token', () => {
    const pod = job.spec!.template.spec!;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532 });
    expect(pod.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  });

  it('has a DNS-1123 name of at most 63 characters, whatever the project is called', () => {
    const name = loadJobName('A_very_long_project_name_that_goes_on_and_on_and_on_beyond_any_limit', 11, 'lz0k9x1ab');
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/);
    expect(name.endsWith('-12-lz0k9x1ab')).toBe(true);
  });

  it('reads oha’s report out of a pod log, around any other line', () => {
    expect(reportOfLog('{"summary":{}}\n')).toBe('{"summary":{}}');
    expect(JSON.parse(reportOfLog('note: something\n{"a":{"b":1}}\n'))).toEqual({ a: { b: 1 } });
    expect(reportOfLog('no report')).toBe('no report');
  });
});

describe('a load run inside the cluster: its options', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'load-image-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const record = (text: string) => {
    mkdirSync(join(root, 'dist/load'), { recursive: true });
    writeFileSync(join(root, 'dist/load/image.json'), text);
  };

  it('is a local run without --namespace, and refuses in-cluster options there', () => {
    expect(inClusterOf(normalizeLoadOptions({}), root, {})).toBeUndefined();
    expect(() => inClusterOf(normalizeLoadOptions({ context: 'x' }), root, {})).toThrow('--context only apply with --namespace');
  });

  it('takes the context from DEPLOY_CONTEXT, and the image from the pushed record', () => {
    record(JSON.stringify({ reference: DIGEST }));
    expect(inClusterOf(normalizeLoadOptions({ namespace: 'trading-staging' }), root, { DEPLOY_CONTEXT: 'gke' })).toEqual({
      namespace: 'trading-staging',
      context: 'gke',
      image: DIGEST,
    });
    expect(inClusterOf(normalizeLoadOptions({ namespace: 'ns', context: 'c', image: 'x@sha256:1' }), root, {})?.image).toBe('x@sha256:1');
  });

  it('is refused with what to do when the cluster or the image is not named', () => {
    expect(() => inClusterOf(normalizeLoadOptions({ namespace: 'ns' }), root, {})).toThrow(/names no cluster: pass --context or set DEPLOY_CONTEXT/);
    expect(() => loadImage(root, undefined)).toThrow(InClusterError);
    expect(() => loadImage(root, undefined)).toThrow(/dist\/load\/image.json is missing; run `npx nx run load:docker-build -c push`/);
    record('{');
    expect(() => loadImage(root, undefined)).toThrow(/not valid JSON/);
    record(JSON.stringify({ reference: '127.0.0.1:5000/load:latest' }));
    expect(() => loadImage(root, undefined)).toThrow(/names no pushed image digest/);
  });
});
