// @workspace-test uses=docker exclusive=cluster
// The local staging cluster through its Nx targets: a real kube-apiserver, controller-manager,
// scheduler and etcd (built from Go modules) with kwok nodes, and one real node (kubelet,
// containerd, runc, CNI, kube-proxy, CoreDNS) for the namespaces that ask for it. Controllers
// really reconcile: a Deployment becomes Available, and a Service's EndpointSlice follows a
// selector flip; on the real node the project's images run and answer through their Services.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer } from 'node:net';
import { test } from 'node:test';
import { repoRoot, tryRun } from '../../workspace-tests/scratch.mjs';
import { CLUSTER_NAME, CONTEXT, kubectl } from '../../workspace-tests/local-stack.mjs';

const NS = `it-${process.pid}`;
const REAL_NS = `it-real-${process.pid}`; // annotated for the real node, as trading-staging is
const NODE = 'trading-node';
const NODE_STATE = join(process.env.TRADING_HOME ?? join(homedir(), '.cache/trading-platform'), 'local-node/state');
const apply = (manifest) => execFileSync('kubectl', ['--context', CONTEXT, 'apply', '-f', '-'], { input: JSON.stringify(manifest), encoding: 'utf8' });
const nx = (target, env = {}) => tryRun(repoRoot, 'npx', ['nx', 'run', `local-cluster:${target}`, '--output-style=static'], env);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const clusterProcesses = () => {
  try {
    return execFileSync('pgrep', ['-f', `kwok/clusters/${CLUSTER_NAME}`], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean);
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

test('up starts the cluster with Ready kwok nodes and the real node; a second up says it is already up', () => {
  const first = nx('up');
  assert.equal(first.code, 0, first.out);
  const nodes = kubectl('get', 'nodes', '--no-headers').split('\n');
  assert.ok(nodes.length >= 4 && nodes.every((n) => / Ready /.test(n)), nodes.join('\n'));
  const real = JSON.parse(kubectl('get', 'node', NODE, '-o', 'json'));
  assert.match(real.status.nodeInfo.containerRuntimeVersion, /^containerd:\/\/1\./);
  assert.match(real.status.nodeInfo.kubeletVersion, /^v1\.\d+\.\d+$/);
  assert.equal(real.metadata.labels['trading.dev/node'], 'real');
  for (const ns of ['trading-staging', 'trading-production']) {
    assert.equal(
      kubectl('get', 'namespace', ns, '-o', 'jsonpath={.metadata.annotations.scheduler\\.alpha\\.kubernetes\\.io/node-selector}'),
      'trading.dev/node=real',
    );
  }
  const status = nx('status');
  assert.equal(status.code, 0, status.out);
  for (const part of ['containerd', 'kubelet', 'kube-proxy', 'coredns']) assert.match(status.out, new RegExp(`${part}: running \\(pid \\d+\\)`));
  assert.match(status.out, /node trading-node: Ready \(198\.18\.0\.2/);
  assert.match(kubectl('version', '-o', 'json'), /"gitVersion": "v1\.\d+\.\d+"/);
  const again = nx('up');
  assert.equal(again.code, 0);
  assert.match(again.out, /already up/);
});

test('pods of other namespaces stay on the kwok nodes (no container started for them)', async () => {
  kubectl('create', 'namespace', `${NS}-placement`);
  try {
    apply({ ...deployment('placed'), metadata: { name: 'web-placed', namespace: `${NS}-placement` } });
    await until('web-placed scheduled', () => {
      const nodes = kubectl('-n', `${NS}-placement`, 'get', 'pods', '-o', 'jsonpath={.items[*].spec.nodeName}').split(' ').filter(Boolean);
      return nodes.length === 2 && nodes;
    });
    const pods = JSON.parse(kubectl('-n', `${NS}-placement`, 'get', 'pods', '-o', 'json')).items;
    for (const pod of pods) {
      assert.match(pod.spec.nodeName, /^node-\d+$/, 'a kwok node');
      assert.deepEqual(pod.spec.nodeSelector, { type: 'kwok' }, 'the cluster default from admission.yaml');
    }
  } finally {
    kubectl('delete', 'namespace', `${NS}-placement`, '--wait=false');
  }
});

/** The image record a service's docker-build wrote (test-all.sh builds and pushes them first). */
function builtImage(project) {
  const file = join(repoRoot, 'dist', project, 'image.json');
  assert.ok(existsSync(file), `${file} is missing: run nx run ${project}:docker-build -c push first`);
  return JSON.parse(readFileSync(file, 'utf8')).reference;
}

test('the real node runs the project images from the local registry: probes, ClusterIP, DNS, logs', async () => {
  kubectl('create', 'namespace', REAL_NS);
  kubectl('annotate', 'namespace', REAL_NS, 'scheduler.alpha.kubernetes.io/node-selector=trading.dev/node=real');
  const engine = builtImage('execution-engine');
  apply({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'engine', namespace: REAL_NS },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'engine' } },
      template: {
        metadata: { labels: { app: 'engine' } },
        spec: {
          containers: [
            {
              name: 'engine',
              image: engine,
              // The node's part only (pull, probes, networking, DNS, logs): the engine keeps its
              // state in its process here, without a database; the deploys run it on PostgreSQL.
              env: [{ name: 'ENGINE_STATE', value: 'memory' }],
              ports: [{ containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 },
            },
          ],
        },
      },
    },
  });
  apply({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'engine', namespace: REAL_NS },
    spec: { selector: { app: 'engine' }, ports: [{ port: 80, targetPort: 8080 }] },
  });
  apply({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'client', namespace: REAL_NS },
    spec: {
      containers: [
        {
          name: 'agents',
          image: builtImage('agents'),
          env: [{ name: 'AGENTS_STATE', value: 'memory' }],
          ports: [{ containerPort: 8000 }],
          readinessProbe: { httpGet: { path: '/healthz', port: 8000 }, periodSeconds: 1 },
        },
      ],
    },
  });
  kubectl('-n', REAL_NS, 'wait', '--for=condition=Available', 'deploy/engine', '--timeout=120s');
  kubectl('-n', REAL_NS, 'wait', '--for=condition=Ready', 'pod/client', '--timeout=120s');

  const pods = JSON.parse(kubectl('-n', REAL_NS, 'get', 'pods', '-o', 'json')).items;
  for (const pod of pods) {
    assert.equal(pod.spec.nodeName, NODE);
    assert.ok(inBlock(pod.status.podIP, '198.18.32.0/24'), `pod IP ${pod.status.podIP}`);
    assert.ok(pod.status.containerStatuses.every((c) => c.ready && c.containerID.startsWith('containerd://')));
  }
  // From this machine through the ClusterIP (kube-proxy's rules; they can lag a moment behind).
  const clusterIP = kubectl('-n', REAL_NS, 'get', 'service', 'engine', '-o', 'jsonpath={.spec.clusterIP}');
  const answer = await until(
    `engine answering on ${clusterIP}`,
    () => {
      try {
        return execFileSync('curl', ['-fsS', '--max-time', '2', `http://${clusterIP}/healthz`], { encoding: 'utf8' });
      } catch {
        return '';
      }
    },
    20,
  );
  assert.equal(answer.trim(), 'ok');
  // From another pod, by the Service's name (CoreDNS), and the engine's own log line.
  const fromPod = kubectl(
    '-n',
    REAL_NS,
    'exec',
    'client',
    '--',
    'python3',
    '-c',
    "import socket,urllib.request;print(socket.gethostbyname('engine'), urllib.request.urlopen('http://engine/healthz', timeout=5).read().decode())",
  );
  assert.equal(fromPod, `${clusterIP} ok`);
  // A pod has no way out: no route beyond 198.18.0.0/15, so a connection to an outside address
  // (TEST-NET-3) fails inside the pod before any packet is sent.
  const outside = kubectl(
    '-n',
    REAL_NS,
    'exec',
    'client',
    '--',
    'python3',
    '-c',
    "import socket\ntry:\n  socket.create_connection(('203.0.113.1', 80), timeout=2); print('connected')\nexcept OSError as e: print(e.errno)",
  );
  assert.equal(outside, '101', 'ENETUNREACH');
  assert.match(kubectl('-n', REAL_NS, 'logs', 'deploy/engine'), /listening on 0\.0\.0\.0:8080/);
});

