// @workspace-test uses=postgres needs=execution-engine:build-debug
// The DAST (Schemathesis) against the three APIs as this checkout builds them, and the proof that it
// finds something: the agents with a planted unhandled input (a valid signal answered 500).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freePort, throwawayDatabase } from '../../testing/local-services.mjs';
import { repoRoot, start, tryRun } from '../../workspace-tests/scratch.mjs';

const failuresIn = (report) =>
  [...readFileSync(report, 'utf8').matchAll(/<testsuite [^>]*(?:failures|errors)="(\d+)"/g)].reduce((sum, m) => sum + Number(m[1]), 0);

let planted;
let database;
after(() => {
  if (planted && planted.child.exitCode === null) process.kill(-planted.child.pid, 'SIGTERM');
  database?.drop();
});

test('the agents, engine and cache-server APIs pass the DAST: no server error, conformance to their documents, bad data refused, auth enforced', () => {
  const result = tryRun(repoRoot, 'bash', ['scripts/security/dast-local.sh']);
  assert.equal(result.code, 0, result.out.slice(-6000));
  assert.match(result.out, /DAST: the three APIs are clean/);
  for (const [name, operations] of [
    ['execution-engine', 8], // GET /api/orders/{client_order_id} and its link from POST /api/orders, GET /api/positions (issue 28)
    ['agents', 7],
    ['cache-server', 4],
  ]) {
    assert.match(result.out, new RegExp(`DAST ${name}: ${operations} operations, no finding`));
    const report = join(repoRoot, 'reports/dast', `${name}.xml`);
    assert.ok(existsSync(report), `${report} written`);
    assert.equal(failuresIn(report), 0);
  }
});

test('a planted defect (a valid input answered 500) is found, named and fails the scan', async () => {
  const port = await freePort();
  database = throwawayDatabase('dast_planted'); // the agents keep their state in PostgreSQL
  planted = start(repoRoot, 'uv', ['run', '--locked', '--quiet', '--project', 'apps/agents', 'python', 'tools/security/dast/planted-defect.py'], {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: database.url,
  });
  await planted.waitFor(/Uvicorn running/, 60_000);
  const result = tryRun(repoRoot, 'bash', ['scripts/security/dast.sh', 'agents-planted', `http://127.0.0.1:${port}`]);
  assert.notEqual(result.code, 0, result.out.slice(-4000));
  assert.match(result.out, /POST \/api\/signals[\s\S]*ST101 Server error/);
  assert.match(result.out, /"strength": -1/);
  assert.match(result.out, /DAST agents-planted: Schemathesis found problems in 1 of 7 operations/);
  assert.ok(failuresIn(join(repoRoot, 'reports/dast/agents-planted.xml')) >= 1);
  // The service's own log names the failure (read once the event loop runs again after the scan).
  await planted.waitFor(/ZeroDivisionError: planted defect/, 10_000);
});
