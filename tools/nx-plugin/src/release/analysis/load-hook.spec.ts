import { loadRequests, podSelector, renderLoadCommand, requestsArgument, startLoad } from './load-hook';

describe('renderLoadCommand', () => {
  it('fills the placeholders of every argument', () => {
    expect(
      renderLoadCommand(['node', 'traffic.mjs', '--namespace', '{{namespace}}', '{{service}}={{path}}'], {
        namespace: 'ns',
        service: 'agents',
        path: '/api/positions',
      }),
    ).toEqual(['node', 'traffic.mjs', '--namespace', 'ns', 'agents=/api/positions']);
  });
  it('refuses an unknown placeholder', () => {
    expect(() => renderLoadCommand(['{{nope}}'], { service: 'a' })).toThrow(/placeholder \{\{nope\}\} is not one of service/);
  });
});

describe('loadRequests', () => {
  const probes = { readiness: '/healthz' };
  it("is the service's mix when it has one, else a GET of its loadPath, else of its readiness probe", () => {
    const order = { method: 'POST' as const, path: '/api/orders', body: { side: '{side}' } };
    expect(loadRequests({ probes, loadPath: '/api/status', loadRequests: [{ method: 'GET', path: '/api/status' }, order] })).toEqual([
      { method: 'GET', path: '/api/status' },
      order,
    ]);
    expect(loadRequests({ probes, loadPath: '/api/status' })).toEqual([{ method: 'GET', path: '/api/status' }]);
    expect(loadRequests({ probes })).toEqual([{ method: 'GET', path: '/healthz' }]);
  });
  it('renders into the command as one argument: a lone GET as its path, a mix as JSON', () => {
    const requests = requestsArgument(loadRequests({ probes, loadRequests: [{ method: 'POST', path: '/o', body: { id: 'load-{run}-{n}' } }] }));
    expect(renderLoadCommand(['{{service}}={{requests}}'], { service: 'execution-engine', requests })).toEqual([
      'execution-engine=[{"method":"POST","path":"/o","body":{"id":"load-{run}-{n}"}}]',
    ]);
    expect(requestsArgument(loadRequests({ probes, loadPath: '/api/positions' }))).toBe('/api/positions');
  });
});

describe('podSelector', () => {
  it("selects the judged pods by their own labels: the canary's, or a colour's", () => {
    expect(podSelector('dashboard', { track: 'canary' })).toBe('app.kubernetes.io/name=dashboard,trading.dev/track=canary');
    expect(podSelector('dashboard', { color: 'green' })).toBe('app.kubernetes.io/name=dashboard,trading.dev/color=green');
    expect(() => podSelector('dashboard', { zone: 'a' })).toThrow('no pod label for the analysis target zone');
  });
});

describe('startLoad (a real child process)', () => {
  it("measures on the generator's per-second lines, which stay out of its summary", async () => {
    const script = [
      'const now = Date.now();',
      "console.log('traffic-second ' + JSON.stringify({ at: now - 500, ms: [10, 20, 30, 40], failed: 1 }));",
      "console.log('traffic-second ' + JSON.stringify({ at: now - 60000, ms: [9000], failed: 1 }));",
      "process.on('SIGTERM', () => { console.log('traffic dashboard/: 5 requests, 2 failed'); process.exit(0); }); setInterval(() => {}, 1000);",
    ].join(' ');
    const load = startLoad([process.execPath, '-e', script], process.cwd(), () => undefined);
    for (let i = 0; i < 50 && 'inconclusive' in load.measure('error-rate', 10_000); i++) await new Promise((r) => setTimeout(r, 100));
    expect(load.measure('error-rate', 10_000)).toEqual({ value: 0.25 });
    expect(load.measure('p95-latency', 10_000)).toEqual({ value: 0.04 });
    expect(await load.stop()).toBe('traffic dashboard/: 5 requests, 2 failed');
  });

  it('runs until stopped and reports its last output lines', async () => {
    const log: string[] = [];
    const script = "process.on('SIGTERM', () => { console.log('sent 12 requests, 0 failed'); process.exit(0); }); setInterval(() => {}, 1000);";
    const load = startLoad([process.execPath, '-e', script], process.cwd(), (m) => log.push(m));
    await new Promise((r) => setTimeout(r, 300));
    expect(await load.stop()).toBe('sent 12 requests, 0 failed');
    expect(log[0]).toMatch(/^load: .*node/);
    expect(log.at(-1)).toBe('load: sent 12 requests, 0 failed');
  });
  it('a generator that cannot start is reported, not fatal', async () => {
    const log: string[] = [];
    const load = startLoad(['/nonexistent/load-generator'], process.cwd(), (m) => log.push(m));
    expect(await load.stop()).toBe('');
    expect(log.join('\n')).toMatch(/load: \/nonexistent\/load-generator: spawn .*ENOENT; the analysis runs on whatever traffic there is/);
  });
  it('a generator that did not start leaves its measures inconclusive, saying why', async () => {
    const load = startLoad(['/nonexistent/load-generator'], process.cwd(), () => undefined);
    await load.stop();
    expect(load.measure('error-rate', 10_000)).toEqual({ inconclusive: 'the load generator /nonexistent/load-generator did not start' });
  });
});
