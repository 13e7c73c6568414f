// Stops and restarts only the local cluster's kube-apiserver process, for tests of "the API server
// went away" while etcd and kwok keep running. The controller manager and the scheduler exit when
// they cannot renew their leader lease, possibly seconds after the API server is back (as in any
// cluster, where kubelet or systemd restarts them); kwokctl does not supervise its processes, so
// this restarts both, as kwokctl started them, once the API server is back (and kwok's controller
// if it exited).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLUSTER_NAME, CONTEXT } from './local-stack.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const clusterDir = () => join(process.env.TRADING_HOME ?? join(process.env.HOME, '.cache/trading-platform'), `kwok/clusters/${CLUSTER_NAME}`);
const COMPONENTS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok-controller'];

/** Each component's process as kwokctl started it: pid, command line. */
function snapshot(dir) {
  return COMPONENTS.map((component) => {
    const pid = Number(readFileSync(join(dir, `pids/${component}.pid`), 'utf8').trim());
    return { component, pid, argv: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean) };
  });
}

function respawn(dir, { component, argv }) {
  const log = openSync(join(dir, `logs/${component}.log`), 'a');
  const child = spawn(argv[0], argv.slice(1), { cwd: dir, detached: true, stdio: ['ignore', log, log] });
  child.unref();
  writeFileSync(join(dir, `pids/${component}.pid`), String(child.pid));
}

/** Kills the API server; the returned function starts it again, then whatever exited meanwhile. */
export async function stopApiServer() {
  const dir = clusterDir();
  const processes = snapshot(dir);
  const api = processes[0];
  process.kill(api.pid, 'SIGTERM');
  for (let i = 0; i < 100 && existsSync(`/proc/${api.pid}`); i++) await sleep(100);
  return async function startApiServer() {
    respawn(dir, api);
    for (let i = 0; i < 120; i++) {
      try {
        execFileSync('kubectl', ['--context', CONTEXT, '--request-timeout=2s', 'get', '--raw', '/readyz'], { stdio: 'ignore' });
        for (const p of processes.slice(1)) {
          const alive = existsSync(`/proc/${p.pid}`);
          if (alive && p.component === 'kwok-controller') continue;
          if (alive) {
            process.kill(p.pid, 'SIGTERM');
            for (let j = 0; j < 100 && existsSync(`/proc/${p.pid}`); j++) await sleep(100);
          }
          respawn(dir, p);
        }
        return;
      } catch {
        await sleep(500);
      }
    }
    throw new Error('the kube-apiserver did not come back within 60 s');
  };
}
