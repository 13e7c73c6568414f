// A chat webhook stand-in for the workspace tests (the release notifications' receiver): answers
// every POST 200 "ok" and appends its JSON body, one line each, to FILE.
//   node tools/workspace-tests/webhook-receiver.mjs FILE   (prints "listening <port>" once up)
// startReceiver() runs it as a child process, so tests that block on spawnSync still get answers.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      appendFileSync(file, `${JSON.stringify(JSON.parse(body))}\n`);
      res.writeHead(200).end('ok');
    });
  });
  server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

/** Starts the receiver; resolves with its URL, what it received so far (the messages' texts) and stop(). */
export function startReceiver() {
  const file = join(mkdtempSync(join(tmpdir(), 'webhook-')), 'received.jsonl');
  const child = spawn(process.execPath, [import.meta.filename, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.stdout.on('data', (d) => {
      const port = /listening (\d+)/.exec(String(d))?.[1];
      if (!port) return;
      resolve({
        url: `http://127.0.0.1:${port}/hook`,
        texts: () =>
          existsSync(file)
            ? readFileSync(file, 'utf8')
                .trim()
                .split('\n')
                .filter(Boolean)
                .map((l) => JSON.parse(l).text)
            : [],
        stop: () => child.kill('SIGTERM'),
      });
    });
  });
}
