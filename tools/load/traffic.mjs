// Constant-rate HTTP traffic through a Service while a deploy is analysed (the part Flagger's load
// tester plays), for the real-staging tests and the main job: a service's request mix (GETs, and
// writes with a body: the engine's orders on its synthetic instrument) at a fixed rate, taken in
// turn, each with a deadline, recorded with when it was sent and how it ended, so a test can count
// what clients saw before, during and after a switch. Bounded: a rate, a deadline per request and a
// stop; the target is re-read every second (a Service's ClusterIP).
// A new connection per request, as from many clients: kube-proxy picks a pod per connection, so a
// kept-alive connection would stay on the old colour after a switch and never reach the new one.
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';

/**
 * One request on a new connection, with a deadline: its status and milliseconds (status 0 and the
 * error's code when it failed). `body`, an object, is sent as JSON. Never rejects.
 */
export function timedRequest(url, { method = 'GET', body, timeoutMs = 2000 } = {}) {
  const sent = Date.now();
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers = payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) };
  return new Promise((resolve) => {
    const failed = (e) => resolve({ status: 0, ms: Date.now() - sent, error: e.code ?? e.message });
    const req = request(url, { method, headers, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: Date.now() - sent }));
      res.on('error', failed);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
    req.on('error', failed);
    req.end(payload);
  });
}

/** One GET on a new connection, with a deadline (see timedRequest). */
export const timedGet = (url, timeoutMs = 2000) => timedRequest(url, { timeoutMs });

/**
 * A service's request mix from its command-line form: `/path` (one GET) or a JSON list of
 * { method?: GET | POST, path, body? } (what the deploy's {{requests}} gives). Throws on anything else.
 */
export function parseRequests(spec) {
  const list = spec.startsWith('/') ? [{ path: spec }] : JSON.parse(spec);
  if (!Array.isArray(list) || list.length === 0) throw new Error(`requests: a /path or a non-empty JSON list, not ${spec}`);
  return list.map((r) => {
    const method = r?.method ?? 'GET';
    if (typeof r?.path !== 'string' || !r.path.startsWith('/') || !['GET', 'POST'].includes(method))
      throw new Error(`requests: each one { method?: GET | POST, path: /..., body? }, not ${JSON.stringify(r)}`);
    return { method, path: r.path, ...(r.body === undefined ? {} : { body: r.body }) };
  });
}

/**
 * The body of a request's `n`-th send: in its string values `{n}` is n, `{side}` buy for an even n
 * and sell for an odd one (so a generator's orders cross each other, and its position stays flat),
 * `{run}` the generator's own id (client order ids unique across runs).
 */
export function renderBody(body, n, run) {
  const fill = (v) =>
    typeof v === 'string'
      ? v
          .replaceAll('{n}', String(n))
          .replaceAll('{side}', n % 2 === 0 ? 'buy' : 'sell')
          .replaceAll('{run}', run)
      : Array.isArray(v)
        ? v.map(fill)
        : v && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]))
          : v;
  return fill(body);
}

/**
 * `target()` gives the base URL (a Service's ClusterIP) or a list of them (the judged pods, taken
 * in turn). `requests` (parseRequests' form; default a GET of `path`) are sent in turn. `onSecond`,
 * when given, gets each second's finished requests: { at, ms, failed }.
 */
