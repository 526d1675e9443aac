import type { ShareTarget } from './grammar/index.js';
import type { LaunchPermissions } from './image.js';
import type { RevokeItem } from './sharing.js';

/**
 * A request: a change to an AMI that people decide on in Slack before a worker carries it out.
 * Pure types and the state machine; storage is `store/requests.ts`.
 */

export const OPERATION_KINDS = [
  'share',
  'unshare',
  'deprecate',
  'undeprecate',
  'disable',
  'enable',
  'expire',
  'deregister',
  'copy',
  'encrypt',
  'prune',
  'delete-snapshots',
  'promote',
  'rollback',
  'revoke-sharing',
  'waive',
] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

/** Operations that run for minutes to hours (image copies). */
export const LONG_OPERATIONS: readonly OperationKind[] = ['copy', 'encrypt'];

/** Operations on many images or snapshots at once (the request's `imageId` is empty). */
export const BATCH_OPERATIONS: readonly OperationKind[] = ['prune', 'delete-snapshots', 'revoke-sharing'];

export function isBatch(kind: OperationKind): boolean {
  return BATCH_OPERATIONS.includes(kind);
}

/** One image of a prune request, as the dry run saw it (the job checks it again before acting). */
export interface PruneImageItem {
  imageId: string;
  name: string;
  family: string;
  creationDate?: string;
  snapshots: Array<{ snapshotId: string; sizeGiB: number }>;
  sizeGiB: number;
  /** GiB of its snapshots that no image staying uses (what deleting it frees). */
  freedGiB: number;
}

/** One snapshot of a delete-snapshots request. */
export interface SnapshotItem {
  snapshotId: string;
  sizeGiB: number;
  /** `image-gone`: made by CreateImage for an image that no longer exists; `unused`: no image uses it. */
  reason: 'image-gone' | 'unused';
  /** The image its description names, for `image-gone`. */
  imageId?: string;
}

/** A KMS grant a share or promotion makes so another account can use the key of an encrypted image. */
export interface PlannedGrant {
  region: string;
  keyArn: string;
  accountId: string;
}

/** One region of a golden-image promotion, as planned when it was filed. */
export interface PromotionRegionPlan {
  region: string;
  /** The key ARN the region's copy is encrypted with. */
  keyArn: string;
  /** The SSM parameter that will hold the image id. */
  parameter: string;
  /** The family's current image there when the promotion was filed (re-read when it runs). */
  previousImageId?: string;
}

/** One region of a rollback: the parameter goes back from `current` to `previous`. */
export interface RollbackRegionPlan {
  region: string;
  parameter: string;
  current: string;
  previous: string;
}

export type OperationParams =
  | { kind: 'share'; targets: ShareTarget[]; kmsGrants?: PlannedGrant[] }
  | { kind: 'unshare'; targets: ShareTarget[] | 'all' }
  | { kind: 'deprecate'; deprecateAt: string }
  | { kind: 'undeprecate' }
  | { kind: 'disable' }
  | { kind: 'enable' }
  | { kind: 'expire'; expiresAt: string; tagKey: string }
  | { kind: 'deregister'; keepSnapshots: boolean; force: boolean }
  | {
      kind: 'copy';
      toRegions: string[];
      newName?: string;
      encrypt: boolean;
      kmsKeyId?: string;
      withPermissions: boolean;
      /** `--with-permissions`: what the copies are to be granted, as read when filed. */
      grants?: LaunchGrants;
    }
  | {
      kind: 'encrypt';
      kmsKeyId?: string;
      replace: boolean;
      /** `--replace`: the original's launch permissions the replacement is to get, as read when filed. */
      grants?: LaunchGrants;
    }
  | {
      kind: 'prune';
      /** The family selector as typed (`app-web`, `tag:App=web`). */
      family: string;
      keep: number;
      olderThanMs?: number;
      /** Oldest first. */
      images: PruneImageItem[];
      freedGiB: number;
      monthlyUsd: number;
      /** Filed by this retention rule (its index in `retention.rules`) rather than by a person. */
      rule?: number;
    }
  | { kind: 'delete-snapshots'; snapshots: SnapshotItem[]; gib: number; monthlyUsd: number }
  | {
      kind: 'promote';
      family: string;
      regions: PromotionRegionPlan[];
      targets: ShareTarget[];
      kmsGrants: PlannedGrant[];
      tags: Record<string, string>;
      deprecatePreviousAfterDays: number;
    }
  | { kind: 'rollback'; family: string; regions: RollbackRegionPlan[] }
  | {
      kind: 'revoke-sharing';
      /** Images and the launch permissions to remove from each (the audit's findings). */
      images: RevokeItem[];
      /** `--with <account-id>`: the audit was an offboarding of this account. */
      offboard?: string;
    }
  | {
      kind: 'waive';
      /** The finding as the image's last scan named it. */
      findingId: string;
      severity: 'critical' | 'high' | 'medium' | 'low';
      title: string;
      /** ISO 8601: the waiver ends then and the finding counts again. */
      until: string;
      reason: string;
      /** The scan the finding was read from. */
      scanId: string;
    };

