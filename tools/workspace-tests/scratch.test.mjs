// @workspace-test cached
// The helpers every workspace test runs commands with. start() collects a child's stdout and
// stderr together: a line must arrive whole even when the pipe hands it over in pieces with the
// other stream's output in between (act's side-by-side jobs write thousands of lines; the
// fresh-clone CI once lost a shard's "Success - Main …" line that way), and a character split
// across two pieces must not turn into replacement characters.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { repoRoot, start } from './scratch.mjs';

const script = `
const pause = () => new Promise((r) => setTimeout(r, 150));
process.stdout.write('[job 1]   \\u2705  Success - Main nx aff');
await pause();
process.stderr.write('[job 2]   a line of the other stream\\n');
await pause();
process.stdout.write('ected, this shard\\'s tasks\\n');
await pause();
const check = Buffer.from('[job 1]   \\u2705  done\\n');
process.stdout.write(check.subarray(0, 12));
await pause();
process.stdout.write(check.subarray(12));
`;

test("start() keeps each stream's lines whole and its characters intact, however the pipes split them", async () => {
  const child = start(repoRoot, process.execPath, ['--input-type=module', '-e', script]);
  assert.equal(await child.exited, 0);
  const lines = child.output().split('\n');
  assert.ok(lines.includes("[job 1]   \u2705  Success - Main nx affected, this shard's tasks"), child.output());
  assert.ok(lines.includes('[job 2]   a line of the other stream'), child.output());
  assert.ok(lines.includes('[job 1]   \u2705  done'), child.output());
  assert.doesNotMatch(child.output(), /\uFFFD/);
});

test('start() shows a last line without a newline, as soon as it is written', async () => {
  const child = start(repoRoot, process.execPath, ['-e', "process.stdout.write('Password: '); setTimeout(() => {}, 300)"]);
  await child.waitFor(/Password: $/, 5000);
  assert.equal(await child.exited, 0);
});
