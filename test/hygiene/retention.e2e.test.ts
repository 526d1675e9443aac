import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import { type RetentionEstate, seedRetentionEstate } from '../../dev/sandbox/sandbox-catalog.js';
import { type AccountConfig, ConfigError, loadConfig } from '../../src/config.js';
import { parseFamilySelector } from '../../src/domain/families.js';
import { accountPolicySchema } from '../../src/domain/policy.js';
import { retentionSettingsSchema } from '../../src/domain/retention.js';
import { runExpiryDigest } from '../../src/expiry/digest.js';
import { runRetention } from '../../src/hygiene/retention.js';
import { JOB_CATALOG } from '../../src/jobs/catalog.js';
import { allText, DEFAULT_ACCOUNT_ID, startTestApp, type TestApp } from '../support/app-under-test.js';

/** Retention rules file prune requests (never deleting by themselves); the digest shows what could be saved. */

const CHANNEL = 'CRETAIN';
const APPROVER = 'UAPP1';
const REGION = 'us-east-1';
const now = new Date('2026-11-26T12:00:00Z');
const clock = () => now;

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
let t: TestApp;
let estate: RetentionEstate;

beforeAll(async () => {
  fakeAws = await FakeAws.start({ clock });
  fakeSlack = await FakeSlack.start();
  estate = seedRetentionEstate(fakeAws, { now, region: REGION, accountId: DEFAULT_ACCOUNT_ID });
  const account: AccountConfig = {
    alias: 'default',
    accountId: DEFAULT_ACCOUNT_ID,
    regions: [REGION],
    default: true,
    policy: accountPolicySchema.parse({ approvalChannel: CHANNEL, approvers: [APPROVER] }),
  };
  t = await startTestApp({
    fakeAws,
    fakeSlack,
    clock,
    accounts: [account],
    patchConfig: (c) => {
      c.retention = retentionSettingsSchema.parse({
        rules: [{ account: 'default', family: 'app-web', keep: 3, olderThan: '60d' }],
      });
    },
  });
});

afterAll(async () => {
  await t?.close();
  await fakeAws?.close();
  await fakeSlack?.close();
});

describe('retention rules', () => {
  it('file one prune request per rule and region, pending approval, and none while it is open', async () => {
    const first = await runRetention(t.deps);
    expect(first.errors).toEqual([]);
    expect(first.filed).toHaveLength(1);
    const request = (await t.deps.requests.get(first.filed[0]!))!;
    expect(request.state).toBe('pending');
    expect(request.requester).toBe('amibot');
    expect(request.params.kind === 'prune' && request.params.images.map((i) => i.imageId).sort()).toEqual(
      estate.prunable.map((i) => i.imageId).sort(),
    );
    expect(allText(fakeSlack.message(CHANNEL, request.message!.ts))).toContain('A retention rule asks to');
    // Nothing was deleted: the rule only asks.
    expect(fakeAws.callsOf('DeregisterImage')).toHaveLength(0);

    const second = await runRetention(t.deps);
    expect(second.filed).toEqual([]);
    expect(second.heldBack).toBe(estate.prunable.length);
  });

  it('is scheduled only when there are rules', () => {
    const schedule = JOB_CATALOG.retention.schedule!;
    expect(schedule(t.deps.config)).toEqual({ pattern: '30 6 * * *' });
    expect(schedule({ ...t.deps.config, retention: retentionSettingsSchema.parse({}) })).toBeUndefined();
  });

  it('config accepts a plain list of rules, and names what is wrong in a bad one', () => {
    const env = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret-123456', AMIBOT_CONFIG: 'c.json' };
    const file = (retention: unknown) => () =>
      JSON.stringify({ accounts: [{ alias: 'prod', default: true }], retention });
    const cfg = loadConfig({
      env,
      readFile: file([{ account: 'prod', family: 'tag:App=web', keep: 2, olderThan: '90d' }]),
    });
    expect(cfg.retention.maxPerRequest).toBe(200);
    expect(cfg.retention.rules[0]).toMatchObject({
      account: 'prod',
      keep: 2,
      family: { kind: 'tag', key: 'App', value: 'web' },
    });
    const bad = () => loadConfig({ env, readFile: file([{ account: 'staging', family: 'tag:', keep: 0 }]) });
    expect(bad).toThrow(ConfigError);
    try {
      bad();
    } catch (err) {
      const text = (err as ConfigError).problems.join('\n');
      expect(text).toMatch(/retention\.rules\.0\.family/);
      expect(text).toMatch(/retention\.rules\.0\.keep/);
    }
    expect(() =>
      loadConfig({ env, readFile: file([{ account: 'staging', family: 'web', keep: 1 }]) }),
    ).toThrow(/no account "staging"/);
    expect(parseFamilySelector('tag:App=web').ok).toBe(true);
  });
});

describe('the daily digest', () => {
  it('adds storage totals and what could be saved', async () => {
    const stats = await runExpiryDigest(t.deps);
    expect(stats.posted).toBeGreaterThan(0);
    const digest = fakeSlack.messages(CHANNEL).find((m) => allText(m).includes('Expiry digest'));
    const text = allText(digest);
    expect(text).toMatch(/🧹 \*Storage\*/);
    expect(text).toMatch(/Could save ~\$[\d.]+\/month/);
    expect(text).toMatch(/3 orphaned snapshots/);
  });
});
