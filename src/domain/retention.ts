/**
 * Retention: which images of a family go and which stay, and why. Pure: the facts that need AWS
 * (what uses an image, whom it is shared with) are read by `hygiene/` and passed in.
 *
 * An image stays when any of these holds, and goes only when none does:
 *   - it is one of the newest `keep` images of its family (by creation date);
 *   - it is younger than `olderThan` (when given);
 *   - it is golden (tag `amibot:golden`) or on hold (tag `amibot:keep`);
 *   - it is public or shared with other accounts, organizations or OUs;
 *   - something uses it (instances, launch template versions, Auto Scaling groups, launch
 *     configurations), or that could not be determined (fail closed);
 *   - it is not in a state that can be deregistered cleanly (pending, …).
 */
import { z } from 'zod';
import { DAY_MS, parseDuration } from './duration.js';
import { parseFamilySelector } from './families.js';
import { ACCOUNT_ALIAS_RE, REGION_RE } from './ids.js';

/** Tag that marks a golden image (any value but `false`). */
export const GOLDEN_TAG = 'amibot:golden';
/** Tag that holds an image back from every cleanup (any value but `false`). */
export const HOLD_TAG = 'amibot:keep';

/** Why an image stays. */
export type KeepReason =
  | { kind: 'newest'; rank: number; keep: number }
  | { kind: 'too-recent'; ageDays: number; olderThanDays: number }
  | { kind: 'golden' }
  | { kind: 'hold'; value: string }
  | { kind: 'public' }
  | { kind: 'shared'; count: number }
  | { kind: 'sharing-unknown'; reason: string }
  | { kind: 'in-use'; users: string[] }
  | { kind: 'usage-unknown'; reason: string }
  | { kind: 'not-available'; state: string }
  | { kind: 'over-limit'; limit: number };

export function tagFlag(tags: Readonly<Record<string, string>>, key: string): string | undefined {
  if (!Object.hasOwn(tags, key)) return undefined;
  const value = tags[key] as string;
  return value.trim().toLowerCase() === 'false' ? undefined : value;
}

export interface RetentionImage {
  imageId: string;
  state: string;
  creationDate?: string;
  public: boolean;
  tags: Readonly<Record<string, string>>;
}

/** Newest first; ties by id so the order is stable. */
export function newestFirst<T extends Pick<RetentionImage, 'imageId' | 'creationDate'>>(a: T, b: T): number {
  const ca = a.creationDate ?? '';
  const cb = b.creationDate ?? '';
  if (ca !== cb) return ca < cb ? 1 : -1;
  return a.imageId < b.imageId ? -1 : a.imageId > b.imageId ? 1 : 0;
}

/** States an image can be pruned from. */
const PRUNABLE_STATES = new Set(['available', 'disabled', 'failed', 'invalid', 'error']);

/**
 * The reasons that need no AWS call: rank among the newest, age, golden, hold, public, state.
 * `rank` is 0 for the newest image of the family.
 */
export function staticKeepReasons(
  image: RetentionImage,
  rank: number,
  rule: { keep: number; olderThanMs?: number },
  now: Date,
): KeepReason[] {
  const reasons: KeepReason[] = [];
  if (rank < rule.keep) reasons.push({ kind: 'newest', rank: rank + 1, keep: rule.keep });
  if (rule.olderThanMs !== undefined) {
    const created = Date.parse(image.creationDate ?? '');
    // An image of unknown age is treated as new: it stays.
    const age = Number.isNaN(created) ? 0 : now.getTime() - created;
    if (age < rule.olderThanMs) {
      reasons.push({
        kind: 'too-recent',
        ageDays: Math.max(0, Math.floor(age / DAY_MS)),
        olderThanDays: Math.round(rule.olderThanMs / DAY_MS),
      });
    }
  }
  if (tagFlag(image.tags, GOLDEN_TAG) !== undefined) reasons.push({ kind: 'golden' });
  const hold = tagFlag(image.tags, HOLD_TAG);
  if (hold !== undefined) reasons.push({ kind: 'hold', value: hold });
  if (image.public) reasons.push({ kind: 'public' });
  if (!PRUNABLE_STATES.has(image.state)) reasons.push({ kind: 'not-available', state: image.state });
  return reasons;
}

