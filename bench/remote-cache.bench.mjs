// Benchmark: the self-hosted remote cache.
// 1. A cold `nx run-many` in one fresh clone (filling the remote cache) against the same
//    tasks in a second fresh clone with an empty local cache (every task from the remote).
// 2. Server throughput and peak memory for one 200 MB artifact, uploaded and downloaded.
// Prints ratios measured in this one run.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot, run, scratchCopy } from '../tools/workspace-tests/scratch.mjs';

const WRITE = `w-${randomBytes(12).toString('hex')}`;
const work = mkdtempSync(join(tmpdir(), 'remote-cache-bench-'));
const seconds = (start) => Number(process.hrtime.bigint() - start) / 1e9;
const rssPeakMiB = (pid) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const rssNowMiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

execFileSync('npx', ['tsc', '-p', 'apps/cache-server/tsconfig.app.json', '--outDir', join(work, 'server')], { cwd: repoRoot });
const server = spawn(process.execPath, [join(work, 'server/main.js')], {
  env: { ...process.env, NODE_PATH: join(repoRoot, 'node_modules'), CACHE_DIR: join(work, 'store'), CACHE_PORT: '0', CACHE_WRITE_TOKEN: WRITE },
  stdio: ['ignore', openSync(join(work, 'access.log'), 'a'), 'pipe'],
});
const url = await new Promise((resolve) =>
  createInterface({ input: server.stderr }).on('line', (line) => {
    const m = /listening on (\S+)/.exec(line);
    if (m) resolve(m[1]);
  }),
);

const clones = [];
try {
  // 1. cold run versus remote replay
  const args = [
    'nx',
    'run-many',
    '-t',
    'lint',
    'typecheck',
    'test',
    'build',
    '-p',
    'api-client',
    'cache-server',
    '@trading/nx-plugin',
    'dashboard',
    '--parallel=2',
  ];
  const env = { NX_SELF_HOSTED_REMOTE_CACHE_SERVER: url, NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: WRITE };
  const timedRun = () => {
    const scratch = scratchCopy({ hardLinkNodeModules: true });
    clones.push(scratch);
    const start = process.hrtime.bigint();
    const out = run(scratch.dir, 'npx', args, env);
    return { s: seconds(start), out };
  };
  const cold = timedRun();
  const replay = timedRun();
  const hits = /for (\d+) out of (\d+) tasks/.exec(replay.out);
  console.log(`cold run (fresh clone, fills remote)      ${cold.s.toFixed(2).padStart(8)} s`);
  console.log(`replay  (fresh clone, empty local cache)  ${replay.s.toFixed(2).padStart(8)} s   remote hits ${hits ? `${hits[1]}/${hits[2]}` : 'none'}`);
  console.log(`ratio replay/cold: ${(replay.s / cold.s).toFixed(3)}`);

  // 2. one 200 MB artifact through the server
  const dir = join(work, 'artifact');
  mkdirSync(dir);
  execFileSync('head', ['-c', String(200 * 1024 * 1024), '/dev/urandom'], { stdio: ['ignore', openSync(join(dir, 'blob.bin'), 'w'), 'inherit'] });
  writeFileSync(join(dir, 'terminalOutput'), 'bench');
  writeFileSync(join(dir, 'code'), Buffer.alloc(4));
  execFileSync('tar', ['-C', dir, '-cf', join(work, 'big.tar.gz'), '--use-compress-program=gzip -1', 'blob.bin', 'terminalOutput', 'code']);
  const size = statSync(join(work, 'big.tar.gz')).size;
  const idle = rssNowMiB(server.pid);
  const put = await new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const req = request(`${url}/v1/cache/200`, { method: 'PUT', headers: { Authorization: `Bearer ${WRITE}`, 'Content-Length': size } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, s: seconds(start) }));
    });
    req.on('error', reject);
    createReadStream(join(work, 'big.tar.gz')).pipe(req);
  });
  const get = await new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    let bytes = 0;
    request(`${url}/v1/cache/200`, { headers: { Authorization: `Bearer ${WRITE}` } }, (res) => {
      res.on('data', (chunk) => (bytes += chunk.length));
      res.on('end', () => resolve({ status: res.statusCode, bytes, s: seconds(start) }));
    })
      .on('error', reject)
      .end();
  });
  const mib = size / 1024 / 1024;
  const peak = rssPeakMiB(server.pid);
  console.log(`artifact: ${mib.toFixed(1)} MiB (gzip tar of random data)`);
  console.log(`PUT  ${put.status}  ${put.s.toFixed(2)} s  ${(mib / put.s).toFixed(1)} MiB/s (streamed through gunzip+tar verification)`);
  console.log(`GET  ${get.status}  ${get.s.toFixed(2)} s  ${(mib / get.s).toFixed(1)} MiB/s  (${get.bytes === size ? 'all bytes' : `SHORT: ${get.bytes}`})`);
  console.log(`server RSS idle ${idle.toFixed(1)} MiB, peak ${peak.toFixed(1)} MiB; peak growth / artifact size: ${((peak - idle) / mib).toFixed(3)}`);
} finally {
  server.kill();
  for (const c of clones) c.cleanup();
  rmSync(work, { recursive: true, force: true });
}
