import { onInterrupt } from './interrupt';

describe('onInterrupt', () => {
  it('cleans up once on SIGTERM, says what was left, and exits 143; uninstalled, it is gone', async () => {
    const lines: string[] = [];
    const codes: number[] = [];
    const listeners = process.listenerCount('SIGTERM');
    let cleanups = 0;
    const exited = new Promise<void>((resolve) => {
      const uninstall = onInterrupt(
        async () => {
          cleanups++;
          return 'leases released';
        },
        (m) => lines.push(m),
        (code) => {
          codes.push(code);
          uninstall();
          resolve();
        },
      );
      process.emit('SIGTERM', 'SIGTERM');
      process.emit('SIGTERM', 'SIGTERM');
    });
    await exited;
    expect(cleanups).toBe(1);
    expect(codes).toEqual([143]);
    expect(lines).toEqual(['interrupted (SIGTERM): leases released']);
    expect(process.listenerCount('SIGTERM')).toBe(listeners);
  });

  it('reports a failed cleanup and exits 130 on SIGINT', async () => {
    const lines: string[] = [];
    await new Promise<void>((resolve) => {
      const uninstall = onInterrupt(
        () => Promise.reject(new Error('API down')),
        (m) => lines.push(m),
        (code) => {
          expect(code).toBe(130);
          uninstall();
          resolve();
        },
      );
      process.emit('SIGINT', 'SIGINT');
    });
    expect(lines).toEqual(['interrupted (SIGINT); cleanup failed: API down']);
  });
});
