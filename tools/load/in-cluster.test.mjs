// The analysis load's Job (tools/load/in-cluster.mjs), read without a cluster: what it runs, with
// which identity, and how it finds its image. The Job itself runs on the real node in
// tools/nx-plugin/workspace-tests/load-in-cluster.test.mjs and under every real-node deploy's analysis.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ACCOUNT, accountManifests, imageRecord, loadImage, RECORD, trafficJob } from './in-cluster.mjs';

const IMAGE = `127.0.0.1:5000/trading/load@sha256:${'a'.repeat(64)}`;

test('the Job runs traffic.mjs in-cluster in its namespace, bounded, unprivileged, as the account that may only read pods', () => {
  const job = trafficJob({ name: 'traffic-1', namespace: 'ns', image: IMAGE, seconds: 1800, args: ['--rate', '10', '--per-second', 'agents=/api/status'] });
  assert.equal(job.spec.backoffLimit, 0);
  assert.equal(job.spec.activeDeadlineSeconds, 1920);
  const pod = job.spec.template.spec;
  assert.equal(pod.serviceAccountName, ACCOUNT);
  assert.deepEqual(pod.containers[0].command, [
    'node',
    '/app/traffic.mjs',
    '--in-cluster',
    '--namespace',
    'ns',
    '--seconds',
    '1800',
    '--rate',
    '10',
    '--per-second',
    'agents=/api/status',
  ]);
  assert.equal(pod.containers[0].image, IMAGE);
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.deepEqual(pod.containers[0].securityContext.capabilities, { drop: ['ALL'] });
  const [account, role, binding] = accountManifests('ns').items;
  assert.equal(account.kind, 'ServiceAccount');
  assert.deepEqual(role.rules, [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }]);
  assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: ACCOUNT, namespace: 'ns' }]);
});

test('the image: the option, then LOAD_IMAGE, then the pushed record; none is a clear error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'in-cluster-'));
  try {
    const record = join(dir, 'dist/load/image.json');
    assert.equal(loadImage('x@sha256:1', { LOAD_IMAGE: 'y' }, record), 'x@sha256:1');
    assert.equal(loadImage(undefined, { LOAD_IMAGE: 'y' }, record), 'y');
    assert.throws(
      () => loadImage(undefined, {}, record),
      /no load image: .*image\.json is missing and no namespace --image-from names recorded one; run `npx nx run load:docker-build -c push`/,
    );
    // A run that built nothing (a production promotion) takes the image an earlier run recorded.
    assert.equal(
      loadImage(undefined, {}, record, () => IMAGE),
      IMAGE,
    );
    assert.deepEqual(imageRecord('ns', IMAGE), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: RECORD, namespace: 'ns', labels: { 'app.kubernetes.io/name': ACCOUNT, 'app.kubernetes.io/managed-by': 'trading-nx-plugin' } },
      data: { image: IMAGE },
    });
    mkdirSync(join(dir, 'dist/load'), { recursive: true });
    writeFileSync(record, JSON.stringify({ reference: '127.0.0.1:5000/trading/load:main' }));
    assert.throws(() => loadImage(undefined, {}, record), /names no pushed image digest/);
    writeFileSync(record, JSON.stringify({ reference: IMAGE }));
    assert.equal(loadImage(undefined, {}, record), IMAGE);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
