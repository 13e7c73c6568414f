// @workspace-test uses=docker,cluster cached images=load inputs=tools/load/**/*
// Issue 31, finding 2: the release gates' load runs inside the cluster, as a Job in the namespace
// it judges, so a hosted runner with no route to a ClusterIP can gate a release. Through
// `nx run <project>:load --namespace=…` on the local cluster's real node, against a plain HTTP
// server reached by its Service's DNS name: a healthy run passes with oha's figures read back from
// the Job; answers that are errors fail it, named; a Service with no pod, or none at all, is a clear error.
// Every run leaves its Job, with the pushed load image, in the namespace. The analysis' traffic
// generator (tools/load/in-cluster.mjs) runs as a Job there too, streamed back, stopped with it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot, tryRun } from '../../workspace-tests/scratch.mjs';
import { CONTEXT, deleteTestNamespace, kubectl, kubectlIn } from '../../workspace-tests/local-stack.mjs';

const NS = `it-load-job-${process.pid}`;
const inNs = kubectlIn(NS);
const dir = join(repoRoot, 'tmp', `load-in-cluster-${process.pid}`);
const reportDir = `tmp/load-in-cluster-${process.pid}/reports`;
const image = () => JSON.parse(readFileSync(join(repoRoot, 'dist/load/image.json'), 'utf8')).reference;

before(() => {
  mkdirSync(dir, { recursive: true });
  kubectl('create', 'namespace', NS);
  kubectl('annotate', 'namespace', NS, 'scheduler.alpha.kubernetes.io/node-selector=trading.dev/node=real');
  // A plain HTTP server on the real node (Python's, from the project's base image): 200 for /, 404 for anything else.
  inNs(
    'create',
    'deployment',
    'web',
    `--image=${process.env.LOCAL_REGISTRY}/trading-base/python:3.11`,
    '--port=8000',
    '--',
    'python3',
    '-m',
    'http.server',
    '8000',
    '--directory',
    '/tmp',
  );
  inNs('expose', 'deployment', 'web', '--port=80', '--target-port=8000');
  inNs('rollout', 'status', 'deployment/web', '--timeout=120s');
});
after(() => {
  deleteTestNamespace(NS);
  rmSync(dir, { recursive: true, force: true });
});

/** A load configuration of the test's own (the option is project-relative). */
function config(name, endpoints) {
  writeFileSync(join(dir, `${name}.yaml`), `endpoints: [${endpoints.join(', ')}]\nrate: 40\nusers: 20\ndurationSeconds: 3\np95Ms: 2000\n`);
  return `../../tmp/load-in-cluster-${process.pid}/${name}.yaml`;
}
const load = (name, endpoints, ...flags) =>
  tryRun(repoRoot, 'npx', [
    'nx',
    'run',
    'execution-engine:load',
    '--output-style=static',
    `--namespace=${NS}`,
    `--context=${CONTEXT}`,
    `--reportDir=${reportDir}`,
    `--config=${config(name, endpoints)}`,
    ...flags,
  ]);
const report = () => JSON.parse(readFileSync(join(repoRoot, reportDir, 'execution-engine.json'), 'utf8'));

