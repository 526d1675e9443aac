/**
 * What happens to a scan's findings after its report (`followUpScan`), and their fix-by reminders
 * (`runFindingReminders`).
 *
 * Every finished scan updates the image's finding ledger (store/findings.ts): the open findings,
 * when each was first seen and its fix-by date. A **scheduled** scan (`scan.schedule`) then
 *   - announces the findings that were not in the previous scan of the image, and those whose
 *     waiver ended (re-opened), in the image's channel (routed like expiry reminders), with their
 *     fix-by dates — one `reminder-post` job, paced per channel like every reminder;
 *   - tracks the fix-by dates, so `runFindingReminders` reminds as each date comes
 *     (`scan.reminderDays` before it, claimed once per finding, date and milestone);
 *   - on a new or re-opened Critical finding, takes the account's `scan.onCritical` action:
 *     `notify` (the notice says it), or files a `deprecate` / `disable` request for the image —
 *     approved like any request unless the account's policy auto-approves it. Once per scan.
 * A follow-up run again for the same scan (a retried job) finds its diff in the ledger and repeats
 * nothing: the notice has a deterministic id, the Critical action a claim.
 */
import { createHash } from 'node:crypto';
import { type AccountConfig, resolveAccount } from '../config.js';
import type { Deps } from '../deps.js';
import { BOT_ACTOR } from '../domain/audit.js';
import {
  bySeverity,
  effectiveDue,
  type FindingDiff,
  type FindingLedger,
  findingsOf,
  isActiveWaiver,
  nextFindings,
  ownFinding,
  type Waiver,
} from '../domain/findings.js';
import { checkRequest, referencedGroups } from '../domain/policy.js';
import { DAY_MS, dueMilestones } from '../domain/reminders.js';
import type { AmiRequest, OperationParams } from '../domain/request.js';
import { criticalActionFor, type ScanRecord } from '../domain/scan.js';
import { toAppError } from '../errors.js';
import { approvalChannel, buildRequest } from '../requests/build.js';
import * as lifecycle from '../requests/lifecycle.js';
import {
  type CriticalOutcome,
  type FindingPost,
  FindingStore,
  type ImageRef,
  type PostedFinding,
} from '../store/findings.js';
import { newReminderId } from '../store/reminders.js';

export function findingStore(deps: Pick<Deps, 'redis' | 'config'>): FindingStore {
  return new FindingStore(deps.redis, deps.config.redis.keyPrefix);
}

/** The waivers of an image (a scan report marks its findings with them). */
export async function waiversOf(deps: Pick<Deps, 'redis' | 'config'>, ref: ImageRef): Promise<Waiver[]> {
  return findingStore(deps).waivers(ref);
}

/** The id of a scan's finding notice: derived from the scan, so a repeated follow-up posts nothing new. */
export function noticeIdOf(scanId: string): string {
  const digest = createHash('sha256').update(`notice:${scanId}`).digest();
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
  let id = 'rem-';
  for (const b of digest.subarray(0, 16)) id += alphabet[b % 36];
  return id;
}

function posted(f: {
  id: string;
  severity: PostedFinding['severity'];
  title: string;
  due?: string;
  blocks?: boolean;
}): PostedFinding {
  return {
    id: f.id,
    severity: f.severity,
    title: f.title,
    ...(f.due ? { due: f.due } : {}),
    ...(f.blocks ? { blocks: true } : {}),
  };
}

/**
 * Updates the image's ledger from a finished scan and, for a scheduled scan, announces what is new,
 * tracks fix-by dates and takes the Critical action. Returns what to record on the scan.
 */
