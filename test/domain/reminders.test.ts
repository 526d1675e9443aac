import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  dueMilestones,
  expiryDateText,
  expiryPhrase,
  extendedExpiry,
  imageOwner,
  missingTags,
  nextMilestone,
  routeReminder,
  spanPhrase,
} from '../../src/domain/reminders.js';

const EXPIRY = '2026-12-10T00:00:00.000Z';
const at = (daysBefore: number) => new Date(Date.parse(EXPIRY) - daysBefore * DAY_MS);
const MILESTONES = [7, 1, 0];

describe('dueMilestones', () => {
  it.each([
    [10, []],
    [7.01, []],
    [7, [7]],
    [6.5, [7]],
    [1.5, [7]],
    [1, [1, 7]],
    [0.5, [1, 7]],
    [0, [0, 1, 7]],
    [-30, [0, 1, 7]],
  ])('%s days before expiry → %j (most urgent first)', (daysBefore, expected) => {
    expect(dueMilestones(EXPIRY, at(daysBefore), MILESTONES)).toEqual(expected);
  });

  it('an image found half a day before expiry gets the 1-day reminder first, the 7-day one only marked', () => {
    const due = dueMilestones(EXPIRY, at(0.5), MILESTONES);
    expect(due[0]).toBe(1);
    expect(due.slice(1)).toEqual([7]);
  });

  it('ignores duplicates and non-dates', () => {
    expect(dueMilestones(EXPIRY, at(0), [1, 1, 0])).toEqual([0, 1]);
    expect(dueMilestones('soon', at(0), MILESTONES)).toEqual([]);
  });

  it('names the next milestone still ahead', () => {
    expect(nextMilestone(EXPIRY, at(10), MILESTONES)).toBe(7);
    expect(nextMilestone(EXPIRY, at(3), MILESTONES)).toBe(1);
    expect(nextMilestone(EXPIRY, at(0), MILESTONES)).toBeUndefined();
  });
});

describe('what a reminder says about the expiry', () => {
  const HOUR = 3_600_000;
  const MINUTE = 60_000;

  it.each([
    // The bug: 4.9 days before expiry the 7-day milestone is due, and the reminder said "7 days".
    [4.9 * DAY_MS, 'expires in 4 days 21 hours, on Thu 10 Dec 2026 00:00 UTC'],
    [7 * DAY_MS, 'expires in 7 days, on Thu 10 Dec 2026 00:00 UTC'],
    [7 * DAY_MS - 1, 'expires in 6 days 23 hours, on Thu 10 Dec 2026 00:00 UTC'],
    [6.5 * DAY_MS, 'expires in 6 days 12 hours, on Thu 10 Dec 2026 00:00 UTC'],
    [DAY_MS + HOUR, 'expires in 1 day 1 hour, on Thu 10 Dec 2026 00:00 UTC'],
    [DAY_MS, 'expires in 1 day, on Thu 10 Dec 2026 00:00 UTC'],
    [DAY_MS - 1, 'expires in 23 hours 59 minutes, on Thu 10 Dec 2026 00:00 UTC'],
    [0.5 * DAY_MS, 'expires in 12 hours, on Thu 10 Dec 2026 00:00 UTC'],
    [HOUR + MINUTE, 'expires in 1 hour 1 minute, on Thu 10 Dec 2026 00:00 UTC'],
    [HOUR - 1, 'expires in 59 minutes, on Thu 10 Dec 2026 00:00 UTC'],
    [MINUTE, 'expires in 1 minute, on Thu 10 Dec 2026 00:00 UTC'],
    [MINUTE - 1, 'expires in less than a minute, on Thu 10 Dec 2026 00:00 UTC'],
    [1, 'expires in less than a minute, on Thu 10 Dec 2026 00:00 UTC'],
    [0, 'expired just now, on Thu 10 Dec 2026 00:00 UTC'],
    [-MINUTE + 1, 'expired just now, on Thu 10 Dec 2026 00:00 UTC'],
    [-MINUTE, 'expired 1 minute ago, on Thu 10 Dec 2026 00:00 UTC'],
    [-3 * HOUR, 'expired 3 hours ago, on Thu 10 Dec 2026 00:00 UTC'],
    [-2 * DAY_MS - 5 * HOUR, 'expired 2 days 5 hours ago, on Thu 10 Dec 2026 00:00 UTC'],
  ])('%s ms before expiry: %s', (msBefore, expected) => {
    expect(expiryPhrase(EXPIRY, new Date(Date.parse(EXPIRY) - msBefore))).toBe(expected);
  });

  it('rounds down, never claiming more time than is left', () => {
    for (const ms of [1, 59_999, 3_599_999, DAY_MS - 1, 4.99 * DAY_MS, 7 * DAY_MS - 1]) {
      const [, d = '0', h = '0'] = spanPhrase(ms).match(/^(?:(\d+) days?)?\s*(?:(\d+) hours?)?/) ?? [];
      expect(Number(d) * DAY_MS + Number(h) * HOUR).toBeLessThanOrEqual(ms);
    }
  });

  it('writes the date with its weekday and time in UTC; non-dates are left as written', () => {
    expect(expiryDateText('2026-12-03T14:05:00Z')).toBe('Thu 3 Dec 2026 14:05 UTC');
    expect(expiryDateText('2027-02-28T23:59:59.999Z')).toBe('Sun 28 Feb 2027 23:59 UTC');
    expect(expiryDateText('2026-12-03T14:05:00+02:00')).toBe('Thu 3 Dec 2026 12:05 UTC');
    expect(expiryDateText('soon')).toBe('soon');
    expect(expiryPhrase('soon', at(1))).toBe('expires on soon');
  });
});

