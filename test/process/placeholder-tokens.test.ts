import { describe, expect, it } from 'vitest';
import { startMain } from '../support/main-process.js';

/**
 * The .env.example values (`xoxb-replace-me`, `xapp-replace-me`, a `replace-…` signing secret)
 * pass the format checks, so the process must refuse them itself, naming the variable and what to
 * set instead, before it binds a port or talks to Redis (REDIS_URL points nowhere here).
 */
async function run(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const main = startMain({ REDIS_URL: 'redis://127.0.0.1:1', PORT: '0', AMIBOT_ROLE: 'web', ...env });
  const code = await main.exited;
  await new Promise((r) => setTimeout(r, 50));
  return { code, out: main.lines.join('\n') };
}

describe('the web process with the placeholder values of .env.example', () => {
  it('refuses the placeholder bot token and signing secret, naming both and what to do', async () => {
    const { code, out } = await run({
      SLACK_BOT_TOKEN: 'xoxb-replace-me',
      SLACK_SIGNING_SECRET: 'replace-with-your-signing-secret',
    });
    expect(code, out).toBe(1);
    expect(out).toMatch(/SLACK_BOT_TOKEN: is still the placeholder "xoxb-replace-me" from \.env\.example/);
    expect(out).toMatch(/OAuth & Permissions/);
    expect(out).toMatch(/SLACK_SIGNING_SECRET: is still the placeholder/);
    expect(out).not.toMatch(/listening on|Redis is not reachable/);
    expect(out).not.toMatch(/\n\s+at /);
  });

  it('refuses a signing secret of "replace-me"', async () => {
    const { code, out } = await run({
      SLACK_BOT_TOKEN: 'xoxb-1234-5678-abcdef',
      SLACK_SIGNING_SECRET: 'replace-me',
    });
    expect(code, out).toBe(1);
    expect(out).toMatch(/SLACK_SIGNING_SECRET: is still the placeholder "replace-me"/);
    expect(out).toMatch(/Signing Secret/);
    expect(out).not.toMatch(/SLACK_BOT_TOKEN:/);
  });

  it('refuses the placeholder app-level token (Socket Mode)', async () => {
    const { code, out } = await run({
      SLACK_BOT_TOKEN: 'xoxb-1234-5678-abcdef',
      SLACK_APP_TOKEN: 'xapp-replace-me',
    });
    expect(code, out).toBe(1);
    expect(out).toMatch(/SLACK_APP_TOKEN: is still the placeholder "xapp-replace-me"/);
    expect(out).toMatch(/App-Level Tokens/);
  });

  it('refuses them under a production NODE_ENV too, rather than starting the sandbox', async () => {
    const { code, out } = await run({
      NODE_ENV: 'production',
      SLACK_BOT_TOKEN: 'xoxb-replace-me',
      SLACK_SIGNING_SECRET: 'replace-me',
    });
    expect(code, out).toBe(1);
    expect(out).toMatch(/SLACK_BOT_TOKEN: is still the placeholder/);
    expect(out).not.toMatch(/sandbox (is )?running|\/sandbox/);
  });
});
