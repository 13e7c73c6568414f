import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** fake-gcs-server (GCS JSON API emulator), built by scripts/build-go-tools.sh. */
export const emulatorBinary =
  process.env.FAKE_GCS_SERVER ??
  join(process.env.TRADING_BIN ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'trading-platform/bin'), 'fake-gcs-server');

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

export async function startEmulator(): Promise<{ endpoint: string; stop: () => void }> {
  if (!existsSync(emulatorBinary)) {
    throw new Error(`${emulatorBinary} not found: run scripts/build-go-tools.sh gcs-emulator`);
  }
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    emulatorBinary,
    ['-scheme', 'http', '-host', '127.0.0.1', '-port', String(port), '-backend', 'memory', '-external-url', endpoint, '-log-level', 'error'],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${endpoint}/storage/v1/b?project=test`)).ok) return { endpoint, stop: () => child.kill() };
    } catch {
      /* not listening yet */
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  throw new Error('fake-gcs-server did not start within 10 s');
}
