// Benchmark: the remote cache server under 50 concurrent clients that do what Nx's client does
// (GET a task's hash: 404, run, PUT the artifact; later GET it again to replay), against the
// compiled server with its filesystem store capped below the data written, so retention evicts
// while they run. Measured in this one run: latency percentiles at 50 clients beside 1 client,
// throughput, errors, evictions, the store's final size against its cap, and the server's peak
// memory. Every replayed body is compared byte for byte (an evicted entry may be a 404, never a
// truncated or wrong artifact).
//   node bench/cache-server-load.bench.mjs [clients=50] [tasksPerClient=20]
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { gzipSync } from 'node:zlib';
import { repoRoot } from '../tools/workspace-tests/scratch.mjs';

const CLIENTS = Number(process.argv[2] ?? 50);
const TASKS = Number(process.argv[3] ?? 20);
const ARTIFACT_BYTES = 64 * 1024; // the tar's payload; about this size gzipped (random data)
const WRITE = `w-${randomBytes(12).toString('hex')}`;
const work = mkdtempSync(join(tmpdir(), 'cache-load-bench-'));

/** A gzip tar shaped like Nx's artifacts: one output file, terminal output, 4-byte exit code. */
function artifact(seed) {
  const entry = (name, body) => {
    const header = Buffer.alloc(512);
    header.write(name, 0);
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
    header.write('00000000000\0', 136);
    header.write('        ', 148);
    header.write('0', 156);
    header.write('ustar\0', 257);
    header.write('00', 263);
    let sum = 0;
    for (const b of header) sum += b;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    return Buffer.concat([header, body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
  };
  const code = Buffer.alloc(4);
  return gzipSync(
    Buffer.concat([
      entry('dist/out.bin', randomBytes(ARTIFACT_BYTES)),
      entry('terminalOutput', Buffer.from(`task ${seed}`)),
      entry('code', code),
      Buffer.alloc(1024),
    ]),
  );
}

execFileSync('npx', ['tsc', '-p', 'apps/cache-server/tsconfig.app.json', '--outDir', join(work, 'server')], { cwd: repoRoot });
const sample = artifact(0);
const total = CLIENTS * TASKS * sample.length;
const cap = Math.floor(total / 2);
const server = spawn(process.execPath, [join(work, 'server/main.js')], {
  env: {
    ...process.env,
    NODE_PATH: join(repoRoot, 'node_modules'),
    CACHE_DIR: join(work, 'store'),
    CACHE_PORT: '0',
    CACHE_WRITE_TOKEN: WRITE,
    CACHE_MAX_STORE_BYTES: String(cap),
    CACHE_MAX_ARTIFACT_BYTES: String(1024 * 1024),
  },
  stdio: ['ignore', openSync(join(work, 'access.log'), 'a'), 'pipe'],
});
const url = await new Promise((resolve) =>
  createInterface({ input: server.stderr }).on('line', (line) => {
    const m = /listening on (\S+)/.exec(line);
    if (m) resolve(m[1]);
  }),
);
const headers = { Authorization: `Bearer ${WRITE}` };
const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

/** One client: TASKS tasks, each a miss, a store and a replay; latencies in ms by kind. */
async function client(id, latencies, errors, counts) {
  for (let t = 0; t < TASKS; t++) {
    const hash = `${id}${String(t).padStart(4, '0')}${randomBytes(4).readUInt32BE()}`;
    const body = artifact(hash);
    const timed = async (kind, init) => {
      const started = performance.now();
      const res = await fetch(`${url}/v1/cache/${hash}`, { ...init, headers });
      const bytes = Buffer.from(await res.arrayBuffer());
      latencies[kind].push(performance.now() - started);
      return { status: res.status, bytes };
    };
    const miss = await timed('miss', {});
    if (miss.status !== 404) errors.push(`miss ${hash}: ${miss.status}`);
    const stored = await timed('put', { method: 'PUT', body });
    if (stored.status !== 200) errors.push(`put ${hash}: ${stored.status}`);
    const replay = await timed('hit', {});
    if (replay.status === 200 && !replay.bytes.equals(body)) errors.push(`replay ${hash}: different bytes`);
    else if (replay.status === 404) counts.evictedBeforeReplay += 1;
    else if (replay.status !== 200) errors.push(`replay ${hash}: ${replay.status}`);
  }
}

async function round(clients) {
  const latencies = { miss: [], put: [], hit: [] };
  const errors = [];
  const counts = { evictedBeforeReplay: 0 };
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, (_, i) => client(`${clients}c${i}`, latencies, errors, counts)));
  const seconds = (performance.now() - started) / 1000;
  const requests = latencies.miss.length + latencies.put.length + latencies.hit.length;
  return { clients, seconds, requests, latencies, errors, counts };
}

try {
  const one = await round(1);
  const many = await round(CLIENTS);
  const metrics = await (await fetch(`${url}/metrics`)).text();
  const metric = (name) =>
    Number(
      metrics
        .split('\n')
        .find((l) => l.startsWith(`${name} `))
        ?.split(' ')[1] ?? NaN,
    );
  const rss = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))[1]) / 1024;
  const row = (r, kind) =>
    `${kind.padEnd(5)} p50 ${percentile(r.latencies[kind], 50).toFixed(1)} ms, p95 ${percentile(r.latencies[kind], 95).toFixed(1)} ms, max ${Math.max(...r.latencies[kind]).toFixed(1)} ms`;
  for (const r of [one, many]) {
    console.log(
      `${r.clients} client(s) x ${TASKS} tasks: ${r.requests} requests in ${r.seconds.toFixed(2)} s = ${(r.requests / r.seconds).toFixed(0)} req/s, ${((2 * TASKS * r.clients * sample.length) / r.seconds / 1e6).toFixed(1)} MB/s of artifacts; errors ${r.errors.length}; replays that found their entry evicted ${r.counts.evictedBeforeReplay}`,
    );
    for (const kind of ['miss', 'put', 'hit']) console.log(`  ${row(r, kind)}`);
  }
  for (const kind of ['miss', 'put', 'hit']) {
    console.log(
      `ratio p95 ${kind} at ${CLIENTS} clients / 1 client: ${(percentile(many.latencies[kind], 95) / percentile(one.latencies[kind], 95)).toFixed(2)}`,
    );
  }
  console.log(`ratio throughput ${CLIENTS} clients / 1 client: ${(many.requests / many.seconds / (one.requests / one.seconds)).toFixed(2)}`);
  console.log(
    `retention: cap ${cap} bytes (half of the ${total} written); store now ${metric('nx_cache_store_bytes')} bytes (ratio to cap ${(metric('nx_cache_store_bytes') / cap).toFixed(3)}), ${metric('nx_cache_evictions_total')} evictions`,
  );
  console.log(`server peak RSS ${rss.toFixed(0)} MiB`);
  const errors = [...one.errors, ...many.errors];
  if (errors.length) {
    console.log(`ERRORS:\n  ${errors.slice(0, 20).join('\n  ')}`);
    process.exitCode = 1;
  }
} finally {
  server.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