export async function followUpScan(
  deps: Deps,
  scan: ScanRecord,
): Promise<NonNullable<ScanRecord['followUp']>> {
  const report = scan.report;
  const now = deps.clock();
  if (!report) return { at: now.toISOString() };
  const store = findingStore(deps);
  const ref: ImageRef = { account: scan.account, region: scan.region, imageId: scan.imageId };
  const current = findingsOf(report.builtIn, report.deep);
  const finishedAt = new Date(report.finishedAt);

  // 1. The ledger, compare-and-set (a manual and a scheduled scan of one image may end together).
  let ledger: FindingLedger | undefined;
  let diff: FindingDiff | undefined;
  for (let tries = 0; tries < 5; tries++) {
    const read = await store.ledger(ref);
    const prev = read.ledger;
    if (prev?.lastScanId === scan.id) {
      ledger = prev;
      diff = prev.lastDiff;
      break;
    }
    if (prev && Date.parse(prev.lastScanAt) > finishedAt.getTime()) {
      // A newer scan is recorded already: this one changes nothing (and announces nothing).
      return { at: now.toISOString() };
    }
    const next = nextFindings(prev, current, {
      now: finishedAt,
      acceptance: deps.config.scan.acceptance,
      deepComplete: report.complete,
    });
    // A re-opened finding is due when its waiver ended (the waiver was its extension).
    for (const r of report.reopened ?? []) {
      const f = ownFinding(next.findings, r.id);
      if (f?.due && Date.parse(r.waiverEnded) > Date.parse(f.due)) f.due = r.waiverEnded;
    }
    const candidate: FindingLedger = {
      account: scan.account,
      region: scan.region,
      imageId: scan.imageId,
      ...(scan.imageName || report.image.name ? { imageName: report.image.name || scan.imageName } : {}),
      lastScanId: scan.id,
      lastScanAt: report.finishedAt,
      findings: next.findings,
      lastDiff: next.diff,
      ...(scan.scheduled && scan.channel
        ? {
            channel: scan.channel,
            ...(scan.routeSource ? { routeSource: scan.routeSource } : {}),
            ...(scan.owner ? { owner: scan.owner } : {}),
          }
        : prev?.channel
          ? {
              channel: prev.channel,
              ...(prev.routeSource ? { routeSource: prev.routeSource } : {}),
              ...(prev.owner ? { owner: prev.owner } : {}),
            }
          : {}),
    };
    if (await store.saveLedger(ref, read.version, candidate)) {
      ledger = candidate;
      diff = next.diff;
      break;
    }
  }
  if (!ledger || !diff) {
    deps.logger.warn('scan follow-up: the finding ledger kept changing; left as it was', { scanId: scan.id });
    return { at: now.toISOString() };
  }
  await store.markReopened(
    ref,
    (report.reopened ?? []).map((r) => r.id),
    scan.id,
  );
  if (!scan.scheduled) return { at: now.toISOString(), diff };

  // 2. Scheduled: what is new (or back), its deadlines, the Critical action, the notice.
  const waived = new Set((report.waived ?? []).map((w) => w.id));
  const added = diff.added.filter((f) => !waived.has(f.id)).sort(bySeverity);
  const reopened = (report.reopened ?? [])
    .map((r) => ({
      ...posted({ ...r, ...(ownFinding(ledger?.findings, r.id) ?? {}) }),
      waiverEnded: r.waiverEnded,
    }))
    .sort(bySeverity);
  const announced = new Set([...added.map((f) => f.id), ...reopened.map((f) => f.id)]);

  const waivers = await store.waivers(ref);
  const track: Array<{ findingId: string; due: string }> = [];
  for (const f of Object.values(ledger.findings)) {
    if (!f.due || waived.has(f.id)) continue;
    const due =
      effectiveDue(
        f,
        waivers.find((w) => w.findingId === f.id),
      ) ?? f.due;
    track.push({ findingId: f.id, due });
    // Milestones already due when a finding is announced are covered by the notice itself.
    if (announced.has(f.id)) {
      const ms = dueMilestones(due, now, deps.config.scan.reminderDays);
      if (ms.length > 0) await store.claimReminder({ ...ref, findingId: f.id }, due, ms, `notice-${scan.id}`);
    }
  }
  await store.trackDue(ref, track);

  if (announced.size === 0) return { at: now.toISOString(), diff };
  const noticeId = noticeIdOf(scan.id);
  const existing = await store.getPost(noticeId);
  if (!existing) {
    const critical = [...added, ...reopened].filter((f) => f.severity === 'critical');
    const outcome =
      critical.length > 0
        ? await criticalAction(
            deps,
            scan,
            critical.map((f) => f.id),
          )
        : undefined;
    if (!scan.channel) {
      deps.logger.warn('scheduled scan: new findings but no channel to announce them in', {
        scanId: scan.id,
        imageId: scan.imageId,
        hint: 'set the account policy reminderChannel/approvalChannel, expiry.teamChannels or the channel tag',
      });
      return { at: now.toISOString(), diff };
    }
    const post: FindingPost = {
      id: noticeId,
      type: 'notice',
      ...ref,
      ...(ledger.imageName ? { imageName: ledger.imageName } : {}),
      channel: scan.channel,
      ...(scan.routeSource ? { routeSource: scan.routeSource } : {}),
      ...(scan.owner ? { owner: scan.owner } : {}),
      scanId: scan.id,
      added: added.map(posted),
      reopened,
      ...(outcome ? { critical: outcome } : {}),
      createdAt: now.toISOString(),
    };
    await store.savePost(post);
  }
  await deps.queues.enqueue('reminder-post', { kind: 'finding', id: noticeId });
  return { at: now.toISOString(), diff, notice: noticeId };
}

