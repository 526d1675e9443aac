import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const base = { SLACK_BOT_TOKEN: 'xoxb-1-2-3', SLACK_SIGNING_SECRET: 'shhh-very-secret' };
const ARN = 'arn:aws:states:us-east-1:111111111111:stateMachine:ami-deep-scan';

function load(env: Record<string, string>, yaml?: string) {
  return loadConfig({
    env: yaml ? { ...env, AMIBOT_CONFIG: '/etc/amibot.yaml' } : env,
    readFile: () => yaml ?? '',
  });
}

function problems(env: Record<string, string>, yaml?: string): string[] {
  try {
    load(env, yaml);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('scan configuration', () => {
  it('has defaults and no deep scanner', () => {
    const cfg = load(base);
    expect(cfg.scan).toMatchObject({
      maxAgeDays: 180,
      requiredTags: [],
      timeoutMinutes: 60,
      acceptance: { critical: 'block', high: 7, medium: 30, low: 'note' },
    });
    expect(cfg.scan.stateMachineArn).toBeUndefined();
  });

  it('reads SCAN_STATE_MACHINE_ARN and the file section, the environment winning for the ARN', () => {
    const yaml = `
scan:
  stateMachineArn: arn:aws:states:eu-west-1:111111111111:stateMachine:from-file
  maxAgeDays: 90
  requiredTags: [Team, CostCenter]
  timeoutMinutes: 30
  acceptance: { high: block, low: 90 }
`;
    const fromFile = load(base, yaml);
    expect(fromFile.scan).toMatchObject({
      stateMachineArn: 'arn:aws:states:eu-west-1:111111111111:stateMachine:from-file',
      maxAgeDays: 90,
      requiredTags: ['Team', 'CostCenter'],
      timeoutMinutes: 30,
      acceptance: { critical: 'block', high: 'block', medium: 30, low: 90 },
    });
    expect(load({ ...base, SCAN_STATE_MACHINE_ARN: ARN }, yaml).scan.stateMachineArn).toBe(ARN);
  });

  it('names the variable or file key that is wrong', () => {
    expect(problems({ ...base, SCAN_STATE_MACHINE_ARN: 'not-an-arn' }).join('\n')).toContain(
      'SCAN_STATE_MACHINE_ARN (scan.stateMachineArn)',
    );
    const typo = problems(base, 'scan:\n  maxAgeDayz: 10\n').join('\n');
    expect(typo).toContain('config file: scan');
    const badRule = problems(base, 'scan:\n  acceptance: { critical: warn }\n').join('\n');
    expect(badRule).toContain('scan.acceptance.critical');
  });
});

describe('rescans, Critical actions, waivers and the sharing allowlist', () => {
  it('has defaults: no schedule, notify, reminders 7, 1 and 0 days before, an empty allowlist', () => {
    const cfg = load(base);
    expect(cfg.scan.schedule).toBeUndefined();
    expect(cfg.scan).toMatchObject({
      rescanLaunchedWithinDays: 30,
      maxRescansPerRun: 200,
      onCritical: 'notify',
      reminderDays: [7, 1, 0],
      maxWaiverDays: 365,
    });
    expect(cfg.sharing).toEqual({
      allowedAccounts: [],
      allowedOrganizations: [],
      allowedOus: [],
      allowConfiguredAccounts: true,
      maxChecks: 5000,
    });
  });

  it('reads them from the file; onCritical per account; day 0 is always reminded', () => {
    const cfg = load(
      base,
      `
scan:
  schedule: '0 3 * * 1-5'
  onCritical: { default: notify, prod: disable }
  reminderDays: [14, 3]
sharing:
  allowedAccounts: ['444455556666']
  allowedOus: ['arn:aws:organizations::111111111111:ou/o-abcdefghij/ou-ab12-cdefghij']
`,
    );
    expect(cfg.scan.schedule).toBe('0 3 * * 1-5');
    expect(cfg.scan.onCritical).toEqual({ default: 'notify', prod: 'disable' });
    expect(cfg.scan.reminderDays).toEqual([14, 3, 0]);
    expect(cfg.sharing.allowedAccounts).toEqual(['444455556666']);
  });

  it('says what is wrong', () => {
    expect(problems(base, 'scan:\n  schedule: every day\n').join('\n')).toMatch(
      /scan\.schedule: must be a cron pattern of 5 fields/,
    );
    expect(problems(base, 'scan:\n  onCritical: delete\n').join('\n')).toContain('scan.onCritical');
    expect(problems(base, 'scan:\n  onCritical: { prod: nuke }\n').join('\n')).toContain(
      'must be one of notify, deprecate, disable',
    );
    expect(problems(base, "sharing:\n  allowedAccounts: ['1234']\n").join('\n')).toContain(
      'sharing.allowedAccounts.0: must be a 12-digit AWS account id',
    );
    expect(problems(base, 'sharing:\n  allowed: []\n').join('\n')).toContain('config file: sharing');
  });
});
