// The dashboard's Deployments page as a browser shows it, for the tests that watch a release being
// judged on the real node: Chromium (Debian's, as the e2e tests use it) on one page load, read
// every 500 ms while a deploy runs, and left (about:blank) between deploys. The page is never reloaded: what changes on it came from its
// own refresh.
/* global window, document -- the functions given to page.evaluate run in the browser */
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Chromium on a blank page: nothing polls the cluster until a deploy is watched. */
export async function openBrowser() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/google-chrome'].filter(Boolean);
  const executablePath = candidates.find((p) => existsSync(p));
  if (!executablePath) throw new Error(`no Chromium found (tried ${candidates.join(', ')}): run scripts/setup.sh, or set CHROMIUM_PATH`);
  const browser = await chromium.launch({ executablePath });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  return { browser, page };
}

/** Loads the Deployments page once, marking this load: a reload would drop the mark. */
export async function showDeployments(page, url) {
  await page.goto(`${url}/deployments`);
  await page.evaluate(() => {
    window.__loadedOnce = true;
  });
}

/** Leaves the page (its refresh stops): the tests that measure timing run without it. */
export const leaveDeployments = (page) => page.goto('about:blank');

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
        incident: text('incident'),
        incidentUrl: card.querySelector('[data-testid="incident"] a')?.getAttribute('href') ?? null,
        readAt: document.querySelector('[data-testid="read-at"]')?.textContent ?? null,
        loadedOnce: window.__loadedOnce === true,
      };
    },
    [environment, service],
  );
}

/** Reads the card every 500 ms until stopped: every distinct view the page showed, in order. */
export function watchCard(page, environment, service) {
  const views = [];
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const view = await serviceCard(page, environment, service).catch(() => null);
      const last = views.at(-1);
      if (view && JSON.stringify({ ...view, readAt: 0 }) !== JSON.stringify({ ...last, readAt: 0 })) views.push({ at: Date.now(), ...view });
      await sleep(500);
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