/** The account's `scan.onCritical` for new or re-opened Critical findings of a scheduled scan, once per scan. */
async function criticalAction(deps: Deps, scan: ScanRecord, findingIds: string[]): Promise<CriticalOutcome> {
  const action = criticalActionFor(deps.config.scan.onCritical, scan.account);
  if (action === 'notify') return { action };
  const store = findingStore(deps);
  if (!(await store.claimCriticalAction(scan.id))) {
    // An earlier run of this follow-up took the action and died before saving the notice: never twice.
    return { action, note: 'the action was already taken for this scan (see the approval channel)' };
  }
  const account = resolveAccount(deps.config, scan.account);
  if (!account) return { action, note: `account ${scan.account} is no longer configured` };
  try {
    const request = await fileCriticalRequest(deps, account, scan, action, findingIds);
    if (typeof request === 'string') return { action, note: request };
    return { action, requestId: request.id, autoApproved: request.approvalsNeeded === 0 };
  } catch (err) {
    const e = toAppError(err);
    deps.logger.warn('scheduled scan: the Critical action could not be filed', {
      scanId: scan.id,
      action,
      code: e.code,
      error: err,
    });
    return { action, note: `could not file the request: ${e.userMessage}` };
  }
}

/** Files the `deprecate` or `disable` request of the Critical policy (the bot asks on the policy's behalf). */
async function fileCriticalRequest(
  deps: Deps,
  account: AccountConfig,
  scan: ScanRecord,
  kind: 'deprecate' | 'disable',
  findingIds: string[],
): Promise<AmiRequest | string> {
  const userId = deps.config.slack.botUserId ?? BOT_ACTOR;
  const groups = await deps.userGroups.members(referencedGroups(account.policy));
  const allowed = checkRequest({
    policy: account.policy,
    accountAlias: account.alias,
    userId,
    kind,
    groups,
    publicShare: false,
  });
  // The policy's own action: the requester list does not apply to the bot; everything else does.
  if (!allowed.ok && allowed.code !== 'not_a_requester') return allowed.message;
  const image = await deps.images.getImage(account, scan.region, scan.imageId);
  const now = deps.clock();
  if (
    kind === 'deprecate' &&
    image.deprecationTime &&
    Date.parse(image.deprecationTime) <= now.getTime() + 120_000
  )
    return 'the image is deprecated already';
  if (kind === 'disable' && image.state === 'disabled') return 'the image is disabled already';
  const accountId = await deps.aws.accountId(account, scan.region);
  if (image.ownerId !== accountId)
    return `the image belongs to \`${image.ownerId}\`, not to account ${account.alias}`;
  const ids = findingIds.slice(0, 5).map((id) => `\`${id.slice(0, 100)}\``);
  const params: OperationParams =
    kind === 'deprecate'
      ? // EC2 wants a future time in whole minutes: the next minute but one.
        {
          kind: 'deprecate',
          deprecateAt: new Date(Math.ceil((now.getTime() + 60_000) / 60_000) * 60_000).toISOString(),
        }
      : { kind: 'disable' };
  const request = buildRequest(deps, {
    userId,
    channelId: scan.channel,
    account,
    accountId,
    region: scan.region,
    image,
    kind,
    prepared: {
      params,
      warnings: [
        `Filed by amibot per the account’s \`scan.onCritical: ${kind}\` policy: scheduled scan \`${scan.id}\` found Critical finding${findingIds.length === 1 ? '' : 's'} ${ids.join(', ')}${findingIds.length > ids.length ? ` and ${findingIds.length - ids.length} more` : ''}.`,
      ],
    },
  });
  return lifecycle.file(deps, request, approvalChannel(deps, request));
}

