import type { AccountConfig } from '../config.js';
import type { Deps } from '../deps.js';
import { monthlyStorageCost } from '../domain/cost.js';
import { type AmiImage, imageSizeGiB } from '../domain/image.js';
import { approvalsRequiredFor, needsApproval } from '../domain/policy.js';
import { type AmiRequest, newRequestId, type OperationParams } from '../domain/request.js';

/** What validation of one command found: the operation's parameters and what approvers should know. */
export interface Prepared {
  params: OperationParams;
  warnings: string[];
}

/**
 * A new request (not yet stored): pending, or approved at once when the account's policy needs no
 * approval for its kind. The image is snapshotted for the message; it is never used to act.
 */
export function buildRequest(
  deps: Pick<Deps, 'clock' | 'randomBytes' | 'config'>,
  p: {
    userId: string;
    channelId: string;
    account: AccountConfig;
    accountId: string;
    region: string;
    image: AmiImage;
    prepared: Prepared;
    kind: AmiRequest['kind'];
  },
): AmiRequest {
  const now = deps.clock();
  const policy = p.account.policy;
  const auto = !needsApproval(policy, p.kind);
  return {
    id: newRequestId(deps.randomBytes),
    kind: p.kind,
    params: p.prepared.params,
    imageId: p.image.imageId,
    image: {
      name: p.image.name,
      sizeGiB: imageSizeGiB(p.image),
      monthlyCostUsd: monthlyStorageCost(p.image, deps.config.snapshotPricePerGbMonth),
      encrypted: p.image.blockDevices.some((d) => d.encrypted),
      public: p.image.public,
      snapshotIds: p.image.blockDevices.flatMap((d) => (d.snapshotId ? [d.snapshotId] : [])),
    },
    requester: p.userId,
    account: p.account.alias,
    accountId: p.accountId,
    region: p.region,
    state: auto ? 'approved' : 'pending',
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + policy.requestTtlHours * 3600_000).toISOString(),
    approvalsNeeded: auto ? 0 : approvalsRequiredFor(policy, p.kind),
    approvals: [],
    warnings: p.prepared.warnings,
    originChannel: p.channelId,
  };
}

/** The channel a request's approval message goes to: the account's approval channel, else where it was asked. */
export function approvalChannel(deps: Pick<Deps, 'config'>, request: AmiRequest): string {
  const policy = deps.config.accounts.find((a) => a.alias === request.account)?.policy;
  return policy?.approvalChannel ?? request.originChannel ?? '';
}
