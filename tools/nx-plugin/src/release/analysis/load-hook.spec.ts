import { renderLoadCommand, startLoad } from './load-hook';

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

describe('startLoad (a real child process)', () => {
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
});
