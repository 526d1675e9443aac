/**
 * Files the batch requests of the cleanup commands: a prune (many images) or a snapshot deletion
 * (many snapshots), approved like any other request. A prune holds its families while it is open,
 * so a family never has two prune requests at once (a person's and a retention rule's included).
 */
import type { AccountConfig } from '../config.js';
import type { Deps } from '../deps.js';
import { needsApproval } from '../domain/policy.js';
import {
  type AmiRequest,
  newRequestId,
  type OperationParams,
  type PruneImageItem,
  type SnapshotItem,
} from '../domain/request.js';
import { countGrants, type RevokeItem } from '../domain/sharing.js';
import { AppError } from '../errors.js';
import { approvalChannel } from '../requests/build.js';
import * as lifecycle from '../requests/lifecycle.js';
import { PrunePlanStore } from '../store/prune-plans.js';

interface BatchBase {
  /** A Slack user id, or `amibot` for a retention rule. */
  requester: string;
  channelId?: string;
  account: AccountConfig;
  region: string;
  warnings?: string[];
}

function build(
  deps: Deps,
  base: BatchBase,
  accountId: string,
  params: OperationParams,
  summary: { name: string; sizeGiB: number; monthlyUsd: number },
): AmiRequest {
  const now = deps.clock();
  const policy = base.account.policy;
  const auto = !needsApproval(policy, params.kind);
  return {
    id: newRequestId(deps.randomBytes),
    kind: params.kind,
    params,
    imageId: '',
    image: {
      name: summary.name,
      sizeGiB: summary.sizeGiB,
      monthlyCostUsd: summary.monthlyUsd,
      encrypted: false,
      public: false,
    },
    requester: base.requester,
    account: base.account.alias,
    accountId,
    region: base.region,
    state: auto ? 'approved' : 'pending',
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + policy.requestTtlHours * 3600_000).toISOString(),
    approvalsNeeded: auto ? 0 : policy.approvalsRequired,
    approvals: [],
    warnings: base.warnings ?? [],
    ...(base.channelId ? { originChannel: base.channelId } : {}),
  };
}

async function fileIn(deps: Deps, request: AmiRequest): Promise<AmiRequest> {
  const channel = approvalChannel(deps, request);
  if (!channel) {
    throw new AppError(
      'bad_input',
      `Account *${request.account}* has no approval channel configured (\`policy.approvalChannel\`), so there is nowhere to ask for approval.`,
    );
  }
  return lifecycle.file(deps, request, channel);
}

export interface PruneFiling extends BatchBase {
  family: string;
  keep: number;
  olderThanMs?: number;
  items: PruneImageItem[];
  freedGiB: number;
  monthlyUsd: number;
  rule?: number;
}

/** Files one prune request for `items` (oldest first); refused while one of their families has an open prune. */
export async function filePrune(deps: Deps, p: PruneFiling): Promise<AmiRequest> {
  if (p.items.length === 0) throw new AppError('bad_input', 'There is nothing to prune.');
  if (p.items.length > deps.config.retention.maxPerRequest) {
    throw new AppError(
      'bad_input',
      `A prune request takes at most ${deps.config.retention.maxPerRequest} images (\`retention.maxPerRequest\`), not ${p.items.length}.`,
    );
  }
  const accountId = await deps.aws.accountId(p.account, p.region);
  const sizeGiB = p.items.reduce((n, i) => n + i.sizeGiB, 0);
  const request = build(
    deps,
    p,
    accountId,
    {
      kind: 'prune',
      family: p.family,
      keep: p.keep,
      ...(p.olderThanMs !== undefined ? { olderThanMs: p.olderThanMs } : {}),
      images: p.items,
      freedGiB: p.freedGiB,
      monthlyUsd: p.monthlyUsd,
      ...(p.rule !== undefined ? { rule: p.rule } : {}),
    },
    {
      name: `${p.items.length} image${p.items.length === 1 ? '' : 's'} of ${p.family}`,
      sizeGiB,
      monthlyUsd: p.monthlyUsd,
    },
  );
  const families = [...new Set(p.items.map((i) => i.family))];
  const store = new PrunePlanStore(deps.redis, deps.config.redis.keyPrefix);
  const claim = await store.claimFamilies(p.account.alias, p.region, families, request.id);
  if (!claim.ok) {
    throw new AppError(
      'conflict',
      `Family *${claim.family.slice(0, 128)}* already has an open prune request \`${claim.requestId}\`; it must be approved, rejected or cancelled before another one is filed.`,
    );
  }
  try {
    return await fileIn(deps, request);
  } catch (err) {
    await store.releaseFamilies(p.account.alias, p.region, families, request.id);
    throw err;
  }
}

export interface SnapshotFiling extends BatchBase {
  items: SnapshotItem[];
}

/** Files one request that deletes `items` (each checked again right before it is deleted). */
export async function fileSnapshotDeletion(deps: Deps, p: SnapshotFiling): Promise<AmiRequest> {
  if (p.items.length === 0) throw new AppError('bad_input', 'There are no snapshots to delete.');
  const accountId = await deps.aws.accountId(p.account, p.region);
  const gib = p.items.reduce((n, i) => n + i.sizeGiB, 0);
  const monthlyUsd = gib * deps.config.snapshotPricePerGbMonth;
  const request = build(
    deps,
    p,
    accountId,
    { kind: 'delete-snapshots', snapshots: p.items, gib, monthlyUsd },
    {
      name: `${p.items.length} orphaned snapshot${p.items.length === 1 ? '' : 's'}`,
      sizeGiB: gib,
      monthlyUsd,
    },
  );
  return fileIn(deps, request);
}

export interface RevokeFiling extends BatchBase {
  items: RevokeItem[];
  /** `--with`: the account being offboarded. */
  offboard?: string;
}

/**
 * Files one request that removes the launch permissions the sharing audit found, image by image
 * (each image read again right before; see hygiene/access.ts `revokeImage`). The request's region
 * is the first item's; items carry their own.
 */
export async function fileRevokeSharing(deps: Deps, p: RevokeFiling): Promise<AmiRequest> {
  if (p.items.length === 0) throw new AppError('bad_input', 'There is nothing to unshare.');
  if (p.items.length > deps.config.retention.maxPerRequest) {
    throw new AppError(
      'bad_input',
      `A request takes at most ${deps.config.retention.maxPerRequest} images (\`retention.maxPerRequest\`), not ${p.items.length}.`,
    );
  }
  const region = p.items[0]?.region ?? p.region;
  const accountId = await deps.aws.accountId(p.account, region);
  const permissions = p.items.reduce((n, i) => n + countGrants(i.remove), 0);
  const request = build(
    deps,
    { ...p, region },
    accountId,
    { kind: 'revoke-sharing', images: p.items, ...(p.offboard ? { offboard: p.offboard } : {}) },
    {
      name: `${p.items.length} image${p.items.length === 1 ? '' : 's'} to unshare (${permissions} launch permission${permissions === 1 ? '' : 's'})`,
      sizeGiB: 0,
      monthlyUsd: 0,
    },
  );
  return fileIn(deps, request);
}
