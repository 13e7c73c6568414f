// @workspace-test uses=docker,cluster,prometheus quiet cached images=agents inputs=workspaceConfig,tools/deploy/**/*,tools/load/**/*
// The deploy's SLO judgments through `nx run deploy:*` against the local cluster and a real
// Prometheus scraping an exporter on loopback that stands for the new version's pods
// (slo-fixture.mjs): healthy data completes the soak; 2% errors or a p95 of 800 ms switch traffic
// back within two analysis intervals. Alone (quiet): those two bounds are times. What recovers from
// a stopped Prometheus, API server or deploy is slo-resilience.test.mjs. Tests run in order.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  INTERVAL,
  NS,
  deploy,
  deployInBackground,
  digest,
  exporter,
  history,
  record,
  replicas,
  selector,
  setUp,
  switchedAt,
  tearDown,
} from './slo-fixture.mjs';
import { waitForSeries } from '../../workspace-tests/slo-exporter.mjs';

before(() => setUp());
after(() => tearDown());

test('healthy data completes the soak and keeps the new colour', async () => {
  exporter.set({ errorRatio: 0.002, slowRatio: 0.01 }); // 0.2% errors, 1% slow: inside the SLO
  exporter.target({ namespace: NS, service: 'agents', color: 'green' });
  await waitForSeries(`namespace="${NS}",color="green"`);
  record(digest(2));
  const result = await deploy('--soakSeconds=6');
  assert.equal(result.code, 0, result.out);
  assert.match(result.out, /analysis \(soak of agents on green\): error-rate, p95-latency, circuit-breaker-opens every 2 s for 6 s/);
  assert.match(result.out, /round 3: error-rate: last 0\.\d+%, fail > 1\.00%, 0\/3 failed; p95-latency: last \d+ ms, fail > 500 ms, 0\/3 failed/);
  assert.match(result.out, /soak passed after 3 round\(s\)/);
  assert.equal(selector(), 'green');
  assert.equal(replicas('blue'), 0, 'the old colour is scaled down once the soak passed');
  assert.deepEqual(
    history().map((r) => r.outcome),
    ['superseded', 'live'],
  );
});

/** Deploys to blue with a long soak, waits for a healthy round, then turns the traffic bad. */
async function badSoak(n, mode) {
  exporter.set({ errorRatio: 0, slowRatio: 0 });
  exporter.target({ namespace: NS, service: 'agents', color: 'blue' });
  await waitForSeries(`namespace="${NS}",color="blue"`);
  record(digest(n));
  const run = deployInBackground('deploy:staging', '--soakSeconds=60');
  await run.waitFor(/analysis \(soak of agents on blue\) round 1: error-rate: last 0\.00%/);
  const changed = exporter.set(mode);
  if (process.env.SLO_DEBUG) setTimeout(async () => console.log(mode, await (await fetch(`http://127.0.0.1:${exporter.port}/metrics`)).text()), 5000);
  const code = await run.exited;
  const firstBad = exporter.firstScrapeAfter(changed);
  return { code, out: run.output(), firstBadToSwitchMs: switchedAt() - firstBad };
}

test('2% errors during the soak switch traffic back within two analysis intervals', async () => {
  const { code, out, firstBadToSwitchMs } = await badSoak(3, { errorRatio: 0.02 });
  assert.notEqual(code, 0, out);
  // The round that trips may see a window partly before the change: anything above 1% fails it.
  const seen = Number(/rolled back: soak analysis failed in round \d+: error-rate (\d+\.\d\d)% > 1\.00%/.exec(out)?.[1]);
  assert.ok(seen > 1 && seen <= 2.2, `error rate that tripped: ${seen}%\n${out}`);
  assert.match(out, /\| agents \| ROLLED-BACK \| green [0-9a-f]{12} \(Aborted\) \|/);
  assert.equal(selector(), 'green', 'traffic is back on the old colour');
  assert.equal(replicas('blue'), 0, 'the failed colour is scaled down');
  const h = history();
  assert.equal(h.at(-1).outcome, 'live');
  assert.equal(h.at(-1).image, digest(2));
  assert.match(h.at(-1).reason, /^automatic: soak analysis failed: error-rate/);
  assert.equal(h.find((r) => r.image === digest(3)).outcome, 'rolled-back');
  console.log(`first bad scrape -> traffic back: ${firstBadToSwitchMs} ms (two intervals: ${2 * INTERVAL * 1000} ms)`);
  assert.ok(firstBadToSwitchMs > 0 && firstBadToSwitchMs <= 2 * INTERVAL * 1000 + 1000, `${firstBadToSwitchMs} ms`);
});

test('a p95 latency of 800 ms during the soak switches traffic back within two analysis intervals', async () => {
  // 6% of requests take 800 ms: the true p95 is 800 ms (the histogram estimate lands above 500 ms).
  const { code, out, firstBadToSwitchMs } = await badSoak(4, { slowRatio: 0.06, slowSeconds: 0.8 });
  assert.notEqual(code, 0, out);
  assert.match(out, /rolled back: soak analysis failed in round \d+: p95-latency \d+ ms > 500 ms/);
  assert.equal(selector(), 'green');
  assert.equal(history().at(-1).image, digest(2));
  console.log(`first slow scrape -> traffic back: ${firstBadToSwitchMs} ms`);
  assert.ok(firstBadToSwitchMs > 0 && firstBadToSwitchMs <= 2 * INTERVAL * 1000 + 1000, `${firstBadToSwitchMs} ms`);
});