/**
 * Launch permissions a request carries from one image to another, within the account's policy:
 * `publicDropped` when the source is public but the account does not allow public sharing.
 */
export interface LaunchGrants {
  permissions: LaunchPermissions;
  publicDropped: boolean;
}

export type ParamsOf<K extends OperationKind> = Extract<OperationParams, { kind: K }>;

export const REQUEST_STATES = [
  'pending',
  'approved',
  'queued',
  'running',
  'succeeded',
  'failed',
  'rejected',
  'expired',
  'cancelled',
] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

export const FINAL_STATES: readonly RequestState[] = [
  'succeeded',
  'failed',
  'rejected',
  'expired',
  'cancelled',
];

/** Allowed transitions; anything else is refused by the store. */
export const TRANSITIONS: Record<RequestState, readonly RequestState[]> = {
  pending: ['approved', 'rejected', 'expired', 'cancelled'],
  approved: ['queued', 'running', 'failed', 'cancelled'],
  queued: ['running', 'cancelled', 'failed', 'succeeded'],
  running: ['succeeded', 'failed', 'cancelled'],
  succeeded: [],
  failed: [],
  rejected: [],
  expired: [],
  cancelled: [],
};

export function canTransition(from: RequestState, to: RequestState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isFinal(state: RequestState): boolean {
  return FINAL_STATES.includes(state);
}

export interface Decision {
  userId: string;
  /** ISO 8601. */
  at: string;
}

export interface MessageRef {
  channel: string;
  ts: string;
}

/** Progress of a long job, per destination region. */
export interface RegionProgress {
  state: 'queued' | 'copying' | 'available' | 'failed' | 'cancelled';
  imageId?: string;
  percent?: number;
  reason?: string;
  /** A promotion: each step's state (`copy`, `share`, … in `domain/golden.ts` order). */
  steps?: Record<string, 'pending' | 'running' | 'done' | 'skipped' | 'failed'>;
  /** A promotion: the family's image there before this one (deprecated later). */
  previousImageId?: string;
}

/** What happened to one item (image or snapshot) of a batch request. */
export interface BatchItemOutcome {
  /**
   * `working`: started and not known to be finished (a resumed job looks again before acting);
   * `unshared`: a revoke removed the item's launch permissions.
   */
  state: 'working' | 'deleted' | 'kept' | 'failed' | 'unshared';
  /** Why it was kept or failed (may hold AWS's words). */
  note?: string;
  deletedSnapshots?: number;
  freedGiB?: number;
  /** Launch permissions a revoke removed from the image. */
  removed?: number;
}

/** Per-item checkpoints of a batch request, by image or snapshot id. */
export interface BatchProgress {
  items: Record<string, BatchItemOutcome>;
}

export interface RequestResult {
  ok: boolean;
  /** One line, shown in the message and the thread reply. */
  summary: string;
  details?: string[];
}

export interface AmiRequest {
  /** `req-` + 10 base-36 characters. */
  id: string;
  /**
   * The correlation id of the work that filed it (docs/logging.md): its jobs carry it, so their log
   * lines and the filing's share it. Absent on requests filed before it was recorded.
   */
  cid?: string;
  kind: OperationKind;
  params: OperationParams;
  imageId: string;
  /** Snapshot of the image at request time, for the message (never used to act). */
  image: {
    name: string;
    sizeGiB: number;
    monthlyCostUsd: number;
    encrypted: boolean;
    public: boolean;
    /** The image's snapshots when the request was made (lets a retried deregister clean up). */
    snapshotIds?: string[];
  };
  requester: string;
  /** Account alias. */
  account: string;
  accountId: string;
  region: string;
  state: RequestState;
  createdAt: string;
  updatedAt: string;
  /** When a pending request expires. */
  expiresAt: string;
  approvalsNeeded: number;
  approvals: Decision[];
  rejection?: Decision & { reason?: string };
  cancellation?: Decision;
  /** Things the approvers should know (KMS keys to share, images in use, public sharing…). */
  warnings: string[];
  /** The approval message in the account's approval channel. */
  message?: MessageRef;
  /** Where the requester asked from, for confirmations. */
  originChannel?: string;
  progress?: Record<string, RegionProgress>;
  /** Batch requests (prune, delete-snapshots): what happened to each item so far. */
  batch?: BatchProgress;
  result?: RequestResult;
}

const ID_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** A new request id from a source of random bytes (injectable for tests). */
export function newRequestId(randomBytes: (n: number) => Uint8Array): string {
  const bytes = randomBytes(10);
  let id = 'req-';
  for (const b of bytes) id += ID_ALPHABET[b % 36];
  return id;
}
