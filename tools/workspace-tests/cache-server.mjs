// The self-hosted Nx remote cache (apps/cache-server), compiled and started for a test: filesystem
// store and JSON access log in `work`, a read-write and a read-only token, a free port.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from './scratch.mjs';

/** Compiles the server into work/server (once) and starts it; resolves to { child, address, log() }. */
export async function startCacheServer(work, { write, read }) {
  if (!existsSync(join(work, 'server/main.js'))) {
    execFileSync('npx', ['tsc', '-p', 'apps/cache-server/tsconfig.app.json', '--outDir', join(work, 'server')], { cwd: repoRoot });
  }
  const child = spawn(process.execPath, [join(work, 'server/main.js')], {
    // Compiled outside the workspace: resolve its packages from the workspace's node_modules.
    env: {
      ...process.env,
      NODE_PATH: join(repoRoot, 'node_modules'),
      CACHE_DIR: join(work, 'store'),
      CACHE_PORT: '0',
      CACHE_WRITE_TOKEN: write,
      CACHE_READ_TOKEN: read,
    },
    // The access log goes to a file: the tests block their event loop while Nx runs.
    stdio: ['ignore', openSync(join(work, 'access.log'), 'a'), 'pipe'],
  });
  const address = await new Promise((resolve, reject) => {
    createInterface({ input: child.stderr }).on('line', (line) => {
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`cache server exited with ${code}`)));
  });
  const log = () =>
    readFileSync(join(work, 'access.log'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  return { child, address, log };
}
