// The check issue 28 started from, against a deployed namespace: orders booked through the engine's
// Service outlive the replacement of every engine pod, and a retry of a booked client order id is
// answered 200 with the first booking. The main job runs it on its staging deploy:
//   node tools/testing/restart-check.mjs [--namespace trading-staging] [--context <ctx>] [--orders 20]
// Exit 0 with one line of figures; exit 1 naming what was lost or booked again.
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { postOrder } from './order-traffic.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function restartCheck({ namespace, context, orders = 20, timeoutSeconds = 120, log = () => {} }) {
  const kubectl = (...args) =>
    execFileSync('kubectl', ['--context', context, '-n', namespace, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const url = `http://${kubectl('get', 'service', 'execution-engine', '-o', 'jsonpath={.spec.clusterIP}')}`;
  const allPods = () => JSON.parse(kubectl('get', 'pods', '-l', 'app.kubernetes.io/name=execution-engine', '-o', 'json')).items;
  const pods = () => allPods().filter((p) => !p.metadata.deletionTimestamp);
  const ready = (list) => list.filter((p) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
  // A Service created moments ago answers once kube-proxy has its rules (about a second here).
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) })).ok) break;
    } catch {
      /* not yet */
    }
    if (i >= 40) throw new Error(`the engine's Service ${url} answers nothing at /healthz after 20 s: is it deployed and ready?`);
    await sleep(500);
  }
  const run = `restart-${Date.now().toString(36)}`;
  const booked = new Map();
  for (let n = 0; n < orders; n++) {
    const body = {
      account: 'restart-check',
      client_order_id: `${run}-${n}`,
      side: n % 2 ? 'buy' : 'sell',
      price: n % 2 ? '39990' : '40010',
      quantity: '0.001',
    };
    const result = await postOrder(url, body);
    if (result.status !== 201) throw new Error(`order ${body.client_order_id} was not booked through ${url}: ${JSON.stringify(result)}`);
    booked.set(body.client_order_id, { id: result.id, body });
  }
  const before = pods();
  const wanted = before.length;
  log(`${orders} orders booked; replacing the engine's ${wanted} pod(s)`);
  kubectl('delete', 'pod', ...before.map((p) => p.metadata.name), '--wait=false');
  const names = new Set(before.map((p) => p.metadata.name));
  const started = Date.now();
  for (;;) {
    // Gone, not just terminating: a terminating pod may still answer (and a per-pod book would
    // then read back as if it had survived; the planted defect passed this check that way).
    const all = allPods();
    const now = all.filter((p) => !p.metadata.deletionTimestamp);
    if (all.every((p) => !names.has(p.metadata.name)) && ready(now) >= wanted) break;
    if (Date.now() - started > timeoutSeconds * 1000) throw new Error(`the engine's pods were not replaced and ready within ${timeoutSeconds} s`);
    await sleep(500);
  }
  const problems = [];
  for (const [client, { id, body }] of booked) {
    const response = await fetch(`${url}/api/orders/${client}`);
    const found = response.ok ? (await response.json()).id : null;
    if (found !== id) problems.push(`${client}: booked as ${id}, read back as ${found ?? 'nothing'}`);
    if (client.endsWith('-0')) {
      const retry = await postOrder(url, body);
      if (retry.status !== 200 || retry.id !== id) problems.push(`a retry of ${client} was answered ${JSON.stringify(retry)}, not 200 with booking ${id}`);
    }
  }
  if (problems.length) throw new Error(`after the engine's pods were replaced: ${problems.join('; ')}`);
  return { orders, pods: wanted, seconds: (Date.now() - started) / 1000 };
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      namespace: { type: 'string', default: 'trading-staging' },
      context: { type: 'string', default: process.env.LOCAL_CLUSTER_CONTEXT },
      orders: { type: 'string', default: '20' },
    },
  });
  try {
    const r = await restartCheck({ namespace: values.namespace, context: values.context, orders: Number(values.orders), log: console.log });
    console.log(
      `restart check (${values.namespace}): ${r.orders} of ${r.orders} bookings listed after all ${r.pods} engine pods were replaced (${r.seconds.toFixed(1)} s); a retry got its first booking back (200)`,
    );
  } catch (error) {
    console.error(`restart check (${values.namespace}) FAILED: ${error.message}`);
    process.exitCode = 1;
  }
}
