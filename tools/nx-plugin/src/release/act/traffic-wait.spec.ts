import { waitForTraffic } from './traffic-wait';

function world(counts: (number | Error)[]) {
  let t = 0;
  const lines: string[] = [];
  const sleeps: number[] = [];
  let reads = 0;
  const wait = (want: number, timeoutMs = 1000) =>
    waitForTraffic({
      count: async () => {
        const next = counts[Math.min(reads++, counts.length - 1)];
        if (next instanceof Error) throw next;
        return next;
      },
      want,
      timeoutMs,
      pollMs: 200,
      sleep: async (ms) => {
        sleeps.push(ms);
        t += ms;
      },
      now: () => t,
      log: (m) => lines.push(m),
    });
  return { wait, lines, sleeps, reads: () => reads };
}

describe('waitForTraffic', () => {
  it('returns once the active Service lists every new pod, saying after how long', async () => {
    const w = world([0, 1, 2]);
    expect(await w.wait(2)).toBe(2);
    expect(w.sleeps).toEqual([200, 200]);
    expect(w.lines).toEqual(['traffic: the active Service lists 2/2 ready pods of the new release (after 0.4 s)']);
  });

  it('rides out a failed read, and gives up after its time without throwing: the soak judges what there is', async () => {
    const w = world([new Error('list EndpointSlices: 503\nmore'), 1]);
    expect(await w.wait(2)).toBe(1);
    expect(w.reads()).toBe(5); // 1000 ms at 200 ms a poll
    expect(w.lines).toEqual([
      'traffic: the active Service lists 1/2 ready pods of the new release after 0.8 s; the soak starts anyway and judges what they serve',
    ]);
  });

  it('names the error when the last read failed', async () => {
    const w = world([new Error('list EndpointSlices: cannot reach the Kubernetes API')]);
    expect(await w.wait(1, 200)).toBe(0);
    expect(w.lines[0]).toContain('(list EndpointSlices: cannot reach the Kubernetes API)');
  });
});
