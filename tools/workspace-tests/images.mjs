// Tiny real images in the local registry, for tests and benchmarks that deploy by digest.
import { execFileSync } from 'node:child_process';

/** Builds FROM the runtime base with one label, pushes it, and returns repository@digest. */
export function pushVariant(repository, n) {
  const ref = `127.0.0.1:5000/trading/${repository}:v${n}-${process.pid}`;
  execFileSync('docker', ['build', '-q', '-t', ref, '-'], {
    input: `FROM trading-base/runtime:bookworm\nLABEL trading.variant="${n}"\n`,
    env: { ...process.env, DOCKER_BUILDKIT: '0' },
  });
  const digest = /digest: (sha256:[0-9a-f]{64})/.exec(execFileSync('docker', ['push', ref], { encoding: 'utf8' }))[1];
  return `127.0.0.1:5000/trading/${repository}@${digest}`;
}
