// Playwright starts the identity provider (`oauth-playground serve --config idp.toml`) and the
// SPA's static server, then runs tests/ in Debian's (or any system) Chromium: no browser download.
import { existsSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { defineConfig } from '@playwright/test';
import { APP_PORT, APP_URL, ISSUER, serveCommand } from './serve-command.mjs';

function systemChromium() {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      return execSync(`command -v ${name}`, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch { /* not on PATH */ }
  }
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  throw new Error('no Chromium found: apt-get install -y chromium, or set CHROMIUM_PATH');
}

export default defineConfig({
  testDir: 'tests',
  workers: 1,                 // one provider, reset before every test: tests run one at a time
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  use: {
    baseURL: APP_URL,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: systemChromium(),
      // Chromium refuses to start as root without it (containers, CI).
      args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
    },
  },
  webServer: [
    {
      command: serveCommand(),
      url: `${ISSUER}/.well-known/openid-configuration`,
      reuseExistingServer: !process.env.CI,
      timeout: 30_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command: 'node server.mjs',
      url: APP_URL,
      env: { APP_PORT: String(APP_PORT), ISSUER },
      reuseExistingServer: !process.env.CI,
      timeout: 10_000,
    },
  ],
});
