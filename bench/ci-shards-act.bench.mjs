// Benchmark: ci.yml's sharded pipeline under act (tools/workflow-runner/act.sh), as the runner user,
// on a pull request whose change affects every project (a whitespace change to nx.json), planned
// into 1 shard and then into 3 (the repository variable CI_SHARDS). On this one 2-core machine the
// shards run side by side and compete for it, so besides each run's wall time it prints every
// shard's own time and estimate, the sum of the shard times and the balance (slowest shard / mean).
// The 1-shard run goes first: it times every task, and the later plans are balanced by those
// durations, kept in the Actions cache as ci.yml keeps them. Here every shard job fails at its image
// scan (grype's database is out of reach) and actions/cache saves only from a job that passed, so
// a one-job workflow of the benchmark's own (bench-seed-durations.yml, in the runner's clone only)
// saves the 1-shard run's measured durations the way a passing shard would. No remote cache: every
// task runs (each job has its own Nx cache, empty, as on GitHub's runners).
//   node bench/ci-shards-act.bench.mjs [shard counts, default "1 3"]
// Needs: root; bash tools/stack.sh up docker. The machine's own local cluster and Prometheus must be
// down: the plugin's cluster specs, run by a shard as the runner user, start the runner's own
// (jest.global-setup.cjs) and its Prometheus must be the one on 127.0.0.1:9090.
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startGitHubApi } from '../tools/workflow-runner/github-api-stand-in.mjs';
import { failedSteps, prepareRunnerUser, runnerWorkspace, shardTimes, stepOutcomes } from '../tools/workspace-tests/act-runner.mjs';

const counts = (process.argv[2] ?? '1 3').split(/\s+/).filter(Boolean).map(Number);
const SHARD_STEP = 'nx affected, this shard.s tasks of lint typecheck test integration e2e coverage build docker-build';
const fail = (message) => {
  console.error(`ci-shards-act bench: ${message}`);
  process.exit(1);
};

if (
  await fetch('http://127.0.0.1:9090/-/ready').then(
    () => true,
    () => false,
  )
) {
  fail(
    "something answers on 127.0.0.1:9090: stop the machine's Prometheus (bash tools/prometheus/prometheus.sh down) and local cluster (npx nx run local-cluster:down) first",
  );
}
prepareRunnerUser();
const api = await startGitHubApi({ runs: [], commits: [] });
const SEED = `# The benchmark's own (not in the repository): saves durations where ci.yml's shards keep them.
name: Seed durations (benchmark)
on:
  workflow_dispatch:
    inputs:
      durations: { required: true }
      nonce: { required: true }
permissions: {}
jobs:
  seed:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/cache@27d5ce7f107fe9357f9df03efb73ab90386fccae # v5.0.5, as ci.yml
        with:
          path: ~/ci-durations
          key: ci-durations-bench-seed-\${{ inputs.nonce }}
      - env:
          DURATIONS: \${{ inputs.durations }}
        run: mkdir -p ~/ci-durations && printf '%s' "$DURATIONS" > ~/ci-durations/durations.json
`;
// The runner clone's own act state starts empty: a fresh Actions cache, as for a new repository (act
// gives every run the same run id, so cache keys that GitHub makes unique per run would otherwise hit
// an earlier run's).
const runner = runnerWorkspace(`bench-shards-${process.pid}`, {
  env: [`GITHUB_API_URL=${api.url}`],
  edit: (dir) => writeFileSync(join(dir, '.github/workflows/bench-seed-durations.yml'), SEED),
});
// The pull request: every project affected (nx.json is an input of all of them).
runner.commit('nx.json', `${readFileSync(join(runner.work, 'nx.json'), 'utf8')}\n`, 'nx.json: whitespace (every project affected)', { moveMain: false });
mkdirSync(join(import.meta.dirname, '..', 'reports', 'bench'), { recursive: true });

const results = [];
try {
  for (const count of counts) {
    console.log(`\n==> ci.yml pull request, ${count} shard(s) (act; the log goes to reports/bench/ci-shards-act-${count}.log)`);
    const result = await runner.act(
      'ci.yml',
      'pull_request',
      { number: 11, pull_request: { number: 11, base: { ref: 'main' }, head: { ref: 'every-project' } } },
      ['-j', 'affected-result', '--var', `CI_SHARDS=${count}`, '-s', 'GITHUB_TOKEN=token-for-the-github-api-stand-in'],
    );
    writeFileSync(join(import.meta.dirname, '..', 'reports', 'bench', `ci-shards-act-${count}.log`), result.out);
    const shards = shardTimes(result.out).sort((a, b) => a.shard - b.shard);
    const outcomes = stepOutcomes(result.out, SHARD_STEP);
    if (shards.length !== count || outcomes.length !== count || outcomes.some((o) => o !== 'Success')) {
      fail(`the ${count}-shard run did not pass every shard's tasks (outcomes: ${outcomes.join(', ') || 'none'})\n${failedSteps(result.out)}`);
    }
    const tasks = Number(/Shard plan: (\d+) affected task/.exec(result.out)?.[1]);
    if (count === 1) {
      const measured = /Durations measured \(s\): (\{.*\})/.exec(result.out)?.[1];
      if (!measured) fail('the 1-shard run printed no measured durations');
      const seed = await runner.act('bench-seed-durations.yml', 'workflow_dispatch', {
        inputs: { durations: measured, nonce: `${process.pid}-${Date.now()}` },
      });
      if (seed.code !== 0) fail(`seeding the durations failed\n${failedSteps(seed.out)}`);
      console.log(`durations of ${Object.keys(JSON.parse(measured)).length} tasks saved for the next plans`);
    }
    results.push({ count, wall: result.seconds, tasks, shards });
    console.log(
      `${count} shard(s): wall ${result.seconds.toFixed(0)} s; ${shards.map((s) => `shard ${s.shard} ${s.seconds} s (est. ${s.estimated} s)`).join(', ')}`,
    );
  }
} finally {
  await api.close();
  runner.cleanup();
}

const lines = ['| shards | tasks | wall s | shard times s (estimated) | sum of shard times s | slowest / mean shard |', '|---|---|---|---|---|---|'];
for (const r of results) {
  const sum = r.shards.reduce((a, s) => a + s.seconds, 0);
  const slowest = Math.max(...r.shards.map((s) => s.seconds));
  lines.push(
    `| ${r.count} | ${r.tasks} | ${r.wall.toFixed(0)} | ${r.shards.map((s) => `${s.seconds} (${s.estimated})`).join(', ')} | ${sum} | ${(slowest / (sum / r.shards.length)).toFixed(2)} |`,
  );
}
const [one, many] = [results.find((r) => r.count === 1), results.find((r) => r.count > 1)];
if (one && many) {
  const sum = many.shards.reduce((a, s) => a + s.seconds, 0);
  lines.push(
    '',
    `ratio wall ${many.count} shards / 1 shard: ${(many.wall / one.wall).toFixed(2)}; sum of ${many.count} shards' times / 1 shard's: ${(sum / one.shards[0].seconds).toFixed(2)} (one machine: the shards compete for its 2 cores; on GitHub each has its own runner)`,
  );
}
console.log(`\n${lines.join('\n')}`);
if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, `### ci.yml shards under act\n${lines.join('\n')}\n`);
