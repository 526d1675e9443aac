import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, resolveAccount } from '../src/config.js';

const base = { SLACK_BOT_TOKEN: 'xoxb-1-2-3', SLACK_SIGNING_SECRET: 'shhh-very-secret' };

function problems(env: Record<string, string>, files: Record<string, string> = {}): string[] {
  try {
    loadConfig({
      env,
      readFile: (p) =>
        files[p] ??
        (() => {
          throw new Error(`ENOENT: ${p}`);
        })(),
    });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('fills defaults from a minimal environment', () => {
    const cfg = loadConfig({ env: base });
    expect(cfg.role).toBe('all');
    expect(cfg.port).toBe(3000);
    expect(cfg.workerPort).toBe(3001);
    expect(cfg.defaultRegion).toBe('us-east-1');
    expect(cfg.accounts).toMatchObject([{ alias: 'default', regions: [], default: true }]);
    expect(cfg.accounts[0]?.policy.approvers).toEqual([]);
    expect(cfg.trustedOwners).toContain('099720109477');
    expect(cfg.cacheTtlSeconds).toBe(300);
    expect(cfg.snapshotPricePerGbMonth).toBe(0.05);
    expect(cfg.expiryTagKey).toBe('ExpirationDate');
    expect(cfg.redis.url).toBe('redis://127.0.0.1:6379');
  });

  it('reads a YAML config file and lets the environment override scalars', () => {
    const yaml = `
defaultRegion: eu-west-1
accounts:
  - alias: prod
    accountId: "222222222222"
    roleArn: arn:aws:iam::222222222222:role/amibot
    regions: [eu-west-1, eu-central-1]
    default: true
  - alias: dev
    accountId: "333333333333"
trustedOwners: ["099720109477", amazon]
cacheTtlSeconds: 60
`;
    const cfg = loadConfig({
      env: { ...base, AMIBOT_CONFIG: '/etc/amibot.yaml', AMIBOT_CACHE_TTL_SECONDS: '30' },
      readFile: () => yaml,
    });
    expect(cfg.defaultRegion).toBe('eu-west-1');
    expect(cfg.accounts.map((a) => a.alias)).toEqual(['prod', 'dev']);
    expect(cfg.cacheTtlSeconds).toBe(30);
    expect(resolveAccount(cfg)?.alias).toBe('prod');
    expect(resolveAccount(cfg, '333333333333')?.alias).toBe('dev');
    expect(resolveAccount(cfg, 'nope')).toBeUndefined();
  });

  it('lists every wrong key at once, naming the variable to fix', () => {
    const found = problems({
      SLACK_BOT_TOKEN: 'not-a-token',
      PORT: 'eighty',
      REDIS_URL: 'localhost:6379',
      AMIBOT_DEFAULT_REGION: 'moon-1',
      LOG_LEVEL: 'chatty',
    });
    const text = found.join('\n');
    expect(found.length).toBeGreaterThanOrEqual(5);
    for (const name of [
      'SLACK_BOT_TOKEN',
      'PORT',
      'REDIS_URL',
      'AMIBOT_DEFAULT_REGION',
      'LOG_LEVEL',
      'SLACK_SIGNING_SECRET',
    ]) {
      expect(text).toContain(name);
    }
  });

  it('takes approvers and the approval channel from the environment for a single account', () => {
    const cfg = loadConfig({
      env: { ...base, AMIBOT_APPROVERS: 'UAAA1, SGRP1', AMIBOT_APPROVAL_CHANNEL: 'COPS1' },
    });
    expect(cfg.accounts[0]?.policy.approvers).toEqual(['UAAA1', 'SGRP1']);
    expect(cfg.accounts[0]?.policy.approvalChannel).toBe('COPS1');
    expect(problems({ ...base, AMIBOT_APPROVERS: 'bob' }).join()).toMatch(/approvers/);
  });

  it('reads the worker health port from AMIBOT_WORKER_PORT, naming it when it is wrong', () => {
    expect(loadConfig({ env: { ...base, AMIBOT_WORKER_PORT: '9101' } }).workerPort).toBe(9101);
    expect(problems({ ...base, AMIBOT_WORKER_PORT: '70000' }).join('\n')).toMatch(/AMIBOT_WORKER_PORT/);
    expect(problems({ ...base, AMIBOT_WORKER_PORT: 'metrics' }).join('\n')).toMatch(/AMIBOT_WORKER_PORT/);
  });

  it('accepts Socket Mode without a signing secret', () => {
    const cfg = loadConfig({ env: { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1-abc' } });
    expect(cfg.slack.appToken).toBe('xapp-1-abc');
  });

  it('reports an unreadable or invalid config file, and unknown keys in it', () => {
    expect(problems({ ...base, AMIBOT_CONFIG: '/missing.yaml' }).join()).toMatch(/cannot read or parse/);
    const bad = problems(
      { ...base, AMIBOT_CONFIG: '/c.json' },
      { '/c.json': JSON.stringify({ accounts: [{ alias: 'a', accountId: '12' }], colour: 'blue' }) },
    ).join('\n');
    expect(bad).toMatch(/accounts\.0\.accountId: must be a 12-digit AWS account id/);
    expect(bad).toMatch(/colour/);
  });

  it('refuses duplicate aliases and two defaults', () => {
    const yaml = 'accounts:\n  - {alias: a, default: true}\n  - {alias: a, default: true}\n';
    const found = problems({ ...base, AMIBOT_CONFIG: '/c.yaml' }, { '/c.yaml': yaml }).join('\n');
    expect(found).toMatch(/duplicate alias "a"/);
    expect(found).toMatch(/only one account may be the default/);
  });
});

describe('placeholder values of .env.example', () => {
  const base = { SLACK_BOT_TOKEN: 'xoxb-1234-5678-abc', SLACK_SIGNING_SECRET: '0123456789abcdef' };
  const problems = (env: Record<string, string>): string[] => {
    try {
      loadConfig({ env: { ...base, ...env } });
      return [];
    } catch (err) {
      return (err as ConfigError).problems;
    }
  };

  it('are refused, each naming its variable', () => {
    expect(problems({ SLACK_BOT_TOKEN: 'xoxb-replace-me' })).toEqual([
      expect.stringMatching(/^SLACK_BOT_TOKEN: is still the placeholder "xoxb-replace-me"/),
    ]);
    expect(problems({ SLACK_SIGNING_SECRET: 'replace-me' })).toEqual([
      expect.stringMatching(/^SLACK_SIGNING_SECRET: is still the placeholder/),
    ]);
    expect(problems({ SLACK_SIGNING_SECRET: 'replace-with-your-signing-secret' })).toHaveLength(1);
    expect(problems({ SLACK_APP_TOKEN: 'xapp-replace-me' })).toEqual([
      expect.stringMatching(/^SLACK_APP_TOKEN: is still the placeholder/),
    ]);
  });

  it('include every Slack value .env.example ships with', () => {
    const example = readFileSync('.env.example', 'utf8');
    const shipped = [
      ...example.matchAll(/^#? ?(SLACK_BOT_TOKEN|SLACK_SIGNING_SECRET|SLACK_APP_TOKEN)=(\S+)$/gm),
    ];
    expect(shipped.map((m) => m[1]).sort()).toEqual([
      'SLACK_APP_TOKEN',
      'SLACK_BOT_TOKEN',
      'SLACK_SIGNING_SECRET',
    ]);
    for (const [, name, value] of shipped) {
      expect(problems({ [name as string]: value as string }), `${name}=${value}`).toEqual([
        expect.stringContaining(`${name}: is still the placeholder`),
      ]);
    }
  });

  it('are not looked for where they are not used, nor in real-looking values', () => {
    expect(problems({ AMIBOT_ROLE: 'worker', SLACK_SIGNING_SECRET: 'replace-me' })).toEqual([]);
    expect(problems({ SLACK_APP_TOKEN: 'xapp-1-A0-123-abc', SLACK_SIGNING_SECRET: 'replace-me' })).toEqual(
      [],
    );
    expect(problems({ SLACK_BOT_TOKEN: 'xoxb-12-34-replaceme0x' })).toEqual([]);
  });
});
