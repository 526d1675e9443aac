import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { isCronPattern } from '../../src/domain/expiry-settings.js';

const BASE = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret-123456' };

function withFile(content: object, env: Record<string, string> = {}) {
  return loadConfig({
    env: { ...BASE, AMIBOT_CONFIG: '/etc/amibot.json', ...env },
    readFile: () => JSON.stringify({ ...content }),
  });
}

describe('expiry settings', () => {
  it('has defaults: hourly sweep, milestones 7/1/0, digest off', () => {
    const cfg = loadConfig({ env: BASE });
    expect(cfg.expiry).toMatchObject({
      sweepCron: '0 * * * *',
      milestonesDays: [7, 1, 0],
      channelTagKey: 'amibot:channel',
      teamTagKey: 'Team',
      ownerTagKey: 'Owner',
      teamChannels: {},
      extendDays: 30,
      snoozeHours: 24,
      requiredTags: [],
      digest: { enabled: false, cron: '0 9 * * *', withinDays: 14 },
    });
  });

  it('reads the file, lets AMIBOT_SWEEP_CRON override the cron, and always includes the at-expiry milestone', () => {
    const cfg = withFile(
      {
        expiry: {
          sweepCron: '*/5 * * * *',
          milestonesDays: [1, 14, 7],
          teamChannels: { platform: 'C0PLATFORM' },
          requiredTags: ['CostCenter'],
          digest: { enabled: true },
        },
      },
      { AMIBOT_SWEEP_CRON: '30 * * * *' },
    );
    expect(cfg.expiry.sweepCron).toBe('30 * * * *');
    expect(cfg.expiry.milestonesDays).toEqual([14, 7, 1, 0]);
    expect(cfg.expiry.teamChannels).toEqual({ platform: 'C0PLATFORM' });
    expect(cfg.expiry.digest).toEqual({ enabled: true, cron: '0 9 * * *', withinDays: 14 });
    expect(cfg.expiry.postsPerSecond).toBe(1);
  });

  it('names the bad key', () => {
    expect(() => loadConfig({ env: { ...BASE, AMIBOT_SWEEP_CRON: 'every hour' } })).toThrow(
      /AMIBOT_SWEEP_CRON \(expiry\.sweepCron\): must be a cron pattern/,
    );
    try {
      withFile({ expiry: { teamChannels: { platform: '#platform' } } });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect(String(err)).toMatch(/expiry\.teamChannels\.platform: must be a Slack channel id/);
    }
    expect(() => withFile({ expiry: { snooze: 3 } })).toThrow(/expiry/);
  });

  it('recognises cron patterns', () => {
    expect(isCronPattern('0 * * * *')).toBe(true);
    expect(isCronPattern('*/10 * * * * *')).toBe(true);
    expect(isCronPattern('0 9 * * MON-FRI')).toBe(true);
    expect(isCronPattern('hourly')).toBe(false);
    expect(isCronPattern('* * *')).toBe(false);
  });
});