/** What the in-use guard said about one image, in the words retention needs. */
export type UsageAnswer =
  | { state: 'unused' }
  | { state: 'in-use'; users: string[] }
  | { state: 'unknown'; reason: string; retry: boolean };

/** The keep reason (if any) that a usage answer gives. */
export function usageKeepReason(answer: UsageAnswer): KeepReason | undefined {
  if (answer.state === 'in-use') return { kind: 'in-use', users: answer.users };
  if (answer.state === 'unknown') return { kind: 'usage-unknown', reason: answer.reason };
  return undefined;
}

/** Launch permissions in the shape retention reads. */
export interface SharingFacts {
  public: boolean;
  accounts: string[];
  organizations: string[];
  organizationalUnits: string[];
}

/** The keep reason (if any) that an image's launch permissions give. */
export function sharingKeepReason(perms: SharingFacts): KeepReason | undefined {
  if (perms.public) return { kind: 'public' };
  const n = perms.accounts.length + perms.organizations.length + perms.organizationalUnits.length;
  return n > 0 ? { kind: 'shared', count: n } : undefined;
}

/** A short phrase for a keep reason (plain words: the caller escapes what it must). */
export function keepReasonLabel(r: KeepReason): string {
  switch (r.kind) {
    case 'newest':
      return `newest ${r.keep}`;
    case 'too-recent':
      return `younger than ${r.olderThanDays} days`;
    case 'golden':
      return 'golden';
    case 'hold':
      return `on hold (${HOLD_TAG})`;
    case 'public':
      return 'public';
    case 'shared':
      return 'shared with other accounts';
    case 'sharing-unknown':
      return 'sharing could not be checked';
    case 'in-use':
      return 'in use';
    case 'usage-unknown':
      return 'use could not be checked';
    case 'not-available':
      return `state ${r.state}`;
    case 'over-limit':
      return `over the limit of ${r.limit} per request`;
  }
}

// ---- configuration ------------------------------------------------------------------------------

const durationText = z.string().transform((s, ctx) => {
  const r = parseDuration(s, 'olderThan');
  if (!r.ok) {
    ctx.addIssue({ code: 'custom', message: r.error });
    return z.NEVER;
  }
  return r.ms;
});

export const retentionRuleSchema = z
  .object({
    /** Account alias from `accounts`. */
    account: z.string().regex(ACCOUNT_ALIAS_RE, 'must be an account alias from `accounts`'),
    /** A name prefix, `tag:Key=Value` or `tag:Key` (as `/ami prune --family`). */
    family: z.string().transform((s, ctx) => {
      const r = parseFamilySelector(s);
      if (!r.ok) {
        ctx.addIssue({ code: 'custom', message: r.error.replace(/`--family`/g, 'family') });
        return z.NEVER;
      }
      return r.selector;
    }),
    keep: z.number().int().min(1).max(1000),
    /** Only images older than this go, like `90d`. */
    olderThan: durationText.optional(),
    /** Regions to apply it in; default: the account's regions (or the default region). */
    regions: z.array(z.string().regex(REGION_RE, 'must be an AWS region such as us-east-1')).optional(),
  })
  .strict();

export type RetentionRule = z.output<typeof retentionRuleSchema>;

export const retentionSettingsSchema = z
  .object({
    /** Most images (or snapshots) one request may delete. */
    maxPerRequest: z.number().int().min(1).max(1000).default(200),
    /** When the retention rules file their prune requests (cron, UTC). */
    cron: z.string().min(9).max(100).default('30 6 * * *'),
    /** Days without a launch after which an image counts as unused (the digest's "could save"). */
    unusedDays: z.number().int().min(1).max(3650).default(90),
    /** How long a dry run's *File request* button stays valid. */
    dryRunTtlMinutes: z.number().int().min(1).max(1440).default(60),
    rules: z.array(retentionRuleSchema).default([]),
  })
  .strict();

export type RetentionSettings = z.output<typeof retentionSettingsSchema>;

/** The file form: the settings, or just the list of rules (`retention: [{ account, family, keep }]`). */
export const retentionFileSchema = z.preprocess(
  (v) => (Array.isArray(v) ? { rules: v } : v),
  retentionSettingsSchema,
);
