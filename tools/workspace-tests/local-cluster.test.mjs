// The local staging cluster through its Nx targets: a real kube-apiserver, controller-manager,
// scheduler and etcd (built from Go modules) with kwok nodes. Controllers really reconcile:
// a Deployment becomes Available, and a Service's EndpointSlice follows a selector flip.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { test } from 'node:test';
import { repoRoot, tryRun } from './scratch.mjs';

const CONTEXT = 'kwok-local-staging';
const NS = `it-${process.pid}`;
const kubectl = (...args) => execFileSync('kubectl', ['--context', CONTEXT, ...args], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim();
const apply = (manifest) => execFileSync('kubectl', ['--context', CONTEXT, 'apply', '-f', '-'], { input: JSON.stringify(manifest), encoding: 'utf8' });
const nx = (target, env = {}) => tryRun(repoRoot, 'npx', ['nx', 'run', `local-cluster:${target}`, '--output-style=static'], env);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const clusterProcesses = () => {
  try {
    return execFileSync('pgrep', ['-f', 'kwok/clusters/local-staging'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

async function until(what, check, seconds = 60) {
  for (let i = 0; i < seconds * 2; i++) {
    const value = check();
    if (value) return value;
    await sleep(500);
  }
  assert.fail(`timed out after ${seconds} s waiting for ${what}`);
}

const deployment = (color) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: `web-${color}`, namespace: NS },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web', color } },
    template: { metadata: { labels: { app: 'web', color } }, spec: { containers: [{ name: 'web', image: `example/web:${color}` }] } },
  },
});

test('up starts the cluster with Ready kwok nodes; a second up says it is already up', () => {
  const first = nx('up');
  assert.equal(first.code, 0, first.out);
  const nodes = kubectl('get', 'nodes', '--no-headers').split('\n');
  assert.ok(nodes.length >= 3 && nodes.every((n) => / Ready /.test(n)), nodes.join('\n'));
  assert.match(kubectl('version', '-o', 'json'), /"gitVersion": "v1\.\d+\.\d+"/);
  const again = nx('up');
  assert.equal(again.code, 0);
  assert.match(again.out, /already up/);
});

test('a Deployment becomes Available and a Service selector flip moves its EndpointSlice', async () => {
  kubectl('create', 'namespace', NS);
  apply(deployment('blue'));
  apply(deployment('green'));
  for (const color of ['blue', 'green']) {
    await until(`web-${color} Available`, () =>
      kubectl('-n', NS, 'get', 'deploy', `web-${color}`, '-o', 'jsonpath={.status.conditions[?(@.type=="Available")].status}') === 'True');
  }
  const podIPs = (color) => kubectl('-n', NS, 'get', 'pods', '-l', `color=${color}`, '-o', 'jsonpath={.items[*].status.podIP}').split(' ').sort();
  const endpoints = () =>
    kubectl('-n', NS, 'get', 'endpointslices', '-l', 'kubernetes.io/service-name=web', '-o', 'jsonpath={.items[*].endpoints[*].addresses[*]}').split(' ').filter(Boolean).sort();

  apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: NS }, spec: { selector: { app: 'web', color: 'blue' }, ports: [{ port: 80 }] } });
  const blue = podIPs('blue');
  await until('EndpointSlice to list the blue pods', () => JSON.stringify(endpoints()) === JSON.stringify(blue));

  kubectl('-n', NS, 'patch', 'service', 'web', '--type=merge', '-p', JSON.stringify({ spec: { selector: { app: 'web', color: 'green' } } }));
  const green = podIPs('green');
  assert.notDeepEqual(green, blue);
  await until('EndpointSlice to follow the flip to green', () => JSON.stringify(endpoints()) === JSON.stringify(green));
});

/** Is this IPv4 address inside that CIDR block? */
function inBlock(ip, cidr) {
  const [base, bits] = cidr.split('/');
  const n = (a) => a.split('.').reduce((v, o) => v * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  return Math.floor(n(ip) / size) === Math.floor(n(base) / size);
}
/** Dial ip:port; how it ended and how long it took. */
function dial(ip, port = 80) {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = connect({ host: ip, port, timeout: 5000 });
    const done = (outcome) => { socket.destroy(); resolve({ outcome, ms: Date.now() - started }); };
    socket.once('connect', () => done('connected'));
    socket.once('timeout', () => done('timeout'));
    socket.once('error', (e) => done(e.code));
  });
}

