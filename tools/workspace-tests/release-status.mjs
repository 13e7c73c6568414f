// `nx run deploy:status --json` checked against what kubectl reads from the cluster, so each
// scenario test can assert that the status command tells the truth after it (issue 17).
import assert from 'node:assert/strict';
import { tryRun } from './scratch.mjs';
import { kubectlIn } from './local-stack.mjs';

/**
 * One service's deploy:status entry, asserted equal to the cluster: the colour and release the
 * active Service selects, the live colour's image, the ready pods of the live release, the
 * phase annotation, and whether a canary Deployment exists. Returns the entry for further checks.
 */
export function assertStatusTruth(dir, { namespace, service, environment = 'staging' }) {
  const kubectl = kubectlIn(namespace);
  const result = tryRun(dir, 'npx', ['nx', 'run', 'deploy:status', `--environment=${environment}`, `--services=${service}`, '--json', '--output-style=static']);
  assert.equal(result.code, 0, result.out);
  const line = result.out.split('\n').find((l) => l.startsWith('['));
  assert.ok(line, `no JSON line in deploy:status's output:\n${result.out}`);
  const [status] = JSON.parse(line);
  const svc = JSON.parse(kubectl('get', 'service', service, '-o', 'json'));
  const color = svc.spec.selector['trading.dev/color'];
  assert.equal(status.live?.color, color, 'live colour = what the active Service selects');
  assert.equal(status.live?.release, svc.spec.selector['trading.dev/release'], 'live release = what the active Service selects');
  assert.equal(status.live?.image, kubectl('get', 'deploy', `${service}-${color}`, '-o', 'jsonpath={.spec.template.spec.containers[0].image}'), 'live image');
  // Ready pods of the live colour's own Deployment running the live release: a canary's or a
  // baseline's pods (track label) are behind the Service too, but do not count (issue 34, path 10).
  const pods = JSON.parse(
    kubectl(
      'get',
      'pods',
      '-l',
      `app.kubernetes.io/name=${service},trading.dev/color=${color},trading.dev/release=${svc.spec.selector['trading.dev/release']},!trading.dev/track`,
      '-o',
      'json',
    ),
  ).items.filter((p) => !p.metadata.deletionTimestamp && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  assert.equal(status.readyEndpoints, pods.length, 'ready pods of the live release');
  assert.equal(status.phase ?? '', svc.metadata.annotations?.['trading.dev/phase'] ?? '', 'phase');
  let canary = false;
  try {
    kubectl('get', 'deploy', `${service}-canary`);
    canary = true;
  } catch {
    /* none */
  }
  assert.equal(status.canary !== null, canary, 'canary shown iff one exists');
  return status;
}
