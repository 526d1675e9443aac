import { renderAccessAudit, renderAccessFiled } from '../blocks/access.js';
import { resolveAccount } from '../config.js';
import type { AccessCommand } from '../domain/grammar/index.js';
import { isAccessPlanId } from '../domain/ids.js';
import { AppError, toAppError } from '../errors.js';
import { auditSharing, revokeItemsByAccount } from '../hygiene/access.js';
import { fileRevokeSharing } from '../hygiene/file-batch.js';
import { approvalChannel } from '../requests/build.js';
import { AccessPlanStore } from '../store/access-plans.js';
import { authoriseBatch, confirmation } from './prune.js';
import type { CommandContext, CommandReply } from './types.js';
import { scopeTargets } from './unused.js';

function planId(deps: CommandContext['deps']): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
  let id = 'acc-';
  for (const b of deps.randomBytes(10)) id += alphabet[b % 36];
  return id;
}

/** `2 accounts, 1 organization and the configured accounts`, for the answer. */
function describeAllowlist(ctx: CommandContext): string {
  const s = ctx.deps.config.sharing;
  const n = (k: number, one: string) => `${k} ${one}${k === 1 ? '' : 's'}`;
  const parts = [
    n(s.allowedAccounts.length, 'account'),
    n(s.allowedOrganizations.length, 'organization'),
    n(s.allowedOus.length, 'OU'),
  ];
  return `${parts.join(', ')}${s.allowConfiguredAccounts ? ', and the accounts amibot is configured for' : ''} (\`sharing\` in the config)`;
}

/**
 * `/ami access [--with <account-id>]`: every own image that is public or shared outside the
 * allowlist, and with `--with` everything shared with that account; stored so its *File request*
 * button can file the revoke. Read-only: anyone may run it.
 */
export async function accessCommand(cmd: AccessCommand, ctx: CommandContext): Promise<CommandReply> {
  const { deps } = ctx;
  const { targets } = scopeTargets(ctx, cmd.account, cmd.region);
  const report = await auditSharing(deps, targets, cmd.with ? { offboard: cmd.with } : {});
  const ttlMinutes = deps.config.retention.dryRunTtlMinutes;
  let id: string | undefined;
  if (report.entries.length > 0) {
    id = planId(deps);
    await new AccessPlanStore(deps.redis, deps.config.redis.keyPrefix).save(
      {
        id,
        requester: ctx.userId,
        channelId: ctx.channelId,
        ...(cmd.with ? { offboard: cmd.with } : {}),
        accounts: revokeItemsByAccount(report),
        createdAt: deps.clock().toISOString(),
      },
      ttlMinutes * 60,
    );
  }
  deps.logger.info('sharing audit', {
    targets: targets.length,
    scanned: report.scanned,
    entries: report.entries.length,
    unchecked: report.unchecked,
    offboard: cmd.with,
  });
  return {
    message: renderAccessAudit({
      report,
      ...(id ? { planId: id } : {}),
      ttlMinutes,
      maxPerRequest: deps.config.retention.maxPerRequest,
      allowlist: describeAllowlist(ctx),
    }),
  };
}

/**
 * The *File request* button of an audit. Its value is untrusted: only a well-formed audit id is
 * accepted, the rest is read back from Redis, and the person clicking is authorised afresh, per
 * account. One request per account (each is approved by its own account's approvers).
 */
export async function fileAccessPlan(value: string, ctx: CommandContext): Promise<CommandReply> {
  const { deps } = ctx;
  if (!isAccessPlanId(value))
    throw new AppError('bad_input', 'That button does not point at a sharing audit.');
  const store = new AccessPlanStore(deps.redis, deps.config.redis.keyPrefix);
  const plan = await store.get(value);
  if (!plan) {
    throw new AppError(
      'not_found',
      `That audit is over ${deps.config.retention.dryRunTtlMinutes} minutes old (or gone); run \`/ami access\` again for a fresh one.`,
    );
  }
  if (plan.filedAs) {
    throw new AppError(
      'conflict',
      `This audit was already filed as ${plan.filedAs.map((r) => `\`${r}\``).join(', ')}. \`/ami requests\` shows them.`,
    );
  }
  const accounts = Object.keys(plan.accounts).sort();
  // Permission first, for every account, before anything is filed.
  const allowed: string[] = [];
  const refused: Array<{ account: string; reason: string }> = [];
  for (const alias of accounts) {
    const account = resolveAccount(deps.config, alias);
    if (!account) {
      refused.push({ account: alias, reason: 'this account is no longer configured' });
      continue;
    }
    try {
      await authoriseBatch(ctx, 'revoke-sharing', account, plan.accounts[alias]?.[0]?.region ?? '');
      allowed.push(alias);
    } catch (err) {
      refused.push({ account: alias, reason: toAppError(err).userMessage });
    }
  }
  if (allowed.length === 0) {
    throw new AppError('forbidden', refused.map((r) => `${r.account}: ${r.reason}`).join(' '));
  }
  if (!(await store.claimFiling(plan.id, ctx.userId))) {
    throw new AppError(
      'conflict',
      'This audit is being filed already (another click); `/ami requests` shows it.',
    );
  }
  const max = deps.config.retention.maxPerRequest;
  const filed = [];
  try {
    for (const alias of allowed) {
      const account = resolveAccount(deps.config, alias);
      const all = plan.accounts[alias] ?? [];
      if (!account || all.length === 0) continue;
      const items = all.slice(0, max);
      try {
        const request = await fileRevokeSharing(deps, {
          requester: ctx.userId,
          channelId: ctx.channelId,
          account,
          region: items[0]?.region ?? deps.config.defaultRegion,
          items,
          ...(plan.offboard ? { offboard: plan.offboard } : {}),
          warnings: [
            ...(plan.offboard ? [`Offboarding account \`${plan.offboard}\`.`] : []),
            ...(all.length > items.length
              ? [
                  `${all.length - items.length} more images wait for a later request (at most ${max} per request).`,
                ]
              : []),
          ],
        });
        filed.push(request);
      } catch (err) {
        refused.push({ account: alias, reason: toAppError(err).userMessage });
      }
    }
  } finally {
    if (filed.length > 0)
      await store.markFiled(
        plan.id,
        filed.map((r) => r.id),
      );
    else await store.releaseFiling(plan.id);
  }
  if (filed.length === 0) {
    throw new AppError('conflict', refused.map((r) => `${r.account}: ${r.reason}`).join(' '));
  }
  const [only] = filed;
  if (filed.length === 1 && refused.length === 0 && only) return confirmation(deps, only);
  return {
    message: renderAccessFiled({
      filed: filed.map((r) => ({
        requestId: r.id,
        account: r.account,
        images: r.params.kind === 'revoke-sharing' ? r.params.images.length : 0,
        channel: approvalChannel(deps, r),
        autoApproved: r.approvalsNeeded === 0,
      })),
      refused,
    }),
  };
}
