// Every page of the dashboard in Chromium, checked by axe-core against WCAG 2.x A and AA: no
// serious or critical violation; a screenshot of each in reports/e2e/dashboard/pages (the README
// shows them).
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { join } from 'node:path';

const SCREENSHOTS = join(__dirname, '../../../reports/e2e/dashboard/pages');

const dashboard = () => {
  const url = process.env.E2E_DASHBOARD_URL;
  if (!url) throw new Error('E2E_DASHBOARD_URL is not set: run through nx run dashboard-e2e:e2e (global-setup starts the services)');
  return url;
};

const PAGES: [string, string][] = [
  ['overview', '/'],
  ['positions', '/positions'],
  ['risk', '/risk'],
  ['engine', '/engine'],
  ['orders', '/orders'],
  ['deployments', '/deployments'],
];

for (const [name, path] of PAGES) {
  test(`${name}: no serious accessibility violation (axe-core, WCAG 2 A and AA)`, async ({ page }) => {
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.goto(`${dashboard()}${path}`);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    const serious = results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    expect(serious).toEqual([]);
  });
}
