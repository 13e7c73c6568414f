import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { notifier } from './notify';

// A local receiver stands for the chat's incoming webhook: it records what it is sent.
function receiver(status = 200, delayMs = 0): Promise<{ server: Server; url: string; received: { headers: IncomingMessage['headers']; body: unknown }[] }> {
  const received: { headers: IncomingMessage['headers']; body: unknown }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(body) });
      setTimeout(() => res.writeHead(status).end(status === 200 ? 'ok' : 'no'), delayMs);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received })),
  );
}

const config = { notify: { webhookVariable: 'NOTIFY_WEBHOOK_URL' } };
const at = () => new Date('2026-12-04T10:00:00Z');
const event = { kind: 'live' as const, service: 'agents', release: 'abc123def456', actor: 'ci', detail: 'soak passed' };

describe('notifier', () => {
  it('posts each event to the webhook as a Slack-compatible message and logs it', async () => {
    const r = await receiver();
    const log: string[] = [];
    try {
      const notify = notifier(
        config,
        'staging',
        { NOTIFY_WEBHOOK_URL: r.url, GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'o/r', GITHUB_RUN_ID: '9' },
        (m) => log.push(m),
        { now: at },
      );
      await notify(event);
      await notify({ ...event, kind: 'started', detail: '' });
    } finally {
      r.server.close();
    }
    expect(r.received.map((x) => (x.body as { text: string }).text)).toEqual([
      '✅ agents in staging: live (release abc123def456, by ci): soak passed',
      '🚀 agents in staging: deploy started (release abc123def456, by ci)',
    ]);
    expect(r.received[0].headers['content-type']).toBe('application/json');
    expect(JSON.stringify(r.received[0].body)).toContain('<https://github.com/o/r/actions/runs/9|the run>');
    expect(log).toEqual([
      'notify: ✅ agents in staging: live (release abc123def456, by ci): soak passed',
      'notify: 🚀 agents in staging: deploy started (release abc123def456, by ci)',
    ]);
  });

  it('never fails the command: a refusing, a slow and an absent webhook are logged, and it resolves', async () => {
    const refusing = await receiver(500);
    const slow = await receiver(200, 2000);
    const log: string[] = [];
    try {
      await notifier(config, 'staging', { NOTIFY_WEBHOOK_URL: refusing.url }, (m) => log.push(m))(event);
      await notifier(config, 'staging', { NOTIFY_WEBHOOK_URL: slow.url }, (m) => log.push(m), { timeoutMs: 200 })(event);
      await notifier(config, 'staging', { NOTIFY_WEBHOOK_URL: 'http://127.0.0.1:9/hook' }, (m) => log.push(m))(event);
    } finally {
      refusing.server.close();
      slow.server.closeAllConnections();
      slow.server.close();
    }
    expect(log.filter((l) => !l.startsWith('notify: ✅'))).toEqual([
      'notify: the webhook (NOTIFY_WEBHOOK_URL) answered 500; the live notification was not delivered',
      expect.stringMatching(/^notify: the webhook \(NOTIFY_WEBHOOK_URL\) could not be reached \(.*abort.*\); the live notification was not delivered$/i),
      expect.stringMatching(/^notify: the webhook \(NOTIFY_WEBHOOK_URL\) could not be reached \(fetch failed\); the live notification was not delivered$/),
    ]);
  });

  it('logs only, saying so once, when the variable is unset; nothing configured: logs only', async () => {
    const log: string[] = [];
    const unset = notifier(config, 'staging', {}, (m) => log.push(m));
    await unset(event);
    await unset(event);
    expect(log.filter((l) => l.includes('is not set'))).toEqual(['notify: NOTIFY_WEBHOOK_URL is not set: notifications are logged only']);
    const none: string[] = [];
    await notifier({}, 'staging', { NOTIFY_WEBHOOK_URL: 'http://127.0.0.1:9/x' }, (m) => none.push(m))(event);
    expect(none).toEqual(['notify: ✅ agents in staging: live (release abc123def456, by ci): soak passed']);
  });
});
