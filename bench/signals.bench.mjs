// Benchmark: the agents' signal path with and without group commit. Two agents processes (one
// agent, two replicas) on one PostgreSQL database send their orders to the engine's release build;
// oha posts signals at a constant arrival rate (open model, latency from each request's scheduled
// start) to both, half each. Run once with AGENTS_MAX_BATCH=1 (a transaction per change: how the
// agents worked before) and once with the default batch, at the same rate. Prints, per run, the
// rate achieved, p50/p95 and how the signals ended (201 booked, 200 refused by the limits), and the
// ratios batched/unbatched of p95 and of the rate achieved.
//   node bench/signals.bench.mjs [--rate 500] [--seconds 10]
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, freePort, startAgents, throwawayDatabase } from '../tools/testing/local-services.mjs';

const { values } = parseArgs({ options: { rate: { type: 'string', default: '500' }, seconds: { type: 'string', default: '10' } } });
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const TOOLS = join(process.env.TRADING_HOME ?? join(process.env.HOME, '.cache/trading-platform'), 'bin');

execFileSync('cargo', ['build', '--quiet', '--release', '--package', 'execution-engine'], { cwd: ROOT, stdio: 'inherit' });
execFileSync('bash', ['scripts/install-ci-tools.sh', 'load'], { cwd: ROOT, stdio: 'inherit' });

async function startEngine(databaseUrl) {
  const port = await freePort();
  const child = spawn(join(ROOT, 'target/release/execution-engine'), [], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), DATABASE_URL: databaseUrl },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const up = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return { url, stop: () => child.kill() };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error('the engine did not answer /healthz within 10 s');
}

const oha = (url, perSecond, strength) =>
  new Promise((resolve, reject) => {
    const body = JSON.stringify({ instrument: 'BTC-USD', price: '40000', strength });
    const args = ['--no-tui', '--output-format', 'json', '--latency-correction', '-w', '-q', String(perSecond), '-c', '500', '-z', `${seconds}s`];
    const child = spawn(join(TOOLS, 'oha'), [...args, '-m', 'POST', '-H', 'content-type: application/json', '-d', body, `${url}/api/signals`]);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`oha exited ${code}`))));
  });

async function round(name, batch) {
  const engineDb = throwawayDatabase('bench_signals_engine');
  const agentsDb = throwawayDatabase('bench_signals_agents');
  const engine = await startEngine(engineDb.url);
  const env = { DATABASE_URL: agentsDb.url, AGENTS_MAX_BATCH: String(batch), AGENTS_RETRY_SECONDS: '2' };
  const replicas = [await startAgents(engine.url, env), await startAgents(engine.url, env)];
  try {
    const reports = await Promise.all([oha(replicas[0].url, rate / 2, '0.5'), oha(replicas[1].url, rate / 2, '-0.5')]);
    const p = (q) => Math.max(...reports.map((r) => r.latencyPercentiles[q] * 1000));
    const achieved = reports.reduce((a, r) => a + r.summary.requestsPerSec, 0);
    const codes = {};
    for (const r of reports) for (const [code, n] of Object.entries(r.statusCodeDistribution)) codes[code] = (codes[code] ?? 0) + n;
    const errors = reports.reduce((a, r) => a + Object.values(r.errorDistribution).reduce((x, y) => x + y, 0), 0);
    console.log(
      `${name.padEnd(30)} ${achieved.toFixed(0).padStart(5)} signals/s of ${rate}, p50 ${p('p50').toFixed(1)} ms, p95 ${p('p95').toFixed(1)} ms; ` +
        `booked ${codes[201] ?? 0}, refused by the limits ${codes[200] ?? 0}, errors ${errors}`,
    );
    return { achieved, p95: p('p95') };
  } finally {
    for (const r of replicas) await r.stop();
    engine.stop();
    engineDb.drop();
    agentsDb.drop();
  }
}

const single = await round('a transaction per change (1)', 1);
const batched = await round('group commit (200)', 200);
console.log(
  `\nratios batched/unbatched at ${rate} signals/s: p95 ${(batched.p95 / single.p95).toFixed(3)}, rate achieved ${(batched.achieved / single.achieved).toFixed(2)}`,
);
