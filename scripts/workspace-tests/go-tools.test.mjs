// @workspace-test cached inputs=scripts/build-go-tools.sh,scripts/lib.sh,tools/ci-tools/go.mod,tools/ci-tools/go.sum
// scripts/build-go-tools.sh skips a tool set whose build would not change, and rebuilds one whose
// would. Its stamp used to hash the whole script: any edit (a comment, another tool set's line)
// rebuilt all eight sets, about 13 minutes of two cores on this machine, in the setup of the next
// run. Run on a copy of the script and the smallest set (actionlint), into a folder of its own.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, test } from 'node:test';
import { repoRoot } from '../../tools/workspace-tests/scratch.mjs';

const dir = mkdtempSync(join(tmpdir(), 'go-tools-'));
after(() => rmSync(dir, { recursive: true, force: true }));
for (const file of ['scripts/lib.sh', 'scripts/build-go-tools.sh', '.env', 'tools/ci-tools/go.mod', 'tools/ci-tools/go.sum', 'tools/ci-tools/tools.go']) {
  mkdirSync(join(dir, file, '..'), { recursive: true });
  cpSync(join(repoRoot, file), join(dir, file));
}
const out = join(dir, 'bin');
const build = () =>
  execFileSync('bash', ['scripts/build-go-tools.sh', 'ci-tools'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GO_TOOLS_OUT: out },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

test('a tool set is rebuilt when its module, Go or its build changes, and only then', () => {
  assert.match(build(), /ci-tools: built in \d+ s/);
  assert.match(execFileSync(join(out, 'actionlint'), ['-version'], { encoding: 'utf8' }), /v\d+\.\d+/);
  assert.match(build(), /ci-tools: up to date/);

  // An edit that builds nothing differently: a comment, another tool set's line.
  const script = join(dir, 'scripts/build-go-tools.sh');
  appendFileSync(script, '# a comment\n');
  writeFileSync(script, readFileSync(script, 'utf8').replace('github.com/nektos/act ;;', 'github.com/nektos/act  ;;'));
  assert.match(build(), /ci-tools: up to date/, 'an edit that changes no build of this set rebuilds nothing');

  // What its build is made of: the module's requirements, the packages and flags of the build.
  appendFileSync(join(dir, 'tools/ci-tools/go.mod'), '\n');
  assert.match(build(), /ci-tools: built in/, 'go.mod changed');
  writeFileSync(script, readFileSync(script, 'utf8').replace('build_module ci-tools ', 'GO_TOOLS_TAGS=netgo build_module ci-tools '));
  assert.match(build(), /ci-tools: built in/, 'the build tags changed');
  assert.match(build(), /ci-tools: up to date/);
  rmSync(join(out, 'actionlint'));
  assert.match(build(), /ci-tools: built in/, 'the program is missing');
});

test('two builds of one set at once: one builds, the other waits for it and finds it current', async () => {
  rmSync(join(out, 'actionlint'));
  const options = { cwd: dir, encoding: 'utf8', env: { ...process.env, GO_TOOLS_OUT: out } };
  const outputs = await Promise.all([1, 2].map(() => promisify(execFile)('bash', ['scripts/build-go-tools.sh', 'ci-tools'], options)));
  const said = outputs.map(({ stdout }) => (/ci-tools: built in/.test(stdout) ? 'built' : /ci-tools: up to date/.test(stdout) ? 'current' : stdout));
  assert.deepEqual(said.sort(), ['built', 'current']);
  assert.match(execFileSync(join(out, 'actionlint'), ['-version'], { encoding: 'utf8' }), /v\d+\.\d+/);
});
