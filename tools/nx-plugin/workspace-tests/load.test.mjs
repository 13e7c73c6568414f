// @workspace-test quiet needs=execution-engine:build-debug
// nx run <svc>:load against the real engine (its debug build) with the real oha: a healthy service
// at a rate it sustains passes; planted latency and errors fail it, named; a rate the generator
// cannot reach marks the run invalid; no URL or an unreachable one is a clear error.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildEngine, freePort, startEngine } from '../../testing/local-services.mjs';
import { repoRoot, run, tryRun } from '../../workspace-tests/scratch.mjs';

const dir = join(repoRoot, 'tmp', `load-test-${process.pid}`);
const engines = [];
before(() => {
  run(repoRoot, 'bash', ['scripts/install-ci-tools.sh', 'load']);
  buildEngine();
  mkdirSync(dir, { recursive: true });
});
after(async () => {
  await Promise.all(engines.map((e) => e.stop()));
  rmSync(dir, { recursive: true, force: true });
});

/** A load configuration of the test's own, beside the engine's (the option is project-relative). */
function config(name, { rate, users, durationSeconds = 3, p95Ms = 100, endpoints = ['/api/status'] }) {
  writeFileSync(
    join(dir, `${name}.yaml`),
    `endpoints: [${endpoints.join(', ')}]\nrate: ${rate}\nusers: ${users}\ndurationSeconds: ${durationSeconds}\np95Ms: ${p95Ms}\n`,
  );
  return `../../tmp/load-test-${process.pid}/${name}.yaml`;
}

async function engine(env = {}) {
  const e = await startEngine(undefined, env);
  engines.push(e);
  return e.url;
}

const load = (...flags) => tryRun(repoRoot, 'npx', ['nx', 'run', 'execution-engine:load', '--output-style=static', ...flags]);
const report = () => JSON.parse(readFileSync(join(repoRoot, 'reports/load/execution-engine.json'), 'utf8'));

test('a healthy service at a rate it sustains passes, with every figure reported', async () => {
  const result = load(`--baseUrl=${await engine()}`, `--config=${config('healthy', { rate: 200, users: 50 })}`);
  assert.equal(result.code, 0, result.out.slice(-3000));
  assert.match(result.out, /### Load test of execution-engine: PASS/);
  const [only] = report().results;
  assert.equal(only.verdict, 'passed');
  assert.ok(only.figures.requests >= 594, `about 600 requests in 3 s at 200/s: ${only.figures.requests}`);
  assert.ok(only.figures.achievedRate >= 198, `${only.figures.achievedRate}`);
  assert.equal(only.figures.errors, 0);
  for (const k of ['p50Ms', 'p95Ms', 'p99Ms', 'maxMs']) assert.ok(only.figures[k] > 0 && only.figures[k] < 100, `${k} ${only.figures[k]}`);
});

test('planted latency and planted errors fail the run, each named', async () => {
  const slow = load(`--baseUrl=${await engine({ FAULT_DELAY_MS: '150' })}`, `--config=${config('slow', { rate: 100, users: 100 })}`);
  assert.notEqual(slow.code, 0);
  assert.match(slow.out, /### Load test of execution-engine: FAIL/);
  assert.match(slow.out, /p95 1\d\d(\.\d+)? ms is not under 100 ms/);
  const failing = load(`--baseUrl=${await engine({ FAULT_ERROR_RATE: '0.1' })}`, `--config=${config('errors', { rate: 100, users: 20 })}`);
  assert.notEqual(failing.code, 0);
  assert.match(failing.out, /\d+ of \d+ requests failed \(HTTP 500 x\d+\)/);
  assert.equal(report().verdict, 'failed');
});

test('a rate the generator cannot reach makes the run invalid, not passed', async () => {
  // One user, every answer 50 ms late: at most ~20 req/s, against 500 asked.
  const result = load(`--baseUrl=${await engine({ FAULT_DELAY_MS: '50' })}`, `--config=${config('unreachable-rate', { rate: 500, users: 1, p95Ms: 10_000 })}`);
  assert.notEqual(result.code, 0);
  assert.match(result.out, /### Load test of execution-engine: INVALID/);
  assert.match(result.out, /more than 1% below the 500 req\/s asked: the run does not show that load/);
  assert.equal(report().verdict, 'invalid');
});

test('no URL, an unreachable service or a bad configuration is a clear error', async () => {
  const closed = `http://127.0.0.1:${await freePort()}`; // nothing listens there
  const none = tryRun(repoRoot, 'npx', ['nx', 'run', 'execution-engine:load', '--output-style=static'], { LOAD_BASE_URL: '' });
  assert.notEqual(none.code, 0);
  assert.match(none.out, /no service to load: pass --baseUrl=http:\/\/host:port or set LOAD_BASE_URL/);
  const down = load(`--baseUrl=${closed}`);
  assert.notEqual(down.code, 0);
  assert.ok(down.out.includes(`${closed}/api/status does not answer (ECONNREFUSED): start the service or point --baseUrl at it`), down.out);
  writeFileSync(join(dir, 'bad.yaml'), 'endpoints: [status]\nrate: 1\nusers: 1\ndurationSeconds: 1\np95Ms: 1\n');
  const bad = load(`--baseUrl=${closed}`, `--config=../../tmp/load-test-${process.pid}/bad.yaml`);
  assert.notEqual(bad.code, 0);
  assert.match(bad.out, /bad\.yaml: .*starting with \//s);
});
