import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { PrometheusSource } from './prometheus';
import { commandToken } from './prometheus-token';

// Against the real local Prometheus (bash tools/prometheus/prometheus.sh up; scripts/test-all.sh
// starts it), and a loopback server for answers a healthy Prometheus never gives.
const URL = `http://${process.env.PROMETHEUS_ADDR ?? '127.0.0.1:9090'}`;
const source = new PrometheusSource(URL, 5000);

beforeAll(async () => {
  try {
    await fetch(`${URL}/-/ready`);
  } catch {
    execFileSync('bash', [join(__dirname, '../../../../prometheus/prometheus.sh'), 'up'], { stdio: 'inherit' });
  }
}, 60_000);

describe('PrometheusSource against a real Prometheus', () => {
  it('reads one number from a vector or a scalar', async () => {
    expect(await source.query('vector(0.25)')).toEqual({ value: 0.25 });
    expect(await source.query('scalar(vector(3))')).toEqual({ value: 3 });
  });

  it('calls no series, several series, NaN and a bad query inconclusive', async () => {
    expect(await source.query('no_such_metric_anywhere')).toEqual({ inconclusive: 'no data (the query matched no series)' });
    expect(await source.query('label_replace(vector(1), "a", "x", "", "") or label_replace(vector(2), "a", "y", "", "")')).toEqual({
      inconclusive: 'the query returned 2 series; aggregate it to one (sum, histogram_quantile)',
    });
    expect(await source.query('vector(0) / vector(0)')).toEqual({ inconclusive: 'no data (the query evaluated to NaN: no requests in the window)' });
    expect(await source.query('sum(')).toMatchObject({ inconclusive: expect.stringMatching(/^Prometheus rejected the query \(HTTP 400\): .*parse error/) });
  });

  it('calls an unreachable server and a server that is not Prometheus inconclusive', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    expect(await new PrometheusSource(`http://127.0.0.1:${closedPort}`, 2000).query('vector(1)')).toEqual({
      inconclusive: `Prometheus at http://127.0.0.1:${closedPort} unreachable (ECONNREFUSED)`,
    });
    const server: Server = createServer((_, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>login</html>'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      expect(await new PrometheusSource(`http://127.0.0.1:${port}/`, 2000).query('vector(1)')).toEqual({
        inconclusive: `Prometheus at http://127.0.0.1:${port}/ answered HTTP 200 with something that is not a query result: <html>login</html>`,
      });
    } finally {
      server.close();
    }
  });

  // Issue 17, scenario 4: the body read was outside the time-out's try; a server that sent its
  // headers and stalled threw out of the analysis instead of being inconclusive.
  it('calls a server that sends headers and then stalls the body inconclusive, within the time-out', async () => {
    const stalled: Server = createServer((_, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"status":');
    });
    await new Promise<void>((r) => stalled.listen(0, '127.0.0.1', r));
    const port = (stalled.address() as { port: number }).port;
    try {
      expect(await new PrometheusSource(`http://127.0.0.1:${port}`, 300).query('vector(1)')).toEqual({
        inconclusive: `Prometheus at http://127.0.0.1:${port} unreachable (no answer within 300 ms)`,
      });
    } finally {
      stalled.closeAllConnections();
      stalled.close();
    }
  });

  it('reads a range query as one series of finite values, and calls no, several or bad series inconclusive', async () => {
    const end = Math.floor(Date.now() / 1000);
    expect(await source.queryRange('vector(0.02)', end - 9, end, 1)).toEqual({ values: Array(10).fill(0.02) });
    // A step with no requests in its window is NaN: left out, not a zero.
    expect(await source.queryRange('vector(0) / vector(0)', end - 4, end, 1)).toEqual({ values: [] });
    expect(await source.queryRange('no_such_metric_anywhere', end - 4, end, 1)).toEqual({ inconclusive: 'no data (the query matched no series)' });
    expect(await source.queryRange('label_replace(vector(1), "a", "x", "", "") or label_replace(vector(2), "a", "y", "", "")', end - 4, end, 1)).toEqual({
      inconclusive: 'the query returned 2 series; aggregate it to one',
    });
    expect(await source.queryRange('sum(', end - 4, end, 1)).toMatchObject({
      inconclusive: expect.stringMatching(/^Prometheus rejected the query \(HTTP 400\): .*parse error/),
    });
    const server: Server = createServer((_, res) => res.writeHead(502).end('bad gateway'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      expect(await new PrometheusSource(`http://127.0.0.1:${port}`, 2000).queryRange('vector(1)', end - 4, end, 1)).toEqual({
        inconclusive: `Prometheus at http://127.0.0.1:${port} answered HTTP 502 with something that is not a range result: bad gateway`,
      });
    } finally {
      server.close();
    }
  });
});

describe('PrometheusSource behind authentication (a frontend like Google Managed Prometheus’)', () => {
  let server: Server;
  let frontend: string;
  const seen: string[] = [];
  beforeAll(async () => {
    // Answers 401 without the token, forwards to the real Prometheus with it.
    server = createServer((req, res) => {
      seen.push(req.headers.authorization ?? '');
      if (req.headers.authorization !== 'Bearer s3cret') return void res.writeHead(401).end('unauthenticated');
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const answer = await fetch(`${URL}${req.url}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: Buffer.concat(chunks),
        });
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text());
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    frontend = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => server.close());

  it('queries with the token its command prints, and runs the command again only after refreshSeconds', async () => {
    const source = new PrometheusSource(frontend, 5000, commandToken({ command: ['node', '-e', 'process.stdout.write("s3cret\\n")'], refreshSeconds: 300 }));
    expect(await source.query('vector(2)')).toEqual({ value: 2 });
    expect(seen.at(-1)).toBe('Bearer s3cret');
    let clock = 0;
    let runs = 0;
    const token = commandToken(
      { command: ['gcloud', 'auth', 'print-access-token'], refreshSeconds: 300 },
      async () => `t${++runs}`,
      () => clock,
    );
    expect([await token(), await token()]).toEqual(['t1', 't1']);
    clock += 299_000;
    expect(await token()).toBe('t1');
    clock += 2_000;
    expect(await token()).toBe('t2');
  });

  it('calls a refused query, a failing token command and an empty token inconclusive, naming what to fix', async () => {
    expect(await new PrometheusSource(frontend, 5000).query('vector(1)')).toEqual({
      inconclusive: `Prometheus at ${frontend} refused the query (HTTP 401): it wants a token: set the environment's analysis.prometheusToken`,
    });
    const wrong = commandToken({ command: ['node', '-e', 'process.stdout.write("expired")'], refreshSeconds: 300 });
    expect(await new PrometheusSource(frontend, 5000, wrong).query('vector(1)')).toEqual({
      inconclusive: `Prometheus at ${frontend} refused the query (HTTP 401): its token was not accepted`,
    });
    const failing = commandToken({ command: ['node', '-e', 'console.error("not logged in"); process.exit(1)'], refreshSeconds: 300 });
    expect(await new PrometheusSource(frontend, 5000, failing).query('vector(1)')).toEqual({
      inconclusive: expect.stringMatching(/^the Prometheus token command \(node -e .*\) failed: not logged in$/),
    });
    const empty = commandToken({ command: ['true'], refreshSeconds: 300 });
    expect(await new PrometheusSource(frontend, 5000, empty).query('vector(1)')).toEqual({
      inconclusive: 'the Prometheus token command (true) printed no single token',
    });
  });
});