export function startTraffic({ target, path, requests = [{ method: 'GET', path }], ratePerSecond = 20, timeoutMs = 2000, onSecond }) {
  const results = [];
  const run = randomBytes(4).toString('hex');
  const sends = requests.map(() => 0); // how many times each request of the mix was sent
  let tick = 0;
  let url = null;
  let turn = 0;
  let stopped = false;
  const refresh = () => {
    try {
      url = target();
    } catch {
      url = null;
    }
  };
  refresh();
  const refresher = setInterval(refresh, 1000);
  const inFlight = new Set();
  let second = { at: Date.now(), ms: [], failed: 0 };
  const flush = () => {
    if (onSecond && second.ms.length > 0) onSecond(second);
    second = { at: Date.now(), ms: [], failed: 0 };
  };
  const reporter = onSecond ? setInterval(flush, 1000) : null;
  const ticker = setInterval(() => {
    const base = Array.isArray(url) ? url[turn++ % Math.max(url.length, 1)] : url;
    if (stopped || !base) return;
    const sent = Date.now();
    const which = tick++ % requests.length;
    const { method, path: to, body } = requests[which];
    const n = sends[which]++;
    const pending = timedRequest(`${base}${to}`, { method, timeoutMs, ...(body === undefined ? {} : { body: renderBody(body, n, run) }) })
      .then((r) => {
        results.push({ sent, ...r });
        if (!onSecond) return;
        second.ms.push(r.ms);
        if (r.status === 0 || r.status >= 500) second.failed += 1;
      })
      .finally(() => inFlight.delete(pending));
    inFlight.add(pending);
  }, 1000 / ratePerSecond);
  return {
    /** Results so far, optionally only those sent within [from, to). */
    seen(from = 0, to = Infinity) {
      const window = results.filter((r) => r.sent >= from && r.sent < to);
      const failed = window.filter((r) => r.status === 0 || r.status >= 500);
      return { total: window.length, failed: failed.length, statuses: count(window.map((r) => r.error ?? r.status)) };
    },
    /** The failed requests sent within [from, to). */
    failures(from = 0, to = Infinity) {
      return results.filter((r) => r.sent >= from && r.sent < to && (r.status === 0 || r.status >= 500));
    },
    async stop() {
      stopped = true;
      clearInterval(ticker);
      clearInterval(refresher);
      await Promise.allSettled([...inFlight]);
      if (reporter) clearInterval(reporter);
      flush();
      return this.seen();
    },
  };
}

/**
 * GET of a path of the Kubernetes API from inside a pod: the pod's service account token and CA
 * (the in-cluster configuration client-go reads). Resolves with the parsed JSON; rejects otherwise.
 */
export async function inClusterGet(path, dir = '/var/run/secrets/kubernetes.io/serviceaccount') {
  const { readFileSync } = await import('node:fs');
  const { request: httpsRequest } = await import('node:https');
  if (!process.env.KUBERNETES_SERVICE_HOST) throw new Error('not in a pod: KUBERNETES_SERVICE_HOST is unset');
  // By name, as the API server's certificate names itself: not every cluster's certificate carries
  // the Service's ClusterIP (the local cluster's does not; apps/dashboard/lib/releases.ts alike).
  const host = 'kubernetes.default.svc';
  const port = process.env.KUBERNETES_SERVICE_PORT ?? '443';
  const token = readFileSync(`${dir}/token`, 'utf8').trim();
  const ca = readFileSync(`${dir}/ca.crt`);
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host, port, path, ca, headers: { authorization: `Bearer ${token}` }, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`HTTP ${res.statusCode}: ${body.slice(0, 200)}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** The base URLs of the ready pods in a `kubectl get pods -o json` list: IP and first container port. */
export function readyPods(list) {
  return (list.items ?? [])
    .filter((p) => p.status?.podIP && !p.metadata?.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
    .map((p) => `http://${p.status.podIP}:${p.spec?.containers?.[0]?.ports?.[0]?.containerPort ?? 80}`);
}

const count = (values) => values.reduce((acc, v) => ({ ...acc, [v]: (acc[v] ?? 0) + 1 }), {});