test('every cluster address lies in 198.18.0.0/15, which is routed unreachable here: nothing can leave through the gateway', async () => {
  const jsonpath = (what, path) => kubectl('get', ...what, '-o', `jsonpath=${path}`).split(' ').filter(Boolean);
  const nodeIPs = jsonpath(['nodes'], '{.items[*].status.addresses[?(@.type=="InternalIP")].address}');
  const podCIDRs = jsonpath(['nodes'], '{.items[*].spec.podCIDRs[*]}');
  const podIPs = jsonpath(['pods', '-A'], '{.items[*].status.podIP}');
  const serviceIPs = jsonpath(['services', '-A'], '{.items[*].spec.clusterIP}');
  const apiEndpoint = jsonpath(['endpointslices', '-n', 'default', '-l', 'kubernetes.io/service-name=kubernetes'], '{.items[*].endpoints[*].addresses[*]}');
  assert.ok(nodeIPs.length >= 3 && podIPs.length >= 4 && serviceIPs.length >= 2, JSON.stringify({ nodeIPs, podIPs, serviceIPs }));
  for (const ip of nodeIPs) assert.ok(inBlock(ip, '198.18.0.0/24'), `node IP ${ip}`);
  for (const cidr of podCIDRs) assert.ok(inBlock(cidr.split('/')[0], '198.18.16.0/20'), `pod range ${cidr}`);
  for (const ip of podIPs) assert.ok(inBlock(ip, '198.18.16.0/20'), `pod IP ${ip}`);
  for (const ip of serviceIPs) assert.ok(inBlock(ip, '198.19.0.0/16'), `Service IP ${ip}`);
  assert.deepEqual(apiEndpoint, ['198.18.0.1']);

  // The block is routed `unreachable`, never through eth0 (whose gateway is outside this machine).
  assert.match(execFileSync('ip', ['route', 'show', '198.18.0.0/15'], { encoding: 'utf8' }), /^unreachable 198\.18\.0\.0\/15/m);
  for (const unused of ['198.18.0.250', '198.18.31.250', '198.19.255.250']) {
    let route = '';
    try { route = execFileSync('ip', ['route', 'get', unused], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }); } catch (e) { route = String(e.stderr); }
    assert.doesNotMatch(route, /dev eth0|via /, `${unused}: ${route}`);
    const { outcome, ms } = await dial(unused);
    assert.match(outcome, /^E(HOST|NET)UNREACH$/, `${unused}: ${outcome}`);
    assert.ok(ms < 1000, `${unused} failed after ${ms} ms, not at once`);
  }
  // The control plane listens on loopback only.
  const port = new URL(kubectl('config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}')).port;
  const listeners = execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' }).trim().split('\n');
  assert.ok(listeners.length > 0 && listeners.every((l) => / 127\.0\.0\.1:\d+ /.test(l)), listeners.join('\n'));
});

test('a port in use is refused clearly', async () => {
  const busy = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => busy.once('listening', r));
  try {
    nx('down');
    const result = nx('up', { LOCAL_CLUSTER_API_PORT: String(busy.address().port) });
    assert.notEqual(result.code, 0);
    assert.match(result.out, /port \d+ is in use/);
  } finally {
    busy.close();
  }
});

test('stale state (processes killed) is detected and replaced; down leaves no process behind', async () => {
  assert.equal(nx('up').code, 0);
  execFileSync('pkill', ['-9', '-f', 'kwok/clusters/local-staging']);
  await sleep(500);
  const status = nx('status');
  assert.notEqual(status.code, 0);
  assert.match(status.out, /stale/);
  const recovered = nx('up');
  assert.equal(recovered.code, 0, recovered.out);
  assert.match(recovered.out, /stale state/);
  assert.match(kubectl('get', 'nodes', '--no-headers'), /Ready/);

  const down = nx('down');
  assert.equal(down.code, 0, down.out);
  assert.deepEqual(clusterProcesses(), []);
  assert.equal(execFileSync('ip', ['route', 'show', '198.18.0.0/15'], { encoding: 'utf8' }), '', 'down removes the route it added (no other local cluster runs)');
  assert.notEqual(nx('status').code, 0);
});
