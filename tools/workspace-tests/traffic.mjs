// Constant-rate HTTP traffic for the real-staging tests (the part Flagger's load tester plays):
// GETs at a fixed rate, each with a deadline, recorded with when it was sent and how it ended, so a
// test can count what clients saw before, during and after a switch. Bounded: a rate, a deadline
// per request and a stop; the target is re-read every second (a Service's ClusterIP).
// A new connection per request, as from many clients: kube-proxy picks a pod per connection, so a
// kept-alive connection would stay on the old colour after a switch and never reach the new one.
import { get } from 'node:http';

function request(url, timeoutMs) {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
    req.on('error', reject);
  });
}

export function startTraffic({ target, path, ratePerSecond = 20, timeoutMs = 2000 }) {
  const results = [];
  let url = null;
  let stopped = false;
  const refresh = () => { try { url = target(); } catch { url = null; } };
  refresh();
  const refresher = setInterval(refresh, 1000);
  const inFlight = new Set();
  const ticker = setInterval(() => {
    if (stopped || !url) return;
    const sent = Date.now();
    const pending = request(`${url}${path}`, timeoutMs)
      .then((status) => results.push({ sent, ms: Date.now() - sent, status }))
      .catch((e) => results.push({ sent, ms: Date.now() - sent, status: 0, error: e.code ?? e.message }))
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
      return this.seen();
    },
  };
}

const count = (values) => values.reduce((acc, v) => ({ ...acc, [v]: (acc[v] ?? 0) + 1 }), {});
