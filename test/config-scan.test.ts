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
