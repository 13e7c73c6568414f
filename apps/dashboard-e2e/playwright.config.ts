import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';

// No browser can be downloaded here: Playwright drives the system's Chromium (Debian's package, or
// the Google Chrome of GitHub's Ubuntu runners; CHROMIUM_PATH to use another). Failures keep a
// screenshot and a trace, uploaded by CI (reports/).
const reports = '../../reports/e2e/dashboard';
const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/google-chrome'].filter((p): p is string => Boolean(p));
const browser = candidates.find((p) => existsSync(p));
if (!browser) throw new Error(`no Chromium found (tried ${candidates.join(', ')}): run scripts/setup.sh, or set CHROMIUM_PATH`);

export default defineConfig({
  testDir: './specs',
  outputDir: `${reports}/artifacts`,
  globalSetup: './global-setup.mjs',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 30_000,
  reporter: [['list'], ['junit', { outputFile: `${reports}/junit.xml` }], ['html', { outputFolder: `${reports}/html`, open: 'never' }]],
  use: {
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: { executablePath: browser },
  },
});
