// @workspace-test cached inputs=workflows
// Incident issues (scripts/incidents.mjs, issue 33): what a run owes GitHub, decided from the
// release status and the open issues alone, then the script itself against the GitHub API stand-in
// (tools/workflow-runner/github-api-stand-in.mjs): one issue per release taken off traffic, a
// repeat comments instead of opening another, a rerun of the same run changes nothing, and the
// next promoted release closes it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { incidentActions, incidentRecord, incidentTitle } from '../incidents.mjs';
import { repoRoot } from '../../tools/workspace-tests/scratch.mjs';
import { startGitHubApi } from '../../tools/workflow-runner/github-api-stand-in.mjs';

const live = (release) => ({ color: 'green', release, image: `reg/engine@sha256:${'a'.repeat(64)}` });
const status = (phase, { release = 'r2', aborted = 'r3', reason = 'soak analysis failed in round 2: error-rate 0.08 > 0.01' } = {}) => ({
  service: 'execution-engine',
  live: live(release),
  phase,
  phaseSince: '2026-12-04T19:00:00.000Z',
  phaseReason: reason,
  readyEndpoints: 2,
  aborted: phase === 'Promoted' ? null : { release: aborted, reason },
});
const run = (id) => ({ id, attempt: '1', url: `https://github.com/acme/trading/actions/runs/${id}` });

test('a release taken off traffic opens one issue; a later run comments; a rerun of that run does nothing; a promotion closes it', () => {
  const opened = incidentActions('staging', [status('Aborted')], [], run(1));
  assert.equal(opened.length, 1);
  assert.equal(opened[0].kind, 'open');
  assert.equal(opened[0].title, 'Incident: execution-engine in staging, release r3 taken off traffic');
  assert.deepEqual(opened[0].labels, ['incident', 'service:execution-engine', 'env:staging']);
  assert.match(opened[0].body, /\*\*Aborted\*\* since 2026-12-04T19:00:00\.000Z: soak analysis failed in round 2: error-rate 0\.08 > 0\.01/);
  assert.match(opened[0].body, /Traffic is on green, release r2/);
  const issue = { number: 7, title: opened[0].title, body: opened[0].body, comments: [] };
  assert.deepEqual(incidentActions('staging', [status('Aborted')], [issue], run(1)), [], 'the same run again: nothing');
  const again = incidentActions('staging', [status('RolledBack')], [issue], run(2));
  assert.deepEqual(
    again.map((a) => [a.kind, a.number]),
    [['comment', 7]],
  );
  const closed = incidentActions('staging', [status('Promoted', { release: 'r4' })], [issue], run(3));
  assert.deepEqual(
    closed.map((a) => [a.kind, a.number]),
    [['close', 7]],
  );
  assert.match(closed[0].body, /Resolved: release r4 is live and promoted in staging/);
  // Another environment's or service's issue is not touched; a Soaking release owes nothing yet.
  const other = { number: 8, title: incidentTitle('agents', 'staging', 'r9'), body: '', comments: [] };
  assert.deepEqual(incidentActions('staging', [status('Promoted', { release: 'r4' })], [other], run(3)), []);
  assert.deepEqual(incidentActions('staging', [status('Soaking')], [issue], run(3)), []);
});

test('the incident link each action leaves in the namespace: opened, kept on a repeat, closed by the promoted release', () => {
  const [open] = incidentActions('staging', [status('Aborted')], [], run(1));
  const url = 'https://github.com/acme/trading/issues/7';
  const opened = incidentRecord(open, null, 7, url, '2026-12-05T10:00:00.000Z');
  assert.deepEqual(opened, {
    number: 7,
    url,
    title: 'Incident: execution-engine in staging, release r3 taken off traffic',
    release: 'r3',
    state: 'open',
    openedAt: '2026-12-05T10:00:00.000Z',
    updatedAt: '2026-12-05T10:00:00.000Z',
  });
  const issue = { number: 7, title: open.title, body: open.body, comments: [] };
  const [comment] = incidentActions('staging', [status('RolledBack')], [issue], run(2));
  const repeated = incidentRecord(comment, opened, 7, url, '2026-12-05T11:00:00.000Z');
  assert.deepEqual([repeated.state, repeated.openedAt, repeated.updatedAt], ['open', '2026-12-05T10:00:00.000Z', '2026-12-05T11:00:00.000Z']);
  const [close] = incidentActions('staging', [status('Promoted', { release: 'r4' })], [issue], run(3));
  // Closed without a record of it in the namespace (it was opened before links were written): the title names the release.
  const closed = incidentRecord(close, null, 7, url, '2026-12-05T12:00:00.000Z');
  assert.deepEqual([closed.state, closed.release, closed.closedBy, closed.openedAt], ['closed', 'r3', 'r4', '2026-12-05T12:00:00.000Z']);
});

test('the script against the GitHub API stand-in: opened, commented, closed; no token is an error naming it', async () => {
  const state = { runs: [], commits: [] };
  const api = await startGitHubApi(state);
  const dir = mkdtempSync(join(tmpdir(), 'incidents-'));
  try {
    const file = join(dir, 'status.json');
    const env = { GITHUB_TOKEN: 'token', GITHUB_REPOSITORY: 'acme/trading', GITHUB_API_URL: api.url, GITHUB_RUN_ATTEMPT: '1' };
    // Asynchronously: the stand-in answers from this process.
    const script = (id, extra = {}) =>
      new Promise((resolve) =>
        execFile(
          'node',
          ['scripts/incidents.mjs', 'staging', file],
          { cwd: repoRoot, env: { ...process.env, ...env, GITHUB_RUN_ID: String(id), ...extra } },
          (error, stdout, stderr) => resolve({ code: error ? (error.code ?? 1) : 0, out: stdout + stderr }),
        ),
      );
    const incidents = (statuses, id, extra = {}) => {
      writeFileSync(file, JSON.stringify(statuses));
      return script(id, extra);
    };
    const first = await incidents([status('RolledBack')], 1);
    assert.equal(first.code, 0, first.out);
    assert.match(first.out, /incident: opened #1 Incident: execution-engine in staging, release r3 taken off traffic/);
    assert.equal((await incidents([status('RolledBack')], 1)).code, 0);
    assert.equal(state.issues.length, 1, 'one issue, however often the same run reports');
    assert.match((await incidents([status('RolledBack')], 2)).out, /incident: commented on #1/);
    assert.equal(state.issues[0].comments.length, 1);
    assert.match((await incidents([status('Promoted', { release: 'r4' })], 3)).out, /incident: closed #1/);
    assert.equal(state.issues[0].state, 'closed');
    assert.match(state.issues[0].comments.at(-1), /Resolved: release r4/);
    const noToken = await incidents([status('Aborted')], 4, { GITHUB_TOKEN: '' });
    assert.notEqual(noToken.code, 0);
    assert.match(noToken.out, /incidents: GITHUB_TOKEN is not set/);
    // A status read from a context this machine's kubeconfig lacks: refused before any issue is touched.
    const before = state.issues.length;
    const elsewhere = await incidents([{ ...status('Aborted', { aborted: 'r5' }), target: { context: 'no-such-context', namespace: 'ns' } }], 6);
    assert.notEqual(elsewhere.code, 0);
    assert.match(elsewhere.out, /incidents: kube context no-such-context is not in the kubeconfig/);
    assert.equal(state.issues.length, before);
    writeFileSync(file, 'not json');
    const bad = await script(5);
    assert.match(bad.out, /not the JSON of nx run deploy:status --json/);
  } finally {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
