#!/usr/bin/env node
// The previous release's integration tests against this release's schema (issue 30). An expand
// migration is only safe if the release still live while it runs (and the one a rollback returns to)
// works beside it; the lint's rules catch the known shapes of breakage, this catches the rest by
// running that release's own tests on the new schema:
//   node tools/migrations/previous-release.mjs [--base <ref>]
// checks the base (--base, else $NX_BASE, else HEAD~1) out into a worktree; when a service's
// migrations changed since then, runs the base's integration tests (apps/flow-integration) with
// every engine and agents process they start pointed at a database that this checkout's expand
// migrations were applied to first (dbmate, as the deploy's Job applies them; contract migrations
// stay held back, as they are until no running release needs the old shape). The base's engine is
// this checkout's debug build when the engine's sources did not change since the base, else built
// from the base with cargo into a target folder kept outside the clone. Exit 0 when they pass or no
// migration changed, 1 naming the failing tests, 2 on bad input.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { parseMigration } from './migration-file.mjs';

const ROOT = join(import.meta.dirname, '../..');
const DBMATE = join(ROOT, 'node_modules/@dbmate/linux-x64/bin/dbmate');
/** The services whose migrations the previous release's tests run against: their migrations.yaml. */
const SERVICES = ['apps/execution-engine', 'apps/agents'];
/** What the engine binary is built from (its debug build's inputs, narrowed to what git can compare). */
const ENGINE_SOURCES = ['apps/execution-engine/src', 'apps/execution-engine/Cargo.toml', 'Cargo.toml', 'Cargo.lock', 'rust-toolchain.toml', 'libs'];

const fail = (code, message) => {
  console.error(`previous-release: ${message}`);
  process.exit(code);
};
const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

const { values } = parseArgs({ options: { base: { type: 'string' } } });
const baseRef = values.base ?? process.env.NX_BASE ?? 'HEAD~1';
let base;
try {
  base = git('rev-parse', '--verify', `${baseRef}^{commit}`);
} catch {
  // Only the default may be missing: the first commit has no previous release.
  if (values.base === undefined && process.env.NX_BASE === undefined && git('rev-list', '--count', 'HEAD') === '1') {
    console.log('previous-release: HEAD is the first commit: there is no previous release to test');
    process.exit(0);
  }
  fail(2, `the base ${baseRef} is not a commit here (fetch it, or pass --base <ref>: the release that is live while this one migrates)`);
}
const short = base.slice(0, 12);

const migrationDirs = SERVICES.map((service) => {
  const config = parse(readFileSync(join(ROOT, service, 'migrations.yaml'), 'utf8'));
  return { service, dir: join(service, config.dir), table: config.table };
});
const changed = migrationDirs.filter(({ dir }) => git('diff', '--name-only', base, '--', dir) !== '');
if (!changed.length) {
  console.log(`previous-release: no migration changed since ${short}: its integration tests ran against this schema already`);
  process.exit(0);
}
console.log(`previous-release: ${changed.map((c) => c.dir).join(', ')} changed since ${short}: running ${short}'s integration tests against this schema`);

const work = mkdtempSync(join(tmpdir(), 'previous-release-'));
const tree = join(work, 'tree');
const cleanup = () => {
  spawnSync('git', ['worktree', 'remove', '--force', tree], { cwd: ROOT, stdio: 'ignore' });
  rmSync(work, { recursive: true, force: true });
};
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));
git('worktree', 'add', '--detach', '--quiet', tree, base);
// The base's tests import the workspace's packages: this checkout's (the lockfile rarely differs
// between two releases; a test that needs another version fails, named).
// A link the checkout itself carries (a scratch copy commits its links) is replaced, never followed:
// the wrapper below must not land in this checkout's own target folder.
for (const link of ['node_modules', 'target']) rmSync(join(tree, link), { recursive: true, force: true });
symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'));

// The base's engine.
let engine = join(ROOT, 'target/debug/execution-engine');
if (git('diff', '--name-only', base, '--', ...ENGINE_SOURCES) === '') {
  if (!existsSync(engine)) fail(2, `${engine} is missing: build it with npx nx run execution-engine:build-debug`);
  console.log(`previous-release: the engine's sources are the same as ${short}'s: its debug build is this checkout's`);
} else {
  const targetDir = join(process.env.TRADING_HOME ?? join(process.env.HOME ?? tmpdir(), '.cache/trading-platform'), 'previous-release-target');
  console.log(`previous-release: building ${short}'s engine (cargo, target ${targetDir}; its dependencies are compiled once per machine)`);
  const built = spawnSync('cargo', ['build', '--quiet', '-p', 'execution-engine', '--target-dir', targetDir], { cwd: tree, stdio: 'inherit' });
  if (built.status !== 0) fail(1, `${short}'s engine did not build (cargo exit ${built.status})`);
  engine = join(targetDir, 'debug/execution-engine');
}

