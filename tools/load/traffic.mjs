// Constant-rate HTTP traffic through a Service while a deploy is analysed (the part Flagger's load
// tester plays), for the real-staging tests and the main job:
// GETs at a fixed rate, each with a deadline, recorded with when it was sent and how it ended, so a
// test can count what clients saw before, during and after a switch. Bounded: a rate, a deadline
// per request and a stop; the target is re-read every second (a Service's ClusterIP).
// A new connection per request, as from many clients: kube-proxy picks a pod per connection, so a
// kept-alive connection would stay on the old colour after a switch and never reach the new one.
import { get } from 'node:http';

/** One GET on a new connection, with a deadline: its status and milliseconds (status 0 and the error's code when it failed). Never rejects. */
export function timedGet(url, timeoutMs = 2000) {
  const sent = Date.now();
  return new Promise((resolve) => {
    const failed = (e) => resolve({ status: 0, ms: Date.now() - sent, error: e.code ?? e.message });
    const req = get(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: Date.now() - sent }));
      res.on('error', failed);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
    req.on('error', failed);
  });
}

/**
 * `target()` gives the base URL (a Service's ClusterIP) or a list of them (the judged pods, taken
 * in turn). `onSecond`, when given, gets each second's finished requests: { at, ms, failed }.
 */
export function startTraffic({ target, path, ratePerSecond = 20, timeoutMs = 2000, onSecond }) {
  const results = [];
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
    const pending = timedGet(`${base}${path}`, timeoutMs)
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

/** The base URLs of the ready pods in a `kubectl get pods -o json` list: IP and first container port. */
export function readyPods(list) {
  return (list.items ?? [])
    .filter((p) => p.status?.podIP && !p.metadata?.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
    .map((p) => `http://${p.status.podIP}:${p.spec?.containers?.[0]?.ports?.[0]?.containerPort ?? 80}`);
}

const count = (values) => values.reduce((acc, v) => ({ ...acc, [v]: (acc[v] ?? 0) + 1 }), {});

// CLI: traffic through the active Services of a namespace for a bounded time, then a summary.
//   node tools/load/traffic.mjs --namespace trading-staging --seconds 300 agents=/api/positions execution-engine=/api/status
// A Service that does not exist yet is looked up again every second (a first deploy creates it).
// --pods SELECTOR: request the ready pods that label selector names directly, in turn (the pods an
// analysis judges on this traffic); empty: through the Service. --per-second: print each second's
// finished requests as `traffic-second {"at","ms","failed"}` (release/analysis/load-measures.ts).
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
    },
  });
  if (!values.namespace || !values.context || positionals.length === 0 || positionals.some((p) => !/^[a-z0-9-]+=\//.test(p))) {
    console.error(
      'usage: node tools/load/traffic.mjs --namespace NS [--context C (default $LOCAL_CLUSTER_CONTEXT)] [--seconds N] [--rate R] [--pods SELECTOR] [--per-second] service=/path ...',
    );
    process.exit(2);
  }
  const runs = positionals.map((p) => {
    const [service, path] = [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)];
    const kubectl = (...args) =>
      execFileSync('kubectl', ['--context', values.context, '-n', values.namespace, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const target = values.pods
      ? () => readyPods(JSON.parse(kubectl('get', 'pods', '-l', values.pods, '-o', 'json')))
      : () => {
          const ip = kubectl('get', 'service', service, '-o', 'jsonpath={.spec.clusterIP}');
          return ip ? `http://${ip}` : null;
        };
    const onSecond = values['per-second'] ? (second) => console.log(`traffic-second ${JSON.stringify(second)}`) : undefined;
    return { service, path, traffic: startTraffic({ target, path, ratePerSecond: Number(values.rate), onSecond }) };
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