// CLI: traffic through the active Services of a namespace for a bounded time, then a summary.
//   node tools/load/traffic.mjs --namespace trading-staging --seconds 300 agents=/api/positions execution-engine=/api/status
// A service's requests: `service=/path` (GETs) or `service=[{"method":"POST","path":"/api/orders","body":{...}}, ...]`
// (a mix sent in turn; parseRequests, renderBody).
// A Service that does not exist yet is looked up again every second (a first deploy creates it).
// --pods SELECTOR: request the ready pods that label selector names directly, in turn (the pods an
// analysis judges on this traffic); empty: through the Service. --per-second: print each second's
// finished requests as `traffic-second {"at","ms","failed"}` (release/analysis/load-measures.ts).
// --in-cluster: run inside a pod of the namespace (tools/load/in-cluster.mjs): Services by their DNS
// names, pods listed with the pod's service account; no kubectl, no context.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { execFileSync } = await import('node:child_process');
  const { parseArgs } = await import('node:util');
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      namespace: { type: 'string' },
      context: { type: 'string', default: process.env.LOCAL_CLUSTER_CONTEXT },
      seconds: { type: 'string', default: '300' },
      rate: { type: 'string', default: '10' },
      pods: { type: 'string', default: '' },
      'per-second': { type: 'boolean', default: false },
      'in-cluster': { type: 'boolean', default: false },
    },
  });
  const usage = (why) => {
    console.error(
      `${why ? `${why}\n` : ''}usage: node tools/load/traffic.mjs --namespace NS [--context C (default $LOCAL_CLUSTER_CONTEXT) | --in-cluster] [--seconds N] [--rate R] [--pods SELECTOR] [--per-second] service=/path|service=[requests] ...`,
    );
    process.exit(2);
  };
  if (!values.namespace || (!values.context && !values['in-cluster']) || positionals.length === 0 || positionals.some((p) => !/^[a-z0-9-]+=[/[]/.test(p)))
    usage();
  // In a pod (tools/load/in-cluster.mjs runs this as a Job): the Service by its DNS name, the
  // judged pods from the API with the pod's own service account, read again every second.
  const inClusterTarget = (service) => {
    if (!values.pods) return () => `http://${service}`;
    let current = null;
    const path = `/api/v1/namespaces/${values.namespace}/pods?labelSelector=${encodeURIComponent(values.pods)}`;
    const update = () =>
      inClusterGet(path).then(
        (list) => (current = readyPods(list)),
        (error) => console.error(`traffic: cannot list the pods ${values.pods}: ${error.message}`),
      );
    update();
    setInterval(update, 1000).unref();
    return () => current;
  };
  const runs = positionals.map((p) => {
    const [service, spec] = [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)];
    let requests;
    try {
      requests = parseRequests(spec);
    } catch (error) {
      usage(`${service}: ${error.message}`);
    }
    const path = requests.map((r) => `${r.method === 'GET' ? '' : `${r.method} `}${r.path}`).join('+');
    const kubectl = (...args) =>
      execFileSync('kubectl', ['--context', values.context, '-n', values.namespace, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const target = values['in-cluster']
      ? inClusterTarget(service)
      : values.pods
        ? () => readyPods(JSON.parse(kubectl('get', 'pods', '-l', values.pods, '-o', 'json')))
        : () => {
            const ip = kubectl('get', 'service', service, '-o', 'jsonpath={.spec.clusterIP}');
            return ip ? `http://${ip}` : null;
          };
    const onSecond = values['per-second'] ? (second) => console.log(`traffic-second ${JSON.stringify(second)}`) : undefined;
    return { service, path, traffic: startTraffic({ target, requests, ratePerSecond: Number(values.rate), onSecond }) };
  });
  const finish = async () => {
    for (const { service, path, traffic } of runs) {
      const seen = await traffic.stop();
      console.log(`traffic ${service}${path}: ${seen.total} requests, ${seen.failed} failed ${JSON.stringify(seen.statuses)}`);
    }
    process.exit(0);
  };
  process.on('SIGTERM', finish);
  process.on('SIGINT', finish);
  setTimeout(finish, Number(values.seconds) * 1000);
  // Started as a deploy's load hook: end with that deploy, even one killed without a word.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) finish();
  }, 1000);
}
