// @workspace-test cached inputs=workspaceConfig,scripts/ci-affected.sh
// The self-hosted remote cache with the real Nx client: a cold run in one clone fills it,
// another clone replays from it, a read-only token writes nothing, a wrong token fails
// clearly, rejected uploads are never served, and an outage degrades CI to the local cache.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { startCacheServer } from '../../../tools/workspace-tests/cache-server.mjs';
import { run, scratchCopy, tryRun } from '../../../tools/workspace-tests/scratch.mjs';

const WRITE = `write-${randomBytes(12).toString('hex')}`;
const READ = `read-${randomBytes(12).toString('hex')}`;
const TASKS = ['-t', 'typecheck', 'lint', '-p', 'api-client', 'cache-server', '--output-style=static'];

let work;
let server;
let url;
const clones = [];

function clone() {
  const scratch = scratchCopy();
  clones.push(scratch);
  return scratch.dir;
}

const nx = (dir, token, extra = []) =>
  tryRun(dir, 'npx', ['nx', 'run-many', ...TASKS, ...extra], {
    NX_SELF_HOSTED_REMOTE_CACHE_SERVER: url,
    NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: token,
  });

/** { task: 'remote' | 'local' | 'ran' } from Nx's static output. */
function outcomes(out) {
  const tasks = {};
  for (const match of out.matchAll(/> nx run (\S+)(.*)$/gm)) {
    tasks[match[1]] = /remote cache/.test(match[2]) ? 'remote' : /local cache|existing outputs/.test(match[2]) ? 'local' : 'ran';
  }
  return tasks;
}

const log = () => server.log();

const stored = () => readdirSync(join(work, 'store'), { recursive: true }).filter((p) => !p.startsWith('.incoming') && /\/\w+$/.test(p));

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'remote-cache-'));
  server = await startCacheServer(work, { write: WRITE, read: READ });
  url = server.address;
});

after(() => {
  server?.child.kill();
  for (const scratch of clones) scratch.cleanup();
  rmSync(work, { recursive: true, force: true });
});

test('a cold run fills the remote cache; a fresh clone replays every task from it', () => {
  const first = nx(clone(), WRITE);
  assert.equal(first.code, 0, first.out);
  const cold = outcomes(first.out);
  assert.equal(Object.keys(cold).length, 4, JSON.stringify(cold));
  assert.ok(
    Object.values(cold).every((s) => s === 'ran'),
    JSON.stringify(cold),
  );
  assert.equal(stored().length, 4, JSON.stringify(log()));

  const second = nx(clone(), READ);
  assert.equal(second.code, 0, second.out);
  assert.deepEqual(Object.values(outcomes(second.out)), ['remote', 'remote', 'remote', 'remote'], second.out);
  assert.equal(log().filter((r) => r.method === 'GET' && r.status === 200).length, 4);
});

test('a read-only token reads but writes nothing; rejected uploads are never served', async () => {
  const dir = clone();
  appendFileSync(join(dir, 'libs/api-client/src/index.ts'), '\nexport const TOUCHED = 1;\n');
  const before = stored().length;
  const readOnly = nx(dir, READ, ['-p', 'api-client', '-t', 'typecheck']);
  assert.equal(readOnly.code, 0, readOnly.out);
  assert.equal(stored().length, before, 'a read-only run must not add entries');
  const denied = log().filter((r) => r.method === 'PUT' && r.status === 403);
  assert.ok(denied.length >= 1, JSON.stringify(log().slice(-6)));
  const hash = denied.at(-1).path.split('/').pop();

  // Plant a corrupted and a truncated upload for that very hash: both are refused.
  const corrupt = await fetch(`${url}/v1/cache/${hash}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${WRITE}` },
    body: randomBytes(4096),
  });
  assert.equal(corrupt.status, 400);
  // So the next run in this clone asks the remote cache instead of its local one.
  rmSync(join(dir, '.nx/cache'), { recursive: true, force: true });
  rmSync(join(dir, '.nx/workspace-data'), { recursive: true, force: true });
  const again = nx(dir, WRITE, ['-p', 'api-client', '-t', 'typecheck']);
  assert.equal(again.code, 0, again.out);
  assert.equal(outcomes(again.out)['api-client:typecheck'], 'ran', 'the rejected upload must not be served');
  assert.equal(stored().length, before + 1, 'the real result is then stored');
});

test('a wrong token stops Nx with a clear Unauthorized message', () => {
  const result = nx(clone(), 'not-the-right-token-000000');
  assert.notEqual(result.code, 0);
  assert.match(result.out, /Unauthorized: invalid bearer token/);
});

test('a pull request without secrets (fork, Dependabot) runs the CI entry point without the remote cache, with a notice', () => {
  const dir = clone();
  appendFileSync(join(dir, 'libs/api-client/src/index.ts'), '\nexport const FORK = 1;\n');
  run(dir, 'git', ['-c', 'user.name=t', '-c', 'user.email=t@localhost', 'commit', '-qam', 'change']);
  const before = log().length;
  const summary = join(dir, 'summary.md');
  const ci = tryRun(dir, 'bash', ['scripts/ci-affected.sh', 'typecheck'], {
    NX_BASE: 'HEAD~1',
    NX_HEAD: 'HEAD',
    GITHUB_ACTIONS: 'true',
    GITHUB_STEP_SUMMARY: summary,
    NX_SELF_HOSTED_REMOTE_CACHE_SERVER: url,
    NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: '',
  });
  assert.equal(ci.code, 0, ci.out);
  assert.match(ci.out, /::notice::remote cache: no access token .*local cache only/);
  assert.match(ci.out, /Successfully ran target typecheck for 2 projects/);
  assert.equal(log().length, before, 'the server was not asked at all');
  assert.match(readFileSync(summary, 'utf8'), /no access token/);
});

test('an unreachable cache fails plain Nx, but the CI entry point degrades to the local cache', async () => {
  const dir = clone();
  appendFileSync(join(dir, 'libs/api-client/src/index.ts'), '\nexport const OUTAGE = 1;\n');
  run(dir, 'git', ['-c', 'user.name=t', '-c', 'user.email=t@localhost', 'commit', '-qam', 'change']);
  server.child.kill();
  await new Promise((resolve) => server.child.once('exit', resolve));

  const plain = nx(dir, WRITE, ['-p', 'api-client', '-t', 'typecheck']);
  assert.notEqual(plain.code, 0, 'measured: Nx 23 fails a run whose remote cache is unreachable');
  assert.match(plain.out, /Failed to send request/);

  const ci = tryRun(dir, 'bash', ['scripts/ci-affected.sh', 'typecheck'], {
    NX_BASE: 'HEAD~1',
    NX_HEAD: 'HEAD',
    NX_SELF_HOSTED_REMOTE_CACHE_SERVER: url,
    NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: WRITE,
  });
  assert.equal(ci.code, 0, ci.out);
  assert.match(ci.out, /unreachable or unhealthy .*local cache only/);
  assert.match(ci.out, /Successfully ran target typecheck for 2 projects/);
});
