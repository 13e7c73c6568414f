// The local stack's names and addresses for the tests and benchmarks: the workspace's .env, loaded
// into this process's environment as Nx and scripts/lib.sh load it (a variable already set wins),
// and kubectl against the local cluster.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
process.loadEnvFile(join(ROOT, '.env'));
/** Where the environments' databases keep their data on the real node (environments.yaml's nodePath). */
const DATABASE_VOLUMES = /nodePath: (\S+)/.exec(readFileSync(join(ROOT, 'tools/deploy/environments.yaml'), 'utf8'))[1];

/** The environments' object store (environments.yaml's database.store): the WAL archive and the base backups. */
const STORE = /store: \{ endpoint: "([^"]+)", bucket: ([\w.-]+) \}/.exec(readFileSync(join(ROOT, 'tools/deploy/environments.yaml'), 'utf8'));

/** The local cluster's kubeconfig context and name. */
export const CONTEXT = process.env.LOCAL_CLUSTER_CONTEXT;
export const CLUSTER_NAME = process.env.LOCAL_CLUSTER_NAME;
export const PROMETHEUS_URL = `http://${process.env.PROMETHEUS_ADDR}`;

/**
 * kubectl against the local cluster: its trimmed output; a failure throws with kubectl's message.
 * Up to 64 MiB of output (a whole book read back through psql is several MiB after a proof's traffic).
 */
export const kubectl = (...args) =>
  execFileSync('kubectl', ['--context', CONTEXT, ...args], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 }).trim();
/** kubectl in one namespace of the local cluster. */
export const kubectlIn =
  (namespace) =>
  (...args) =>
    kubectl('-n', namespace, ...args);

/**
 * A test namespace gone with what the deploy made for it outside it: the database's volume (a
 * cluster-wide PersistentVolume, kept by its Retain policy), its folder on the real node, and its
 * WAL archive and base backups in the object store (under the namespace's name).
 */
export function deleteTestNamespace(namespace) {
  for (const args of [
    ['delete', 'namespace', namespace, '--wait=false', '--ignore-not-found'],
    ['delete', 'persistentvolume', `${namespace}-trading-db`, '--wait=false', '--ignore-not-found'],
  ]) {
    try {
      kubectl(...args);
    } catch {
      /* the cluster is gone */
    }
  }
  rmSync(join(DATABASE_VOLUMES, namespace), { recursive: true, force: true });
  if (STORE) deleteStoreObjects(STORE[1], STORE[2], `${namespace}/`);
}

/** Every object under `prefix` in the store's bucket, deleted through the GCS JSON API (curl); an unreachable store is left as it is. */
function deleteStoreObjects(endpoint, bucket, prefix) {
  const curl = (...args) => execFileSync('curl', ['-sS', '--max-time', '10', ...args], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  try {
    for (;;) {
      const listed = JSON.parse(curl(`${endpoint}/storage/v1/b/${bucket}/o?prefix=${encodeURIComponent(prefix)}&maxResults=500`));
      const names = (listed.items ?? []).map((o) => o.name);
      for (const name of names) curl('-X', 'DELETE', '-o', '/dev/null', `${endpoint}/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}`);
      if (!listed.nextPageToken || names.length === 0) return;
    }
  } catch {
    /* the store is not running */
  }
}
