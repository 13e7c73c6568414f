// The dashboard's Deployments page as a browser shows it, for the tests that watch a release being
// judged on the real node: Chromium (Debian's, as the e2e tests use it) on one page load, read
// every 300 ms while a deploy runs. The page is never reloaded: what changes on it came from its
// own refresh.
/* global window, document -- the functions given to page.evaluate run in the browser */
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function openDeploymentsPage(url) {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/google-chrome'].filter(Boolean);
  const executablePath = candidates.find((p) => existsSync(p));
  if (!executablePath) throw new Error(`no Chromium found (tried ${candidates.join(', ')}): run scripts/setup.sh, or set CHROMIUM_PATH`);
  const browser = await chromium.launch({ executablePath });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(`${url}/deployments`);
  // A mark only this page load carries: a reload would drop it.
  await page.evaluate(() => {
    window.__loadedOnce = true;
  });
  return { browser, page };
}

/** What the page shows of one service in one environment now (null when it shows no such card). */
export async function serviceCard(page, environment, service) {
  return page.evaluate(
    ([env, svc]) => {
      const card = document.querySelector(`[data-testid="environment-${env}"] [data-testid="service-${svc}"]`);
      if (!card) return null;
      const text = (id) => card.querySelector(`[data-testid="${id}"]`)?.textContent ?? null;
      return {
        health: card.getAttribute('data-health'),
        phase: text('phase'),
        live: text('live'),
        reason: text('phase-reason'),
        analysis: text('analysis'),
        left: text('analysis-left'),
        verdict: text('analysis-verdict'),
        progress: card.querySelector('[role="progressbar"]')?.getAttribute('aria-valuenow') ?? null,
        rolledBack: card.querySelectorAll('tr[data-outcome="rolled-back"]').length,
        readAt: document.querySelector('[data-testid="read-at"]')?.textContent ?? null,
        loadedOnce: window.__loadedOnce === true,
      };
    },
    [environment, service],
  );
}

/** Reads the card every 300 ms until stopped: every distinct view the page showed, in order. */
export function watchCard(page, environment, service) {
  const views = [];
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const view = await serviceCard(page, environment, service).catch(() => null);
      const last = views.at(-1);
      if (view && JSON.stringify({ ...view, readAt: 0 }) !== JSON.stringify({ ...last, readAt: 0 })) views.push({ at: Date.now(), ...view });
      await sleep(300);
    }
  })();
  return {
    views,
    stop: async () => {
      stopped = true;
      await done;
      return views;
    },
  };
}