// ---- fix-by reminders ---------------------------------------------------------------------------------

export interface FindingReminderStats {
  /** Tracked findings looked at (due within the reminder window). */
  looked: number;
  queued: number;
  /** No longer open (fixed, or the image gone from the ledger): dropped from the index. */
  dropped: number;
  waived: number;
  unrouted: number;
  errors: string[];
}

/** Reminds of fix-by dates as they come: `scan.reminderDays` before each, once per milestone. */
export async function runFindingReminders(deps: Deps): Promise<FindingReminderStats> {
  const store = findingStore(deps);
  const now = deps.clock();
  const days = deps.config.scan.reminderDays;
  const stats: FindingReminderStats = {
    looked: 0,
    queued: 0,
    dropped: 0,
    waived: 0,
    unrouted: 0,
    errors: [],
  };
  const window = now.getTime() + Math.max(0, ...days) * DAY_MS;
  const ledgers = new Map<string, FindingLedger | undefined>();
  const waivers = new Map<string, Waiver[]>();
  for (const e of await store.dueBefore(window)) {
    stats.looked++;
    const key = `${e.account}/${e.region}/${e.imageId}`;
    try {
      if (!ledgers.has(key)) {
        ledgers.set(key, (await store.ledger(e)).ledger);
        waivers.set(key, await store.waivers(e));
      }
      const ledger = ledgers.get(key);
      const f = ownFinding(ledger?.findings, e.findingId);
      if (!ledger || !f?.due) {
        await store.untrackDue(e);
        stats.dropped++;
        continue;
      }
      const w = waivers.get(key)?.find((x) => x.findingId === e.findingId);
      if (w && isActiveWaiver(w, now)) {
        stats.waived++;
        continue;
      }
      const due = effectiveDue(f, w) ?? f.due;
      const ms = dueMilestones(due, now, days);
      if (ms.length === 0) continue;
      if (!ledger.channel) {
        stats.unrouted++;
        continue;
      }
      const id = newReminderId(deps.randomBytes);
      if (await store.claimReminder(e, due, ms, id)) {
        await store.savePost({
          id,
          type: 'reminder',
          account: e.account,
          region: e.region,
          imageId: e.imageId,
          ...(ledger.imageName ? { imageName: ledger.imageName } : {}),
          channel: ledger.channel,
          ...(ledger.routeSource ? { routeSource: ledger.routeSource } : {}),
          ...(ledger.owner ? { owner: ledger.owner } : {}),
          scanId: ledger.lastScanId,
          finding: { ...posted(f), due },
          milestone: ms[0] as number,
          createdAt: now.toISOString(),
        });
        await deps.queues.enqueue('reminder-post', { kind: 'finding', id });
        stats.queued++;
      }
      // The reminder on the day is the last one.
      if (ms[0] === 0) await store.untrackDue(e);
    } catch (err) {
      stats.errors.push(`${key} ${e.findingId}: ${toAppError(err).userMessage}`);
      deps.logger.warn('finding reminder failed', { image: key, finding: e.findingId, error: err });
    }
  }
  deps.logger.info('finding reminders done', { ...stats, errors: stats.errors.length });
  return stats;
}
