/**
 * Settings of the expiry sweep, reminders and digest (`expiry:` in the config file). Pure: the
 * schema and its defaults; `config.ts` merges file values, environment overrides and these
 * defaults, and validates the result with {@link expirySettingsSchema}.
 */
import { z } from 'zod';
import { SLACK_CHANNEL_ID_RE } from './policy.js';

/** Five or six cron fields (BullMQ job schedulers accept an optional leading seconds field). */
const CRON_FIELD = /^[0-9*/,\-?LW#A-Za-z]+$/;

export function isCronPattern(s: string): boolean {
  const parts = s.trim().split(/\s+/);
  return (parts.length === 5 || parts.length === 6) && parts.every((p) => CRON_FIELD.test(p));
}

const cron = z.string().refine(isCronPattern, {
  error: (iss) =>
    `must be a cron pattern of 5 fields (minute hour day month weekday) such as "0 * * * *", got ${JSON.stringify(iss.input)}`,
});

const tagKey = z.string().min(1).max(128);

const channelId = z
  .string()
  .regex(SLACK_CHANNEL_ID_RE, { error: 'must be a Slack channel id like C012ABCDEF (not a #name)' });

/**
 * Milestones in whole days before expiry, most distant first, each once. `0` (at expiry) is always
 * part of the series: it is the milestone on which the account's `expiredImageAction` runs.
 */
const milestones = z
  .array(z.number().int().min(0).max(365), { error: 'must be a list of whole days, e.g. [7, 1, 0]' })
  .max(10)
  .transform((days) => [...new Set([...days, 0])].sort((a, b) => b - a));

export const digestSettingsSchema = z
  .object({
    enabled: z.boolean(),
    cron,
    withinDays: z.number().int().min(1).max(365),
  })
  .strict();

export const expirySettingsSchema = z
  .object({
    /** When the sweep runs (BullMQ job scheduler; once per tick across all workers). */
    sweepCron: cron,
    milestonesDays: milestones,
    /** Image tag whose value (a channel id) routes that image's reminders. */
    channelTagKey: tagKey,
    /** Image tag naming the owning team; looked up in `teamChannels`. */
    teamTagKey: tagKey,
    /** Image tag naming the owner: a Slack user id (`U…`) makes that person an authorised clicker. */
    ownerTagKey: tagKey,
    /** Team (value of the team tag) → channel id. */
    teamChannels: z.record(z.string().min(1).max(256), channelId),
    /** How far the Extend button moves the expiry. */
    extendDays: z.number().int().min(1).max(365),
    /** How long the Snooze button silences an image's reminders. */
    snoozeHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 30),
    /** Tags every own image should carry (listed in the digest when missing). */
    requiredTags: z.array(tagKey).max(50),
    digest: digestSettingsSchema,
    /** Reminders and notices posted per second per channel (Slack allows about 1). */
    postsPerSecond: z.number().min(0.01).max(50),
  })
  .strict();

export type ExpirySettings = z.output<typeof expirySettingsSchema>;

/** What the config file may say under `expiry:`: every key optional, `digest` keys too. */
export const expiryFileSchema = z
  .object({
    sweepCron: z.string().optional(),
    milestonesDays: z.array(z.number()).optional(),
    channelTagKey: z.string().optional(),
    teamTagKey: z.string().optional(),
    ownerTagKey: z.string().optional(),
    teamChannels: z.record(z.string(), z.string()).optional(),
    extendDays: z.number().optional(),
    snoozeHours: z.number().optional(),
    requiredTags: z.array(z.string()).optional(),
    postsPerSecond: z.number().optional(),
    digest: z
      .object({
        enabled: z.boolean().optional(),
        cron: z.string().optional(),
        withinDays: z.number().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type ExpiryFileSettings = z.infer<typeof expiryFileSchema>;

export const EXPIRY_DEFAULTS = {
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
  postsPerSecond: 1,
} as const;

/** File values over defaults, with the environment's `AMIBOT_SWEEP_CRON` over both (validated later). */
export function mergeExpirySettings(
  file: ExpiryFileSettings | undefined,
  env: { sweepCron?: string },
): z.input<typeof expirySettingsSchema> {
  const f = file ?? {};
  return {
    sweepCron: env.sweepCron ?? f.sweepCron ?? EXPIRY_DEFAULTS.sweepCron,
    milestonesDays: f.milestonesDays ?? [...EXPIRY_DEFAULTS.milestonesDays],
    channelTagKey: f.channelTagKey ?? EXPIRY_DEFAULTS.channelTagKey,
    teamTagKey: f.teamTagKey ?? EXPIRY_DEFAULTS.teamTagKey,
    ownerTagKey: f.ownerTagKey ?? EXPIRY_DEFAULTS.ownerTagKey,
    teamChannels: f.teamChannels ?? {},
    extendDays: f.extendDays ?? EXPIRY_DEFAULTS.extendDays,
    snoozeHours: f.snoozeHours ?? EXPIRY_DEFAULTS.snoozeHours,
    requiredTags: f.requiredTags ?? [],
    digest: { ...EXPIRY_DEFAULTS.digest, ...f.digest },
    postsPerSecond: f.postsPerSecond ?? EXPIRY_DEFAULTS.postsPerSecond,
  };
}
