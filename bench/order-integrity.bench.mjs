// Benchmark: order traffic with retries against three engines (the debug build the tests use) on one
// PostgreSQL database, one of them SIGKILLed and replaced mid-traffic, then the same traffic against
// three engines that keep their book in the process (the planted defect). Prints the checked counts
// of both (acknowledged, lost, booked twice, ids reused) and the orders per second each sustained:
// the ratio is what keeping the state where it survives costs on this machine.
//   node bench/order-integrity.bench.mjs [--clients 12] [--orders 200]
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { checkOrderHistory, describe } from '../tools/testing/order-checker.mjs';
import { BOOK_SQL, orderTraffic, readBack } from '../tools/testing/order-traffic.mjs';
import { buildEngine, freePort, startEngine, throwawayDatabase } from '../tools/testing/local-services.mjs';

const { values } = parseArgs({ options: { clients: { type: 'string', default: '12' }, orders: { type: 'string', default: '200' } } });
const clients = Number(values.clients);
const orders = Number(values.orders);

buildEngine();

async function round(name, env, { kill }) {
  const engines = [];
  for (let i = 0; i < 3; i++) engines.push(await startEngine(undefined, env));
  const urls = () => engines.map((e) => e.url);
  const started = process.hrtime.bigint();
  try {
    const history = await orderTraffic({
      urls,
      clients,
      orders,
      prefix: `${name}-`,
      attempts: 20,
      retryMs: 100,
      during: async () => {
        if (!kill) return;
        process.kill(engines[1].pid, 'SIGKILL');
        engines[1] = await startEngine(await freePort(), env);
      },
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const book = env.DATABASE_URL ? JSON.parse(execFileSync('psql', [env.DATABASE_URL, '-At', '-c', BOOK_SQL], { encoding: 'utf8' })) : undefined;
    const result = checkOrderHistory({ history, final: await readBack(history, urls()), book });
    const rate = result.counts.acknowledged / seconds;
    console.log(`${name}: ${rate.toFixed(0)} orders/s acknowledged over ${seconds.toFixed(1)} s; ${describe(result).split('\n')[0]}`);
    return { rate, result };
  } finally {
    for (const e of engines) await e.stop();
  }
}

const database = throwawayDatabase('bench_integrity');
try {
  const shared = await round('postgres', { DATABASE_URL: database.url }, { kill: true });
  const planted = await round('in-process', { ENGINE_STATE: 'memory' }, { kill: true });
  console.log(
    `\nPostgreSQL: ${shared.result.counts.lost ?? 0} lost, ${shared.result.counts['booked-twice'] ?? 0} booked twice of ${shared.result.counts.acknowledged}` +
      `; in-process: ${planted.result.counts.lost ?? 0} lost, ${planted.result.counts['booked-twice'] ?? 0} booked twice of ${planted.result.counts.acknowledged}` +
      `; throughput ratio PostgreSQL/in-process ${(shared.rate / planted.rate).toFixed(2)}`,
  );
  if (!shared.result.ok) process.exitCode = 1;
} finally {
  database.drop();
}
