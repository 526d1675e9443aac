import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import {
  goldenConfigSchema,
  parameterName,
  previousParameterName,
  promotionClientToken,
  stepsLeft,
} from '../../src/domain/golden.js';
import { parseCommand } from '../../src/domain/grammar/index.js';
import {
  accountPolicySchema,
  approvalsRequiredFor,
  checkRequest,
  requestersFor,
} from '../../src/domain/policy.js';

describe('golden families', () => {
  it('fills the parameter template and keeps the previous value beside it', () => {
    const [family] = goldenConfigSchema.parse({
      families: [{ name: 'web', regions: ['us-east-1'] }],
    }).families;
    expect(parameterName(family!, 'us-east-1')).toBe('/amibot/golden/web/latest');
    expect(previousParameterName('/amibot/golden/web/latest')).toBe('/amibot/golden/web/previous');
    expect(previousParameterName('/x/{region}/ami')).toBe('/x/{region}/ami/previous');
    expect(parameterName({ name: 'web', parameter: '/golden/{region}/{family}' }, 'eu-west-1')).toBe(
      '/golden/eu-west-1/web',
    );
    expect(family!.tags).toEqual({ Approved: 'yes' });
  });

  it('derives a ClientToken from image, family and region (not the request), at most 64 characters', () => {
    const a = promotionClientToken(
      'ami-0abc1234def567890',
      'a-very-long-family-name-that-goes-on-and-on-and-on',
      'ap-southeast-2',
    );
    expect(a.length).toBeLessThanOrEqual(64);
    expect(a).toBe(
      promotionClientToken(
        'ami-0abc1234def567890',
        'a-very-long-family-name-that-goes-on-and-on-and-on',
        'ap-southeast-2',
      ),
    );
    expect(a).not.toBe(promotionClientToken('ami-0abc1234def567890', 'other', 'ap-southeast-2'));
    expect(promotionClientToken('ami-0abc1234def567890', 'web', 'us-east-1', 1)).toMatch(/-g1$/);
  });

  it('says what is left after a failed step', () => {
    expect(stepsLeft('parameter')).toEqual(['parameter', 'tag', 'deprecate']);
  });

  it('lists every wrong key at boot', () => {
    const file = JSON.stringify({
      golden: {
        families: [
          {
            name: 'Web Base',
            regions: ['us-east-1'],
            kmsKeys: { 'eu-west-1': 'alias/x' },
            colour: 'gold',
            shareWith: ['12'],
          },
          { name: 'ok', regions: [], parameter: 'no-slash', namePattern: '(' },
        ],
        maxScanAgeDays: 0,
        extra: true,
      },
    });
    let problems: string[] = [];
    try {
      loadConfig({
        env: { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret-secret', AMIBOT_CONFIG: 'c.json' },
        readFile: () => file,
      });
    } catch (err) {
      problems = (err as { problems: string[] }).problems;
    }
    const text = problems.join('\n');
    expect(text).toContain('golden.families.0.name');
    expect(text).toContain('colour');
    expect(text).toContain('golden.families.0.shareWith.0');
    expect(text).toContain('golden.families.1.regions');
    expect(text).toContain('golden.families.1.parameter');
    expect(text).toContain('golden.families.1.namePattern');
    expect(text).toContain('golden.maxScanAgeDays');
    expect(text).toContain('extra');
  });

  it('config.example.yaml loads, golden section included', () => {
    const config = loadConfig({
      env: {
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_SIGNING_SECRET: 'secret-secret',
        AMIBOT_CONFIG: 'config.example.yaml',
      },
    });
    expect(config.golden.families[0]).toMatchObject({
      name: 'web-base',
      account: 'prod',
      requiredTags: ['Team'],
    });
    expect(config.accounts[0]?.policy.promoters).toEqual(['S0PLATFORM']);
  });

  it('refuses a family in an account that does not exist', () => {
    expect(() =>
      loadConfig({
        env: { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret-secret', AMIBOT_CONFIG: 'c.json' },
        readFile: () =>
          JSON.stringify({
            golden: { families: [{ name: 'web', account: 'nope', regions: ['us-east-1'] }] },
          }),
      }),
    ).toThrow(/golden\.families\.0\.account/);
  });
});

describe('promotion policy', () => {
  it('promoters request promotions (default: the approvers); promotionApprovalsRequired counts', () => {
    const policy = accountPolicySchema.parse({ approvers: ['UAPP1', 'UAPP2'], approvalsRequired: 1 });
    expect(requestersFor(policy, 'promote')).toEqual(['UAPP1', 'UAPP2']);
    expect(requestersFor(policy, 'share')).toEqual(['*']);
    const strict = accountPolicySchema.parse({
      approvers: ['UAPP1', 'UAPP2'],
      promoters: ['UPLAT1'],
      promotionApprovalsRequired: 2,
    });
    expect(approvalsRequiredFor(strict, 'promote')).toBe(2);
    expect(approvalsRequiredFor(strict, 'copy')).toBe(1);
    const input = { policy: strict, accountAlias: 'prod', groups: new Map(), publicShare: false };
    expect(checkRequest({ ...input, userId: 'UPLAT1', kind: 'promote' }).ok).toBe(true);
    const refused = checkRequest({ ...input, userId: 'UAPP1', kind: 'rollback' });
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.message).toContain('promoters');
  });
});

describe('grammar', () => {
  it('parses promote, golden, rollback and why, and refuses what is wrong', () => {
    expect(parseCommand('promote ami-0abc1234def567890 --as web-base')).toMatchObject({
      ok: true,
      command: { name: 'promote', imageId: 'ami-0abc1234def567890', family: 'web-base' },
    });
    expect(parseCommand('golden')).toMatchObject({ ok: true, command: { name: 'golden' } });
    expect(parseCommand('golden web')).toMatchObject({
      ok: true,
      command: { name: 'golden', family: 'web' },
    });
    expect(parseCommand('rollback web')).toMatchObject({
      ok: true,
      command: { name: 'rollback', family: 'web' },
    });
    expect(parseCommand('why ami-0abc1234def567890 --for 222222222222 --region eu-west-1')).toMatchObject({
      ok: true,
      command: { name: 'why', forAccount: '222222222222', region: 'eu-west-1' },
    });
    const noFamily = parseCommand('promote ami-0abc1234def567890');
    expect(!noFamily.ok && noFamily.error).toContain('--as');
    const badFor = parseCommand('why ami-0abc1234def567890 --for 12');
    expect(!badFor.ok && badFor.error).toContain('12-digit');
    expect(parseCommand('rollback').ok).toBe(false);
    expect(parseCommand('rollback Web_Base!').ok).toBe(false);
  });
});
