// Benchmark: time from the first bad scrape to traffic back on the old colour. A deploy soaks
// under the analysis (interval 2 s, rate window 3 s) against the local Prometheus, which scrapes
// every 1 s an exporter standing for the new pods; the exporter switches to 2% errors (the SLO is
// 1%) and records when Prometheus first scrapes the bad data; the deploy's switch-back is read
// from the Service's switched-at annotation; each trial deploys onto the idle colour. Prints ratios against two
// analysis intervals (what the tests require) and the 60 s recovery bar.
// Needs: npx nx run local-cluster:up && bash tools/prometheus/prometheus.sh up
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { scratchCopy, start } from '../tools/workspace-tests/scratch.mjs';
import { startExporter, waitForSeries } from '../tools/workspace-tests/slo-exporter.mjs';
import { CONTEXT, kubectlIn } from '../tools/workspace-tests/local-stack.mjs';

const NS = `bench-slo-${process.pid}`;
const INTERVAL = 2;
const TRIALS = Number(process.env.SLO_BENCH_TRIALS ?? 3);
const kubectl = kubectlIn(NS);
const digest = (n) => `127.0.0.1:5000/trading/bench-slo@sha256:${String(n % 10).repeat(64)}`;

const deploy = (scratch, ...args) =>
  start(scratch.dir, 'npx', ['nx', 'run', 'deploy:staging', '--services=agents', '--output-style=stream-without-prefixes', ...args]);
const record = (scratch, n) => {
  mkdirSync(join(scratch.dir, 'dist/agents'), { recursive: true });
  writeFileSync(join(scratch.dir, 'dist/agents/image.json'), JSON.stringify({ project: 'agents', reference: digest(n), revision: 'e'.repeat(40) }));
};

const scratch = scratchCopy();
const exporter = await startExporter({ name: `bench-slo-${process.pid}` });
try {
  const file = join(scratch.dir, 'tools/deploy/environments.yaml');
  const envs = parse(readFileSync(file, 'utf8'));
  Object.assign(envs.staging, { namespace: NS, scaleDownDelaySeconds: 1 });
  Object.assign(envs.staging.analysis, { intervalSeconds: INTERVAL, windowSeconds: 3 });
  writeFileSync(file, stringify(envs));
  record(scratch, 1);
  const first = deploy(scratch, '--skipAnalysis');
  if ((await first.exited) !== 0) throw new Error(first.output());

  const results = [];
  for (let trial = 0; trial < TRIALS; trial++) {
    const live = kubectl('get', 'service', 'agents', '-o', 'jsonpath={.spec.selector.trading\\.dev/color}');
    const next = live === 'blue' ? 'green' : 'blue';
    exporter.set({ errorRatio: 0 });
    exporter.target({ namespace: NS, service: 'agents', color: next });
    await waitForSeries(`namespace="${NS}",color="${next}"`);
    record(scratch, trial + 2);
    const run = deploy(scratch, '--soakSeconds=120');
    await run.waitFor(/round 1: error-rate: last 0\.00%/);
    const changed = exporter.set({ errorRatio: 0.02 });
    const code = await run.exited;
    if (code === 0 || !/rolled back/.test(run.output())) throw new Error(`trial ${trial + 1} did not roll back:\n${run.output()}`);
    const back = Date.parse(kubectl('get', 'service', 'agents', '-o', 'jsonpath={.metadata.annotations.trading\\.dev/switched-at}'));
    const firstBad = exporter.firstScrapeAfter(changed);
    const round = /failed in round (\d+)/.exec(run.output())[1];
    results.push((back - firstBad) / 1000);
    console.log(
      `trial ${trial + 1}: ${live} -> ${next}, 2% errors, first bad scrape -> traffic back on ${live}: ${((back - firstBad) / 1000).toFixed(2)} s (tripped in round ${round})`,
    );
  }
  const sorted = [...results].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  console.log(
    `first bad scrape -> traffic back: min ${sorted[0].toFixed(2)} s, median ${median.toFixed(2)} s, max ${sorted.at(-1).toFixed(2)} s over ${results.length} trial(s)`,
  );
  console.log(
    `ratio median / two analysis intervals (${2 * INTERVAL} s): ${(median / (2 * INTERVAL)).toFixed(2)}; max / two intervals: ${(sorted.at(-1) / (2 * INTERVAL)).toFixed(2)}; median / 60 s recovery bar: ${(median / 60).toFixed(3)}`,
  );
} finally {
  await exporter.close();
  try {
    execFileSync('kubectl', ['--context', CONTEXT, 'delete', 'namespace', NS, '--wait=false'], { stdio: 'ignore' });
  } catch {
    /* cluster gone */
  }
  scratch.cleanup();
}