test('a Deployment becomes Available and a Service selector flip moves its EndpointSlice', async () => {
  kubectl('create', 'namespace', NS);
  apply(deployment('blue'));
  apply(deployment('green'));
  for (const color of ['blue', 'green']) {
    await until(
      `web-${color} Available`,
      () => kubectl('-n', NS, 'get', 'deploy', `web-${color}`, '-o', 'jsonpath={.status.conditions[?(@.type=="Available")].status}') === 'True',
    );
  }
  const podIPs = (color) => kubectl('-n', NS, 'get', 'pods', '-l', `color=${color}`, '-o', 'jsonpath={.items[*].status.podIP}').split(' ').sort();
  const endpoints = () =>
    kubectl('-n', NS, 'get', 'endpointslices', '-l', 'kubernetes.io/service-name=web', '-o', 'jsonpath={.items[*].endpoints[*].addresses[*]}')
      .split(' ')
      .filter(Boolean)
      .sort();

  apply({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: NS },
    spec: { selector: { app: 'web', color: 'blue' }, ports: [{ port: 80 }] },
  });
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
    const done = (outcome) => {
      socket.destroy();
      resolve({ outcome, ms: Date.now() - started });
    };
    socket.once('connect', () => done('connected'));
    socket.once('timeout', () => done('timeout'));
    socket.once('error', (e) => done(e.code));
  });
}