describe('routeReminder', () => {
  const settings = {
    channelTagKey: 'amibot:channel',
    teamTagKey: 'Team',
    teamChannels: { platform: 'CPLATFORM', Data: 'CDATA' },
  };
  const policy = { reminderChannel: 'CREMIND', approvalChannel: 'CAPPROVE' };

  it('prefers the channel tag, then the team mapping, then the reminder channel, then the approval channel', () => {
    expect(routeReminder({ 'amibot:channel': 'CTAGGED', Team: 'platform' }, policy, settings)).toEqual({
      channel: 'CTAGGED',
      source: 'tag',
    });
    expect(routeReminder({ Team: 'platform' }, policy, settings)).toEqual({
      channel: 'CPLATFORM',
      source: 'team',
    });
    expect(routeReminder({ Team: 'unknown-team' }, policy, settings)).toEqual({
      channel: 'CREMIND',
      source: 'reminderChannel',
    });
    expect(routeReminder({}, { approvalChannel: 'CAPPROVE' }, settings)).toEqual({
      channel: 'CAPPROVE',
      source: 'approvalChannel',
    });
    expect(routeReminder({}, {}, settings)).toBeUndefined();
  });

  it('matches tag keys and team names case-insensitively, and ignores a channel tag that is not a channel id', () => {
    expect(routeReminder({ TEAM: 'data' }, policy, settings)?.channel).toBe('CDATA');
    expect(routeReminder({ 'amibot:channel': '#general' }, policy, settings)?.source).toBe('reminderChannel');
    expect(routeReminder({ 'AMIBOT:CHANNEL': ' GPRIVATE1 ' }, policy, settings)).toEqual({
      channel: 'GPRIVATE1',
      source: 'tag',
    });
  });
});

describe('imageOwner / missingTags', () => {
  const s = { ownerTagKey: 'Owner', teamTagKey: 'Team' };
  it('a Slack user id in the Owner tag makes that user the owner', () => {
    expect(imageOwner({ Owner: 'U0OWNER1', Team: 'platform' }, s)).toEqual({
      userId: 'U0OWNER1',
      label: 'U0OWNER1',
      team: 'platform',
    });
    expect(imageOwner({ owner: 'alice@example.com' }, s)).toEqual({ label: 'alice@example.com' });
    expect(imageOwner({}, s)).toEqual({});
  });

  it('lists required tags that are absent or empty', () => {
    expect(missingTags({ CostCenter: '42', Team: ' ' }, ['CostCenter', 'Team', 'Owner'])).toEqual([
      'Team',
      'Owner',
    ]);
    expect(missingTags({ costcenter: '42' }, ['CostCenter'])).toEqual([]);
  });
});

describe('extendedExpiry', () => {
  const now = new Date('2026-11-26T12:00:00Z');
  it('adds the days to the current expiry and keeps a date-only value a date', () => {
    expect(extendedExpiry('2026-12-01T00:00:00.000Z', now, 30)).toEqual({
      at: '2026-12-31T00:00:00.000Z',
      tagValue: '2026-12-31',
    });
  });
  it('starts from now when there is no expiry or it is already past', () => {
    expect(extendedExpiry(undefined, now, 30).tagValue).toBe('2026-12-26T12:00:00Z');
    expect(extendedExpiry('2026-01-01T00:00:00.000Z', now, 30).tagValue).toBe('2026-12-26T12:00:00Z');
  });
});
