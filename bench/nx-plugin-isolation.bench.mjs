// Benchmark: what one `nx` invocation costs with the workspace's plugins isolated (a worker process
// per plugin, Nx's default) and loaded in the CLI's own process (NX_ISOLATE_PLUGINS=false, as .env
// sets it). The workspace tests start Nx hundreds of times (each deploy, each scratch run, each
// act shard's task), so its start-up is most of a short command's wall time. Both modes must build
// the same project graph (checked first); then each runs `nx show project deploy` and a cached
// `nx run release-model:build` alternately, and the ratio of their medians is printed.
//   node bench/nx-plugin-isolation.bench.mjs [rounds, default 5]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../tools/workspace-tests/scratch.mjs';

const rounds = Number(process.argv[2] ?? 5);
const nx = (isolate, args) => {
  const started = process.hrtime.bigint();
  execFileSync('npx', ['nx', ...args], {
    cwd: repoRoot,
    env: { ...process.env, NX_DAEMON: 'false', NX_ISOLATE_PLUGINS: String(isolate) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return Number(process.hrtime.bigint() - started) / 1e9;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = mkdtempSync(join(tmpdir(), 'nx-isolation-'));
try {
  const graph = (isolate) => {
    const file = join(dir, `graph-${isolate}.json`);
    nx(isolate, ['graph', `--file=${file}`]);
    return readFileSync(file, 'utf8');
  };
  if (graph(true) !== graph(false)) {
    console.error('nx-plugin-isolation bench: the two modes build different project graphs; compare the files in ' + dir);
    process.exit(1);
  }
  console.log('project graph: identical in both modes');
  nx(true, ['run', 'release-model:build']); // in the cache from here on
  for (const [label, args] of [
    ['nx show project deploy', ['show', 'project', 'deploy', '--json']],
    ['nx run release-model:build (cached)', ['run', 'release-model:build', '--output-style=static']],
  ]) {
    const times = { true: [], false: [] };
    for (let i = 0; i < rounds; i++) for (const isolate of [true, false]) times[isolate].push(nx(isolate, args));
    const isolated = median(times.true);
    const inProcess = median(times.false);
    console.log(
      `${label.padEnd(38)} isolated ${isolated.toFixed(2)} s, in process ${inProcess.toFixed(2)} s (medians of ${rounds}); ratio in process/isolated: ${(inProcess / isolated).toFixed(2)}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
