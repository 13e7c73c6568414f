// Benchmark: image builds per service and builder. A cold build (no layer cache: the service's
// images removed from the engine and, for BuildKit, its build cache pruned), then a rebuild after
// a one-line source change, with the service's Nx `build` redone untimed in between; the timed
// part is `nx run <p>:docker-build` alone. Prints ratios and sizes, all from this one run.
// Needs the local container environment: bash tools/stack.sh up docker
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, run } from '../tools/workspace-tests/scratch.mjs';

const services = [
  { project: 'execution-engine', file: 'apps/execution-engine/src/http.rs', line: '\n// bench: one-line change\n' },
  { project: 'agents', file: 'apps/agents/src/agents/config.py', line: '\n# bench: one-line change\n' },
  { project: 'dashboard', file: 'apps/dashboard/lib/format.ts', line: '\n// bench: one-line change\n' },
];
const docker = (...args) => execFileSync('docker', args, { encoding: 'utf8' }).trim();
const nx = (...args) => run(repoRoot, 'npx', ['nx', ...args, '--output-style=static'], { NX_SKIP_NX_CACHE: 'true' });
// Returns [whole `nx run` seconds, the engine build's own seconds as the executor reports them].
const timed = (fn) => {
  const start = process.hrtime.bigint();
  const out = fn();
  const engine = Number(/built \S+ \([^)]*\) in ([\d.]+) s/.exec(out)?.[1] ?? NaN);
  return [Number(process.hrtime.bigint() - start) / 1e9, engine];
};

const builders = ['buildkit', 'classic'];
const rows = [];
for (const { project, file, line } of services) {
  const path = join(repoRoot, file);
  const original = readFileSync(path, 'utf8');
  try {
    nx('run', `${project}:build`);
    for (const builder of builders) {
      const repo = `${process.env.DOCKER_REGISTRY ?? '127.0.0.1:5000/trading'}/${project}`;
      for (const id of new Set(docker('images', '--format', '{{.ID}}', repo).split('\n').filter(Boolean))) docker('image', 'rm', '-f', id);
      docker('image', 'prune', '-f');
      if (builder === 'buildkit') docker('buildx', 'prune', '--all', '--force');
      const cold = timed(() => nx('run', `${project}:docker-build`, '--excludeTaskDependencies', `--builder=${builder}`));
      appendFileSync(path, line);
      nx('run', `${project}:build`);
      const warm = timed(() => nx('run', `${project}:docker-build`, '--excludeTaskDependencies', `--builder=${builder}`));
      const record = JSON.parse(readFileSync(join(repoRoot, 'dist', project, 'image.json'), 'utf8'));
      rows.push({ project, builder, cold: cold[1], warm: warm[1], mb: record.sizeBytes / 1e6 });
      console.log(
        `${project.padEnd(18)} ${builder.padEnd(9)} engine build: cold ${cold[1].toFixed(1).padStart(6)} s, rebuild ${warm[1].toFixed(1).padStart(6)} s, ratio ${(warm[1] / cold[1]).toFixed(3)}` +
          `   whole nx run: cold ${cold[0].toFixed(1)} s, rebuild ${warm[0].toFixed(1)} s   image ${(record.sizeBytes / 1e6).toFixed(1)} MB`,
      );
    }
  } finally {
    writeFileSync(path, original);
  }
}
console.log('budgets: rebuild <= 0.20 of cold; engine <= 40 MB, agents <= 200 MB, dashboard <= 250 MB');
for (const r of rows) {
  const budget = { 'execution-engine': 40, agents: 200, dashboard: 250 }[r.project];
  console.log(
    `${r.project.padEnd(18)} ${r.builder.padEnd(9)} ratio ${(r.warm / r.cold).toFixed(3)} ${r.warm / r.cold <= 0.2 ? 'within' : 'OVER'}   size ${r.mb.toFixed(1)} MB ${r.mb <= budget ? 'within' : 'OVER'}`,
  );
}
