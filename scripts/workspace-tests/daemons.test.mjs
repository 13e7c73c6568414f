// @workspace-test cached inputs=scripts/lib.sh
// lib.sh's daemons (dockerd, the registry, BuildKit, Prometheus, the node's processes): a pid file
// names the process it started, never another one that reuses its pid later. A full run once found
// Prometheus's old pid alive as a thread of another program: it waited 30 s for a Prometheus never
// started, and its `down` would have killed that program.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { repoRoot } from '../../tools/workspace-tests/scratch.mjs';

const dir = mkdtempSync(join(tmpdir(), 'daemons-'));
const bystander = spawn('sleep', ['600'], { stdio: 'ignore' });
after(() => {
  bystander.kill();
  rmSync(dir, { recursive: true, force: true });
});
const lib = (script) =>
  execFileSync('bash', ['-c', `source scripts/lib.sh && ${script}`], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
// Alive and not a zombie (a stopped daemon may wait for this container's init to reap it).
const alive = (pid) => {
  try {
    return !/^\S+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

test('a started daemon is known by its pid and start time, and stopped', () => {
  const pidfile = join(dir, 'd.pid');
  lib(`daemon_start ${pidfile} ${dir}/d.log sleep 600`);
  const [pid, started] = readFileSync(pidfile, 'utf8').trim().split(' ').map(Number);
  assert.ok(pid > 0 && started > 0, readFileSync(pidfile, 'utf8'));
  assert.equal(lib(`daemon_running ${pidfile} && echo running`), 'running');
  assert.equal(lib(`daemon_start ${pidfile} ${dir}/d.log sleep 600; cat ${pidfile}`), `${pid} ${started}`, 'not started twice');
  assert.equal(lib(`daemon_stop ${pidfile} 1 && echo stopped`), 'stopped');
  assert.equal(alive(pid), false);
});

test('a pid file whose pid now belongs to another process: not running, and that process is never signalled', () => {
  const pidfile = join(dir, 'reused.pid');
  writeFileSync(pidfile, `${bystander.pid} 1\n`); // the daemon started at tick 1, long gone
  assert.equal(lib(`daemon_running ${pidfile} || echo 'not running'`), 'not running');
  assert.equal(lib(`daemon_stop ${pidfile} 1 || echo 'none was running'`), 'none was running');
  assert.equal(alive(bystander.pid), true, 'the process that reused the pid is untouched');
  // A restart starts a new daemon instead of trusting the stale file.
  lib(`daemon_start ${pidfile} ${dir}/r.log sleep 600`);
  const [pid] = readFileSync(pidfile, 'utf8').trim().split(' ').map(Number);
  assert.notEqual(pid, bystander.pid);
  lib(`daemon_stop ${pidfile} 1`);
});

test('a pid file of the old form (the pid alone): a thread of another process, or a process started after the file, is not the daemon', () => {
  const pidfile = join(dir, 'old.pid');
  // What full7 met: Prometheus's old pid had become a thread of a test's node process.
  const thread = readdirSync(`/proc/${process.pid}/task`).find((t) => Number(t) !== process.pid);
  writeFileSync(pidfile, `${thread}\n`);
  assert.equal(lib(`daemon_running ${pidfile} || echo 'not running'`), 'not running');
  writeFileSync(pidfile, `${bystander.pid}\n`);
  utimesSync(pidfile, new Date('2026-01-01'), new Date('2026-01-01')); // written before the bystander started
  assert.equal(lib(`daemon_running ${pidfile} || echo 'not running'`), 'not running');
  utimesSync(pidfile, new Date(), new Date()); // written after: trusted, as files of the old form were
  assert.equal(lib(`daemon_running ${pidfile} && echo running`), 'running');
});

// Two bring-ups at once (the launcher's stack.sh and a test's `nx run local-cluster:up`) restarted
// the node's API relay over each other (full34). Every part's script runs under stack_locked.
test('stack_locked: two bring-ups at once run one after the other; a nested one inside the lock does not wait for it', async () => {
  const home = join(dir, 'stack-home');
  const log = join(dir, 'stack.log');
  const script = join(dir, 'part.sh');
  writeFileSync(
    script,
    [
      `source ${join(repoRoot, 'scripts/lib.sh')}`,
      'stack_locked "$0" "$@"',
      `echo "start $1" >> ${log}`,
      'sleep 1',
      // A part that brings another up (cluster.sh runs node.sh and prometheus.sh refresh): same lock, held already.
      `if [ "$1" = a ]; then bash "$0" nested; fi`,
      `echo "end $1" >> ${log}`,
    ].join('\n'),
  );
  const run = (name) =>
    new Promise((resolve, reject) => {
      const child = spawn('bash', [script, name], { env: { ...process.env, TRADING_HOME: home, STACK_LOCKED: '' }, stdio: 'ignore' });
      const timer = setTimeout(() => reject(new Error(`${name}: still running after 20 s (a deadlock?)`)), 20000);
      child.on('exit', (code) => (clearTimeout(timer), code === 0 ? resolve() : reject(new Error(`${name} exited ${code}`))));
    });
  await Promise.all([run('a'), run('b')]);
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  // Never interleaved: each bring-up's start and end are next to each other (a's nested one inside it).
  const order = lines.join(', ');
  assert.ok(['start a, start nested, end nested, end a, start b, end b', 'start b, end b, start a, start nested, end nested, end a'].includes(order), order);
});