test('a healthy Service, loaded from a Job in its namespace by its DNS name, passes with figures read back from the Job', () => {
  const result = load('healthy', ['/'], '--baseUrl=http://web');
  assert.equal(result.code, 0, result.out.slice(-3000));
  assert.match(result.out, new RegExp(`oha runs as Jobs in ${NS} \\(${CONTEXT}\\) against http://web`));
  assert.match(result.out, /### Load test of execution-engine: PASS/);
  const written = report();
  assert.deepEqual(written.inCluster, { namespace: NS, context: CONTEXT, image: image() });
  const [only] = written.results;
  assert.equal(only.verdict, 'passed');
  assert.ok(only.figures.requests >= 118, `about 120 requests in 3 s at 40/s: ${only.figures.requests}`);
  assert.equal(only.figures.errors, 0);
  // The Job ran the pushed load image, by digest, on the real node.
  const jobs = JSON.parse(inNs('get', 'jobs', '-l', 'app.kubernetes.io/name=load', '-o', 'json')).items;
  assert.equal(jobs.length, 1);
  assert.equal(jobs[0].spec.template.spec.containers[0].image, image());
  assert.equal(jobs[0].status.succeeded, 1);
});

test('answers that are errors fail the run, named; a Service with no pod or no Service at all is a clear error', () => {
  const missing = load('missing', ['/', '/no-such-page'], '--baseUrl=http://web');
  assert.notEqual(missing.code, 0);
  assert.match(missing.out, /### Load test of execution-engine: FAIL/);
  assert.match(missing.out, /\d+ of \d+ requests failed \(HTTP 404 x\d+\)/);
  assert.deepEqual(
    report().results.map((r) => r.verdict),
    ['passed', 'failed'],
  );
  // A Service with no ready pod behind it: every connection refused, the run an error that says so.
  inNs('create', 'service', 'clusterip', 'empty', '--tcp=80:8000');
  const empty = load('empty', ['/'], '--baseUrl=http://empty');
  assert.notEqual(empty.code, 0);
  assert.match(empty.out, new RegExp(`http://empty/ does not answer inside ${NS} \\(.+\\): is the Service there and ready\\? Deploy first`));
  const absent = load('absent', ['/'], '--baseUrl=http://nothing-here');
  assert.notEqual(absent.code, 0);
  // oha stops at the name it cannot resolve: the Job fails, and its words are the error.
  assert.match(absent.out, /the load Job load-execution-engine-1-[a-z0-9]+ failed; no load was measured\. oha said:\nError: DNS error/);
  assert.match(absent.out, new RegExp(`kubectl -n ${NS} logs job/load-execution-engine-1-`));
  const unnamed = tryRun(repoRoot, 'npx', ['nx', 'run', 'execution-engine:load', '--output-style=static', `--namespace=${NS}`, '--baseUrl=http://web'], {
    DEPLOY_CONTEXT: '',
  });
  assert.notEqual(unnamed.code, 0);
  assert.match(unnamed.out, /names no cluster: pass --context or set DEPLOY_CONTEXT/);
});

// The analysis' traffic (release/analysis/load-hook.ts runs environments.yaml's analysis.load
// command, tools/load/in-cluster.mjs): traffic.mjs as a Job, its per-second lines streamed back; a
// SIGTERM (the analysis ended) deletes the Job and ends with its summary.
test("the analysis' traffic runs as a Job in the namespace, to the judged pods it lists itself, and stops with the analysis", async () => {
  const lines = [];
  const child = spawn(
    'node',
    [
      'tools/load/in-cluster.mjs',
      '--context',
      CONTEXT,
      '--namespace',
      NS,
      '--seconds',
      '120',
      '--',
      '--rate',
      '10',
      '--pods',
      'app=web',
      '--per-second',
      'web=/',
    ],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  // Five seconds of traffic, each second's answers from the pod it found through the API.
  for (let i = 0; i < 600 && (out.match(/^traffic-second /gm) ?? []).length < 5; i++) await sleep(100);
  lines.push(...out.split('\n').filter((l) => l.startsWith('traffic-second ')));
  assert.ok(lines.length >= 5, out);
  const seconds = lines.map((l) => JSON.parse(l.slice('traffic-second '.length)));
  assert.ok(
    seconds.every((s) => s.failed === 0 && s.ms.length > 0),
    out,
  );
  const job = /Job (traffic-[0-9a-f]+) in /.exec(out)[1];
  assert.equal(JSON.parse(inNs('get', 'job', job, '-o', 'json')).spec.template.spec.serviceAccountName, 'load-traffic');
  child.kill('SIGTERM');
  assert.equal(await exited, 0, out);
  assert.match(out, /traffic web\/: \d+ requests, 0 failed \{"200":\d+\}/);
  for (let i = 0; i < 50 && inNs('get', 'jobs', '-o', 'name').includes(job); i++) await sleep(200);
  assert.doesNotMatch(inNs('get', 'jobs', '-o', 'name'), new RegExp(job), 'the Job is deleted with the analysis');
  // The run recorded its image in the namespace; a run that built none (a production promotion,
  // here a folder without dist/) takes it from there.
  assert.equal(inNs('get', 'configmap', 'load-generator', '-o', 'jsonpath={.data.image}'), image());
  const again = spawn(
    'node',
    [
      join(repoRoot, 'tools/load/in-cluster.mjs'),
      '--context',
      CONTEXT,
      '--namespace',
      NS,
      '--image-from',
      `no-such-namespace,${NS}`,
      '--seconds',
      '60',
      '--',
      '--rate',
      '10',
      '--per-second',
      'web=/',
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let second = '';
  again.stdout.on('data', (d) => (second += d));
  again.stderr.on('data', (d) => (second += d));
  const ended = new Promise((resolve) => again.on('exit', resolve));
  for (let i = 0; i < 600 && !/^traffic-second /m.test(second); i++) await sleep(100);
  again.kill('SIGTERM');
  assert.equal(await ended, 0, second);
  assert.match(second, new RegExp(`the image ${NS} recorded`));
  assert.match(second, /^traffic-second /m);
});
