// The local cluster's API server as one process sees it, cut and restored at will: a TCP proxy in
// a process of its own in front of the API server, and a kubeconfig whose context (the local
// cluster's name, so environments.yaml's context resolves) goes through it. A deploy run with
// KUBECONFIG pointing there loses the API server when the proxy is cut, as on a network
// partition or an API server outage: its open connections reset, new ones refused. The cluster
// itself, and every other test using it, runs on untouched (api-server.mjs stops the real one).
//   node api-proxy.mjs LISTEN_PORT UPSTREAM_HOST UPSTREAM_PORT   (the proxy; prints "listening")
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { freePort } from '../testing/local-services.mjs';
import { CONTEXT, kubectl } from './local-stack.mjs';

const SELF = fileURLToPath(import.meta.url);

if (process.argv[1] === SELF) {
  const [listen, host, port] = process.argv.slice(2);
  const server = createServer((client) => {
    const upstream = createConnection(Number(port), host);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  server.listen(Number(listen), '127.0.0.1', () => console.log('listening'));
  // Gone with the test that started it, however that ended.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && process.exit(0), 1000).unref();
}

/**
 * Starts the proxy and writes its kubeconfig: `{ kubeconfig, cut(), restore(), close() }`. cut()
 * kills the proxy (every connection through it resets); restore() starts it again on the same
 * port; close() cuts it and removes the kubeconfig.
 */
export async function apiProxy() {
  const config = parse(kubectl('config', 'view', '--minify', '--flatten'));
  const cluster = config.clusters[0].cluster;
  const upstream = new URL(cluster.server);
  if (upstream.hostname !== '127.0.0.1') throw new Error(`api-proxy: the API server is at ${cluster.server}, not on loopback`);
  const port = await freePort();
  cluster.server = `https://127.0.0.1:${port}`; // the same address the API server's certificate names
  config['current-context'] = CONTEXT;
  const dir = mkdtempSync(join(tmpdir(), 'api-proxy-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, stringify(config), { mode: 0o600 });
  let child;
  const restore = async () => {
    child = spawn(process.execPath, [SELF, String(port), upstream.hostname, upstream.port], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve, reject) => {
      const exited = (code) => reject(new Error(`api-proxy exited ${code} before listening on 127.0.0.1:${port}`));
      child.once('exit', exited);
      child.stdout.once('data', (line) => {
        child.off('exit', exited);
        if (String(line).includes('listening')) resolve();
        else reject(new Error(`api-proxy: unexpected output ${line}`));
      });
    });
  };
  const cut = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  };
  await restore();
  const close = async () => {
    await cut();
    rmSync(dir, { recursive: true, force: true });
  };
  return { kubeconfig, cut, restore, close };
}
