/** Latency samples of two releases taken side by side: interleaved rounds, alternating which goes
 * first, so drift on a shared machine (other work, thermal, caches) falls on both alike. */
export interface SideSamples {
  latenciesMs: number[];
  errors: number;
}

async function timedRequest(url: string): Promise<number | null> {
  const started = performance.now();
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000), cache: 'no-store' });
    await response.arrayBuffer();
    return response.ok ? performance.now() - started : null;
  } catch {
    return null;
  }
}

async function batch(url: string, requests: number, concurrency: number, into: SideSamples): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < requests) {
      next++;
      const ms = await timedRequest(url);
      if (ms === null) into.errors++;
      else into.latenciesMs.push(ms);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, requests) }, worker));
}

export async function sampleSideBySide(
  urls: { baseline: string; candidate: string },
  { rounds, requestsPerRound, concurrency }: { rounds: number; requestsPerRound: number; concurrency: number },
  progress: (round: number) => void = () => undefined,
): Promise<{ baseline: SideSamples; candidate: SideSamples }> {
  const samples = { baseline: { latenciesMs: [], errors: 0 } as SideSamples, candidate: { latenciesMs: [], errors: 0 } as SideSamples };
  for (let round = 0; round < rounds; round++) {
    const order: ('baseline' | 'candidate')[] = round % 2 === 0 ? ['baseline', 'candidate'] : ['candidate', 'baseline'];
    for (const side of order) await batch(urls[side], requestsPerRound, concurrency, samples[side]);
    progress(round + 1);
  }
  return samples;
}
