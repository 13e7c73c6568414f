// A stand-in for the new version's pods in the SLO tests and benchmark: an HTTP exporter on
// loopback with the services' metrics (prom-client, the same names and buckets as apps/agents),
// whose request rate, error share and latency the test controls, registered with the local
// Prometheus through a file_sd target file carrying the labels the scrape relabelling gives pods.
import { unlinkSync, writeFileSync, renameSync } from 'node:fs';
import { createServer } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Counter, Histogram, Registry } from 'prom-client';

import { PROMETHEUS_URL } from './local-stack.mjs';

export { PROMETHEUS_URL };
const TARGETS = process.env.PROMETHEUS_TARGETS ?? join(process.env.TRADING_HOME ?? join(homedir(), '.cache/trading-platform'), 'prometheus/targets');

/** `targets`: the file_sd folder of the Prometheus that scrapes it (default the local stack's). */
export async function startExporter({ name, rps = 400, tickMs = 100, targets = TARGETS }) {
  const registry = new Registry();
  const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests', labelNames: ['route', 'code'], registers: [registry] });
  const latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'latency',
    labelNames: ['route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5],
    registers: [registry],
  });
  const state = { errorRatio: 0, slowRatio: 0, slowSeconds: 0.8, changedAt: 0, scrapes: [] };
  let errorCarry = 0;
  let slowCarry = 0;
  const perTick = Math.round((rps * tickMs) / 1000);
  const timer = setInterval(() => {
    errorCarry += perTick * state.errorRatio;
    slowCarry += perTick * state.slowRatio;
    const errors = Math.floor(errorCarry);
    const slow = Math.floor(slowCarry);
    errorCarry -= errors;
    slowCarry -= slow;
    requests.inc({ route: '/orders', code: '200' }, perTick - errors);
    if (errors) requests.inc({ route: '/orders', code: '500' }, errors);
    for (let i = 0; i < perTick; i++) latency.observe({ route: '/orders' }, i < slow ? state.slowSeconds : 0.02);
  }, tickMs);
  const server = createServer(async (req, res) => {
    if (req.url !== '/metrics') return res.writeHead(404).end();
    state.scrapes.push(Date.now());
    res.writeHead(200, { 'Content-Type': registry.contentType }).end(await registry.metrics());
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  const file = join(targets, `${name}.json`);
  return {
    port,
    /**
     * Registers (or relabels) the target: the labels Prometheus attaches to every series. A list
     * of label sets makes Prometheus scrape it once per set (the pods of several services).
     */
    target(labels) {
      const groups = (Array.isArray(labels) ? labels : [labels]).map((l) => ({ targets: [`127.0.0.1:${port}`], labels: l }));
      writeFileSync(`${file}.tmp`, JSON.stringify(groups));
      renameSync(`${file}.tmp`, file);
    },
    /** Changes the traffic from now on; returns the time of the change. */
    set(mode) {
      Object.assign(state, mode);
      state.changedAt = Date.now();
      return state.changedAt;
    },
    /** The first scrape at or after `t`: when Prometheus first saw data of a change. */
    firstScrapeAfter: (t) => state.scrapes.find((s) => s >= t),
    async close() {
      clearInterval(timer);
      try {
        unlinkSync(file);
      } catch {
        /* already gone */
      }
      await new Promise((r) => server.close(r));
    },
  };
}

/** Waits until Prometheus (at `url`, default the local stack's) has a sample of the target's series (it scrapes every second). */
export async function waitForSeries(matcher, { timeoutMs = 20_000, url = PROMETHEUS_URL } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(`http_requests_total{${matcher}}`)}`);
      if ((await r.json()).data?.result?.length) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Prometheus has no series http_requests_total{${matcher}} after ${timeoutMs / 1000} s`);
}
