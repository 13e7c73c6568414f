// A Prometheus of one test's own: tools/prometheus/prometheus.sh with its own address, state and
// file_sd targets, for a test that stops and starts Prometheus (slo-resilience.test.mjs) while the
// local stack's Prometheus keeps serving the tests beside it. Same binary, same configuration
// (the local cluster's pods and the exporters dropped into its targets folder), same start and stop.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../testing/local-services.mjs';
import { repoRoot } from './scratch.mjs';

/**
 * Starts it; `{ url, targets, up(), down(), close() }`. up/down run prometheus.sh (synchronously,
 * seconds) and throw on its failure; close stops it and removes its data.
 */
export async function startPrivatePrometheus(name) {
  const state = mkdtempSync(join(tmpdir(), `prometheus-${name}-`));
  const targets = join(state, 'targets');
  mkdirSync(targets);
  const addr = `127.0.0.1:${await freePort()}`;
  const env = { ...process.env, PROMETHEUS_ADDR: addr, PROMETHEUS_STATE: state, PROMETHEUS_TARGETS: targets };
  const prometheus = (command) => {
    const r = spawnSync('bash', [join(repoRoot, 'tools/prometheus/prometheus.sh'), command], { cwd: repoRoot, env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`prometheus.sh ${command} (${addr}, ${state}) exited ${r.status}:\n${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  prometheus('up');
  return {
    url: `http://${addr}`,
    targets,
    up: () => prometheus('up'),
    down: () => prometheus('down'),
    close() {
      try {
        prometheus('down');
      } finally {
        rmSync(state, { recursive: true, force: true });
      }
    },
  };
}