test('every cluster address lies in 198.18.0.0/15, which is routed unreachable here: nothing can leave through the gateway', async () => {
  const jsonpath = (what, path) =>
    kubectl('get', ...what, '-o', `jsonpath=${path}`)
      .split(' ')
      .filter(Boolean);
  const nodeIPs = jsonpath(['nodes'], '{.items[*].status.addresses[?(@.type=="InternalIP")].address}');
  const podCIDRs = jsonpath(['nodes'], '{.items[*].spec.podCIDRs[*]}');
  const podIPs = jsonpath(['pods', '-A', '--field-selector', `spec.nodeName!=${NODE}`], '{.items[*].status.podIP}');
  const realPodIPs = jsonpath(['pods', '-A', '--field-selector', `spec.nodeName=${NODE}`], '{.items[*].status.podIP}');
  const serviceIPs = jsonpath(['services', '-A'], '{.items[*].spec.clusterIP}');
  const apiEndpoint = jsonpath(['endpointslices', '-n', 'default', '-l', 'kubernetes.io/service-name=kubernetes'], '{.items[*].endpoints[*].addresses[*]}');
  assert.ok(nodeIPs.length >= 3 && podIPs.length >= 4 && serviceIPs.length >= 2, JSON.stringify({ nodeIPs, podIPs, serviceIPs }));
  for (const ip of nodeIPs) assert.ok(inBlock(ip, '198.18.0.0/24'), `node IP ${ip}`);
  for (const cidr of podCIDRs) assert.ok(inBlock(cidr.split('/')[0], '198.18.16.0/20'), `pod range ${cidr}`);
  for (const ip of podIPs) assert.ok(inBlock(ip, '198.18.16.0/20'), `pod IP ${ip}`);
  assert.ok(realPodIPs.length >= 3, `the real node's pods: ${realPodIPs}`);
  for (const ip of realPodIPs) assert.ok(inBlock(ip, '198.18.32.0/24'), `real pod IP ${ip}`);
  for (const ip of serviceIPs) assert.ok(inBlock(ip, '198.19.0.0/16'), `Service IP ${ip}`);
  assert.deepEqual(apiEndpoint, ['198.18.0.1']);

  // The block is routed `unreachable`, never through eth0 (whose gateway is outside this machine).
  assert.match(execFileSync('ip', ['route', 'show', '198.18.0.0/15'], { encoding: 'utf8' }), /^unreachable 198\.18\.0\.0\/15/m);
  // Unused: a node address, a kwok pod address, a real pod address (the bridge's ARP gives up
  // in ~0.1 s) and a ClusterIP (local to this machine: refused unless kube-proxy serves it).
  const unusedAddresses = {
    '198.18.0.250': /^E(HOST|NET)UNREACH$/,
    '198.18.31.250': /^E(HOST|NET)UNREACH$/,
    '198.18.32.250': /^EHOSTUNREACH$/,
    '198.19.255.250': /^ECONNREFUSED$/,
  };
  for (const [unused, expected] of Object.entries(unusedAddresses)) {
    let route = '';
    try {
      route = execFileSync('ip', ['route', 'get', unused], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (e) {
      route = String(e.stderr);
    }
    assert.doesNotMatch(route, /dev eth0|via /, `${unused}: ${route}`);
    const { outcome, ms } = await dial(unused);
    assert.match(outcome, expected, `${unused}: ${outcome}`);
    assert.ok(ms < 1000, `${unused} failed after ${ms} ms, not at once`);
  }
  // No masquerading out: the only MASQUERADE rule is kube-proxy's for Service traffic it marked
  // (its destinations are pods on this machine); the CNI plugin masquerades nothing.
  const masquerades = execFileSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' })
    .split('\n')
    .filter((r) => /-j MASQUERADE/.test(r));
  assert.deepEqual(
    masquerades.map((r) => r.split(' ')[1]),
    masquerades.length ? ['KUBE-POSTROUTING'] : [],
  );
  assert.doesNotMatch(execFileSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' }), /^:CNI-/m);
  // The control plane listens on loopback only; the real node's pods reach it through the relay on
  // its advertised address (held on loopback, inside the unreachable block), and nowhere else.
  const port = new URL(kubectl('config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}')).port;
  const listeners = execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' })
    .trim()
    .split('\n');
  assert.ok(
    listeners.some((l) => / 127\.0\.0\.1:\d+ /.test(l)),
    listeners.join('\n'),
  );
  assert.ok(
    listeners.every((l) => / (127\.0\.0\.1|198\.18\.0\.1):\d+ /.test(l)),
    listeners.join('\n'),
  );
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

/** What the real node could leave on this machine; every field is '' when it left nothing. */
function hostLeftovers() {
  const sh = (script) => execFileSync('sh', ['-c', script], { encoding: 'utf8' }).trim();
  return {
    processes: sh("pgrep -af 'local-node/|containerd-shim-runc-v2 .*local-node' | grep -v pgrep || true"),
    mounts: sh(`grep -F '${NODE_STATE}' /proc/self/mounts || true`),
    links: sh("ip -br link | grep -E '^(tp-cni0|veth)' || true"),
    nodeAddress: sh('ip -br addr show lo | grep -F 198.18.0.2 || true; ip route show table local | grep -F 198.19.0.0/16 || true'),
    iptables: sh("{ iptables-save; ip6tables-save; } | grep -E '^:(KUBE|CNI)-|-j (KUBE|CNI)-' || true"),
    cgroups: sh('ls -d /sys/fs/cgroup/*/trading-node 2>/dev/null || true'),
    runtimeDirs: sh('ls -d /var/lib/kubelet /run/containerd/runc/k8s.io 2>/dev/null || true'),
  };
}

test('stale state (processes killed) is detected and replaced; down leaves no process, mount, link, rule, cgroup or sysctl behind', async () => {
  assert.equal(nx('up').code, 0);
  execFileSync('pkill', ['-9', '-f', `kwok/clusters/${CLUSTER_NAME}`]);
  await sleep(500);
  const status = nx('status');
  assert.notEqual(status.code, 0);
  assert.match(status.out, /stale/);
  const recovered = nx('up');
  assert.equal(recovered.code, 0, recovered.out);
  assert.match(recovered.out, /stale state/);
  assert.match(kubectl('get', 'nodes', '--no-headers'), /Ready/);

  assert.equal(
    kubectl('get', 'node', NODE, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'),
    'True',
    'the real node rejoins the new control plane',
  );
  const sysctlsBefore = readFileSync(join(NODE_STATE, 'sysctl.orig'), 'utf8').trim().split('\n');

  const down = nx('down');
  assert.equal(down.code, 0, down.out);
  assert.deepEqual(clusterProcesses(), []);
  assert.deepEqual(hostLeftovers(), { processes: '', mounts: '', links: '', nodeAddress: '', iptables: '', cgroups: '', runtimeDirs: '' });
  const sysctl = (kv) => execFileSync('sysctl', ['-n', kv.split('=')[0]], { encoding: 'utf8' }).trim();
  for (const kv of sysctlsBefore) assert.equal(`${kv.split('=')[0]}=${sysctl(kv)}`, kv, 'the sysctl the node changed is restored');
  assert.equal(
    execFileSync('ip', ['route', 'show', '198.18.0.0/15'], { encoding: 'utf8' }),
    '',
    'down removes the route it added (no other local cluster runs)',
  );
  assert.notEqual(nx('status').code, 0);
});