// The schema a deploy of this checkout leaves the previous release beside: every expand migration of
// this checkout, and the contract migrations the base already carried (they may have run); the new
// contract ones are held back, as the deploy holds them. One folder per service, for dbmate.
const inBase = (file) => spawnSync('git', ['cat-file', '-e', `${base}:${file}`], { cwd: ROOT }).status === 0;
const folders = {};
for (const { service, dir, table } of migrationDirs) {
  const folder = join(work, 'migrations', service.replaceAll('/', '-'));
  mkdirSync(folder, { recursive: true });
  for (const file of readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.sql'))) {
    const parsed = parseMigration(file, readFileSync(join(ROOT, dir, file), 'utf8'));
    if (parsed.problems) fail(2, parsed.problems.join('; '));
    if (parsed.kind === 'expand' || inBase(join(dir, file))) symlinkSync(join(ROOT, dir, file), join(folder, file));
  }
  folders[service] = { folder, table };
}
// Every engine and agents process the base's tests start gets its database migrated to that schema
// first (dbmate, lock_timeout 5 s, no TLS, as the deploy's Job and tools/migrations/cli.mjs connect):
// the engine through a wrapper where the base's tests look for its binary, the agents through a
// `uv` first on their PATH. What dbmate applied goes to applied.log as well.
const applied = join(work, 'applied.log');
const migrate = (service) => {
  const { folder, table } = folders[service];
  return [
    'if [ -n "${DATABASE_URL:-}" ]; then',
    `  case "$DATABASE_URL" in *\\?*) sep='&' ;; *) sep='?' ;; esac`,
    `  out=$('${DBMATE}' --url "$DATABASE_URL\${sep}sslmode=disable&lock_timeout=5s" --migrations-dir '${folder}' --migrations-table '${table}' --no-dump-schema migrate 2>&1) || { printf '%s\\n' "$out" | tee -a '${applied}' >&2; exit 70; }`,
    `  printf '%s\\n' "$out" >> '${applied}'`,
    'fi',
  ].join('\n');
};
mkdirSync(join(tree, 'target/debug'), { recursive: true });
const engineWrapper = join(tree, 'target/debug/execution-engine');
writeFileSync(engineWrapper, `#!/bin/sh\n${migrate('apps/execution-engine')}\nexec '${engine}' "$@"\n`);
chmodSync(engineWrapper, 0o755);
const uv = execFileSync('sh', ['-c', 'command -v uv'], { encoding: 'utf8' }).trim();
mkdirSync(join(work, 'bin'));
const uvWrapper = join(work, 'bin/uv');
writeFileSync(uvWrapper, `#!/bin/sh\ncase " $* " in *" -m agents "*)\n${migrate('apps/agents')}\n;; esac\nexec '${uv}' "$@"\n`);
chmodSync(uvWrapper, 0o755);

const report = join(work, 'report.txt');
const tests = spawnSync(
  'node',
  [
    '--test',
    '--test-concurrency=1',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${report}`,
    'apps/flow-integration/specs/*.test.mjs',
  ],
  // NODE_TEST_CONTEXT unset: run from inside a test (its own workspace test), node would skip the files.
  { cwd: tree, stdio: 'inherit', env: { ...process.env, NODE_TEST_CONTEXT: undefined, PATH: `${join(work, 'bin')}:${process.env.PATH}` } },
);
const tap = existsSync(report) ? readFileSync(report, 'utf8') : '';
const failed = [...tap.matchAll(/^not ok \d+ - (.*)$/gm)].map((m) => m[1]);
const passed = [...tap.matchAll(/^ok \d+ - (.*)$/gm)].length;
const schema = changed.map((c) => c.dir).join(', ');
const appliedFiles = existsSync(applied) ? [...new Set([...readFileSync(applied, 'utf8').matchAll(/^Applying: (\S+)$/gm)].map((m) => m[1]))].sort() : [];
console.log(`previous-release: this checkout's migrations applied to the databases ${short}'s tests used: ${appliedFiles.join(', ') || 'none'}`);
if (passed === 0 && !failed.length) fail(1, `${short}'s integration tests did not run (node exit ${tests.status}, no test reported): nothing was checked`);
if (tests.status !== 0 || failed.length) {
  fail(
    1,
    `${short}'s integration tests fail against this release's schema (${schema}): ${failed.join('; ') || `exit ${tests.status}`}. The live release would fail the same way while this release migrates, and after a rollback to it: make the migration expand-only (nullable, no new constraint the old code violates), or ship the change in two releases`,
  );
}
console.log(`previous-release: ${short}'s integration tests pass against this release's schema (${schema}): ${passed} passed`);
