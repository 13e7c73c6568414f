// Benchmark: a cold `nx run-many -t lint test build` (empty Nx cache, fresh scratch copy: cargo
// target, .venv and .next all cold; only the package registries' download caches are warm),
// the same again (every task from the cache), and `nx affected` with no change. Prints ratios.
import { run, scratchCopy } from '../tools/workspace-tests/scratch.mjs';

function timed(label, fn) {
  const started = process.hrtime.bigint();
  const out = fn();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`${label.padEnd(44)} ${seconds.toFixed(2).padStart(8)} s`);
  return { seconds, out };
}

const targets = ['lint', 'test', 'build'];
const scratch = scratchCopy({ hardLinkNodeModules: true });
try {
  console.log(`scratch copy: ${scratch.dir}`);
  const cold = timed('cold  run-many -t lint test build', () => run(scratch.dir, 'npx', ['nx', 'run-many', '-t', ...targets, '--parallel=2']));
  const warm = timed('warm  run-many -t lint test build', () => run(scratch.dir, 'npx', ['nx', 'run-many', '-t', ...targets, '--parallel=2']));
  const noop = timed('no-op affected -t lint test build', () => run(scratch.dir, 'npx', ['nx', 'affected', '-t', ...targets, '--base=HEAD', '--parallel=2']));
  const hits = /read the output from the cache instead of running the command for (\d+) out of (\d+) tasks/.exec(warm.out);
  console.log(`warm run cache hits: ${hits ? `${hits[1]}/${hits[2]}` : 'none reported'}`);
  console.log(`ratio warm/cold:  ${(warm.seconds / cold.seconds).toFixed(3)}`);
  console.log(`ratio no-op/cold: ${(noop.seconds / cold.seconds).toFixed(3)}`);
} finally {
  scratch.cleanup();
}
