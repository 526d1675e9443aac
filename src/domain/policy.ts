/**
 * Approval policy of an account: who may request which operations, who approves them, how many
 * approvals a request needs, which operations run without approval. Pure: Slack user-group
 * members are resolved by the caller (`usergroups.users.list` for every id from
 * {@link referencedGroups}) and passed in as `groups`.
 *
 * Rules that hold whatever the config says:
 * - nobody approves (or rejects) their own request; requesters withdraw with `/ami cancel`;
 * - a person counts once towards the approvals of a request;
 * - a user group that could not be resolved (missing from `groups`) matches nobody.
 */
import { z } from 'zod';
import type { LaunchPermissions } from './image.js';
import {
  type AmiRequest,
  isBatch,
  OPERATION_KINDS,
  type OperationKind,
  type RequestState,
} from './request.js';

// ---------------------------------------------------------------------------------------------
// Schema

export const SLACK_USER_ID_RE = /^[UW][A-Z0-9]{2,}$/;
export const SLACK_GROUP_ID_RE = /^S[A-Z0-9]{2,}$/;
export const SLACK_CHANNEL_ID_RE = /^[CG][A-Z0-9]{2,}$/;

/** `*` (everyone), a Slack user id (`U…`/`W…`) or a Slack user-group id (`S…`). */
export const principalSchema = z
  .string()
  .refine((s) => s === '*' || SLACK_USER_ID_RE.test(s) || SLACK_GROUP_ID_RE.test(s), {
    error: (iss) =>
      `must be "*" (everyone), a Slack user id like U012ABCDEF or a user-group id like S012ABCDEF, got ${JSON.stringify(iss.input)}`,
  });
export type Principal = z.infer<typeof principalSchema>;

const principals = z.array(principalSchema, {
  error: 'must be a list of Slack user ids (U…), user-group ids (S…) or "*"',
});

const channelId = z
  .string()
  .regex(SLACK_CHANNEL_ID_RE, { error: 'must be a Slack channel id like C012ABCDEF (not a #name)' });

const operationKind = z.enum(OPERATION_KINDS, {
  error: (iss) => `must be one of ${OPERATION_KINDS.join(', ')}, got ${JSON.stringify(iss.input)}`,
});
const operationKinds = z.array(operationKind).transform((kinds) => [...new Set(kinds)]);

export const REQUESTER_KEYS = [...OPERATION_KINDS, 'default'] as const;
export type RequesterKey = (typeof REQUESTER_KEYS)[number];

const requesters = z
  .partialRecord(z.enum(REQUESTER_KEYS), principals, {
    error: (iss) => {
      const keys = (iss as { keys?: unknown }).keys;
      return Array.isArray(keys)
        ? `unknown operation(s) ${keys.map((k) => JSON.stringify(k)).join(', ')}; use ${REQUESTER_KEYS.join(', ')}`
        : iss.code === 'invalid_type'
          ? 'must map operations (or "default") to lists of Slack user ids, user-group ids or "*"'
          : undefined;
    },
  })
  // Operations without their own entry use `default`; a map without `default` leaves them open
  // to everyone (write `default: []` to close them).
  .transform((r): Partial<Record<RequesterKey, string[]>> & { default: string[] } => ({
    ...r,
    default: r.default ?? ['*'],
  }));

const POLICY_KEYS = [
  'approvalChannel',
  'requesters',
  'approvers',
  'approvalsRequired',
  'allowedOperations',
  'allowPublicSharing',
  'autoApprove',
  'requestTtlHours',
  'expiredImageAction',
  'reminderChannel',
  'promoters',
  'promotionApprovalsRequired',
];

/** Operations of golden-image families: requested by `promoters`, approved by `promotionApprovalsRequired`. */
export const PROMOTION_KINDS: readonly OperationKind[] = ['promote', 'rollback'];

export const accountPolicySchema = z
  .object(
    {
      /** Where approval messages go; default: the channel the request was made in. */
      approvalChannel: channelId.optional(),
      /** Who may request each operation (`default` for the others). Default: everyone. */
      requesters: requesters.default({ default: ['*'] }),
      /** Who may approve or reject. Empty: only auto-approved operations can run. */
      approvers: principals.default([]),
      approvalsRequired: z
        .number({ error: 'must be a whole number from 1 to 5' })
        .int({ error: 'must be a whole number from 1 to 5' })
        .min(1, { error: 'must be at least 1' })
        .max(5, { error: 'must be at most 5' })
        .default(1),
      allowedOperations: operationKinds.default([...OPERATION_KINDS]),
      /** Sharing with everyone (`--with all`); off unless enabled. */
      allowPublicSharing: z.boolean({ error: 'must be true or false' }).default(false),
      /** Operations that run without approval. */
      autoApprove: operationKinds.default([]),
      /** How long a pending request waits for approvals. */
      requestTtlHours: z
        .number({ error: 'must be a number of hours from 1 to 336 (14 days)' })
        .min(1, { error: 'must be at least 1 hour' })
        .max(336, { error: 'must be at most 336 hours (14 days)' })
        .default(24),
      /** What the expiry sweep does with an expired image. */
      expiredImageAction: z
        .enum(['remind', 'deprecate', 'request-deregister'], {
          error: 'must be "remind", "deprecate" or "request-deregister"',
        })
        .default('remind'),
      /** Where expiry reminders go; default: the approval channel. */
      reminderChannel: channelId.optional(),
      /** Who may request `promote` and `rollback`. Default: the account's approvers. */
      promoters: principals.optional(),
      /** Approvals a promotion or rollback needs. Default: `approvalsRequired`. */
      promotionApprovalsRequired: z
        .number({ error: 'must be a whole number from 1 to 5' })
        .int({ error: 'must be a whole number from 1 to 5' })
        .min(1, { error: 'must be at least 1' })
        .max(5, { error: 'must be at most 5' })
        .optional(),
    },
    {
      error: (iss) => {
        const keys = (iss as { keys?: unknown }).keys;
        return Array.isArray(keys)
          ? `unknown policy setting(s) ${keys.map((k) => JSON.stringify(k)).join(', ')}; known: ${POLICY_KEYS.join(', ')}`
          : undefined;
      },
    },
  )
  .strict();

export type AccountPolicy = z.output<typeof accountPolicySchema>;
export type AccountPolicyInput = z.input<typeof accountPolicySchema>;

/** The policy of an account whose config has no `policy`. */
export const DEFAULT_POLICY: AccountPolicy = deepFreeze(accountPolicySchema.parse({}));

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Resolved members of Slack user groups: group id → user ids. */
export type GroupMembers = ReadonlyMap<string, ReadonlySet<string>>;

export type PolicyRefusal =
  | 'operation_not_allowed'
  | 'not_a_requester'
  | 'public_sharing_disabled'
  | 'no_approvers'
  | 'not_pending'
  | 'self_approval'
  | 'not_approver'
  | 'already_approved'
  | 'not_cancellable'
  | 'not_allowed';

export type PolicyResult<C extends PolicyRefusal = PolicyRefusal> =
  | { ok: true }
  | { ok: false; code: C; message: string };

const OK = { ok: true } as const;

function refuse<C extends PolicyRefusal>(code: C, message: string): PolicyResult<C> {
  return { ok: false, code, message };
}

// ---------------------------------------------------------------------------------------------
// Principals

/** Every user-group id named in `requesters` or `approvers`, each once, in order of appearance. */
export function referencedGroups(
  policy: Pick<AccountPolicy, 'requesters' | 'approvers'> & { promoters?: readonly string[] | undefined },
): string[] {
  const out = new Set<string>();
  for (const list of [...Object.values(policy.requesters), policy.approvers, policy.promoters ?? []]) {
    for (const p of list ?? []) if (SLACK_GROUP_ID_RE.test(p)) out.add(p);
  }
  return [...out];
}

/** Whether `userId` is one of `principals`: `*`, the user's id, or a group the user belongs to. */
export function matchesPrincipal(
  principals: readonly string[],
  userId: string,
  groups: GroupMembers,
): boolean {
  for (const p of principals) {
    if (p === '*' || p === userId) return true;
    if (SLACK_GROUP_ID_RE.test(p) && groups.get(p)?.has(userId) === true) return true;
  }
  return false;
}

/**
 * Everyone who could approve, when that is knowable: undefined when the approvers include `*` or
 * a group that was not resolved.
 */
function enumerateApprovers(approvers: readonly string[], groups: GroupMembers): Set<string> | undefined {
  const out = new Set<string>();
  for (const p of approvers) {
    if (p === '*') return undefined;
    if (SLACK_GROUP_ID_RE.test(p)) {
      const members = groups.get(p);
      if (members === undefined) return undefined;
      for (const m of members) out.add(m);
    } else {
      out.add(p);
    }
  }
  return out;
}

/** The principals who may request `kind`: its own entry, else `default`. */
export function requestersFor(policy: AccountPolicy, kind: OperationKind): readonly string[] {
  if (PROMOTION_KINDS.includes(kind)) return policy.promoters ?? policy.approvers;
  const own = Object.hasOwn(policy.requesters, kind) ? policy.requesters[kind] : undefined;
  return own ?? policy.requesters.default ?? ['*'];
}

/** How many approvals a request of `kind` needs (promotions have their own count). */
export function approvalsRequiredFor(
  policy: Pick<AccountPolicy, 'approvalsRequired' | 'promotionApprovalsRequired'>,
  kind: OperationKind,
): number {
  return PROMOTION_KINDS.includes(kind)
    ? (policy.promotionApprovalsRequired ?? policy.approvalsRequired)
    : policy.approvalsRequired;
}

/** Whether `kind` waits for approvals (it is not in `autoApprove`). */
export function needsApproval(policy: Pick<AccountPolicy, 'autoApprove'>, kind: OperationKind): boolean {
  return !policy.autoApprove.includes(kind);
}

// ---------------------------------------------------------------------------------------------
// Checks

function acct(alias: string): string {
  return `*${alias.replace(/[*<>&`]/g, '')}*`;
}

export interface CheckRequestInput {
  policy: AccountPolicy;
  /** For messages. */
  accountAlias: string;
  userId: string;
  kind: OperationKind;
  groups: GroupMembers;
  /** True when the request would make the image public (share with `all`). */
  publicShare: boolean;
}

/**
 * May `userId` file a `kind` request in this account? Checks, in order: the operation is allowed
 * in the account, the user is a requester for it, public sharing is enabled (when asked for), and
 * — when the operation needs approval — someone other than the requester can give it.
 */
export function checkRequest(
  input: CheckRequestInput,
): PolicyResult<'operation_not_allowed' | 'not_a_requester' | 'public_sharing_disabled' | 'no_approvers'> {
  const { policy, userId, kind, groups } = input;
  const account = acct(input.accountAlias);
  if (!policy.allowedOperations.includes(kind)) {
    const allowed = policy.allowedOperations;
    return refuse(
      'operation_not_allowed',
      `\`${kind}\` is not allowed in account ${account}.` +
        (allowed.length > 0
          ? ` Allowed there: ${allowed.map((k) => `\`${k}\``).join(', ')}.`
          : ' No changes are allowed there.'),
    );
  }
  if (!matchesPrincipal(requestersFor(policy, kind), userId, groups)) {
    return refuse(
      'not_a_requester',
      `You are not on the list of people who may request \`${kind}\` in account ${account}. ` +
        (PROMOTION_KINDS.includes(kind)
          ? 'Golden-image promotions and rollbacks are for the account’s `promoters` (by default its approvers); ask an amibot admin to add you.'
          : 'Ask an amibot admin to add you (or one of your user groups) to the account’s policy requesters.'),
    );
  }
  if (input.publicShare && !policy.allowPublicSharing) {
    return refuse(
      'public_sharing_disabled',
      `Public sharing is turned off for account ${account}: images there cannot be shared with everyone. ` +
        'Share with specific account ids or an organization instead, or ask an admin to set `allowPublicSharing`.',
    );
  }
  if (needsApproval(policy, kind)) {
    if (policy.approvers.length === 0) {
      return refuse(
        'no_approvers',
        `\`${kind}\` needs approval in account ${account}, but nobody is configured to approve it. ` +
          'An amibot admin has to add approvers (Slack user or user-group ids) to the account’s policy.',
      );
    }
    const known = enumerateApprovers(policy.approvers, groups);
    const required = approvalsRequiredFor(policy, kind);
    if (known !== undefined) {
      known.delete(userId);
      if (known.size < required) {
        return refuse(
          'no_approvers',
          `\`${kind}\` in account ${account} needs ${required} approval${required === 1 ? '' : 's'} ` +
            `from someone other than you, but ${known.size === 0 ? 'there is nobody else' : `there ${known.size === 1 ? 'is only 1 other approver' : `are only ${known.size} other approvers`}`} ` +
            'on the list. An amibot admin has to add approvers to the account’s policy.',
        );
      }
    }
  }
  return OK;
}

const STATE_PHRASE: Record<RequestState, string> = {
  pending: 'is waiting for approval',
  approved: 'is already approved',
  queued: 'is already approved and queued',
  running: 'is already running',
  succeeded: 'has already succeeded',
  failed: 'has already failed',
  rejected: 'was rejected',
  expired: 'has expired',
  cancelled: 'was cancelled',
};

export interface CheckDecisionInput {
  policy: AccountPolicy;
  request: AmiRequest;
  userId: string;
  groups: GroupMembers;
  decision: 'approve' | 'reject';
  /** When given, a pending request past its `expiresAt` is treated as expired (`not_pending`). */
  now?: Date;
}

/**
 * May `userId` approve or reject `request`? Checks, in order: the request is pending (and, with
 * `now`, not past its expiry), the user is not the requester, the user is an approver, and — for
 * approvals — the user has not approved it already.
 */
export function checkDecision(
  input: CheckDecisionInput,
): PolicyResult<'not_pending' | 'self_approval' | 'not_approver' | 'already_approved'> {
  const { policy, request, userId, groups, decision } = input;
  const id = `\`${request.id}\``;
  if (request.state !== 'pending') {
    return refuse(
      'not_pending',
      `Request ${id} ${STATE_PHRASE[request.state]}, so it can no longer be decided.`,
    );
  }
  if (input.now !== undefined) {
    const expires = Date.parse(request.expiresAt);
    if (!Number.isNaN(expires) && input.now.getTime() >= expires) {
      return refuse(
        'not_pending',
        `Request ${id} has expired without enough approvals, so it can no longer be decided.`,
      );
    }
  }
  if (userId === request.requester) {
    return refuse(
      'self_approval',
      decision === 'approve'
        ? `You filed request ${id}, so you cannot approve it: someone else has to.`
        : `You filed request ${id}; to withdraw it, use \`/ami cancel ${request.id}\` instead of rejecting it.`,
    );
  }
  if (!matchesPrincipal(policy.approvers, userId, groups)) {
    return refuse(
      'not_approver',
      `You are not an approver for account ${acct(request.account)}, so you cannot ${decision} request ${id}.`,
    );
  }
  if (decision === 'approve' && request.approvals.some((a) => a.userId === userId)) {
    return refuse(
      'already_approved',
      `You have already approved request ${id}; it needs ${request.approvalsNeeded} approval${request.approvalsNeeded === 1 ? '' : 's'} from different people.`,
    );
  }
  return OK;
}

/** States in which `/ami cancel` works. */
export const CANCELLABLE_STATES: readonly RequestState[] = ['pending', 'approved', 'queued'];

export interface CheckCancelInput {
  policy: AccountPolicy;
  request: AmiRequest;
  userId: string;
  groups: GroupMembers;
}

/** May `userId` cancel `request`? The requester or an approver, while the request has not started. */
export function checkCancel(input: CheckCancelInput): PolicyResult<'not_cancellable' | 'not_allowed'> {
  const { policy, request, userId, groups } = input;
  const id = `\`${request.id}\``;
  // A running copy (or promotion) can still be stopped: its jobs deregister the partial images.
  // So can a running prune: it stops before the next image.
  const longRunning =
    request.state === 'running' &&
    (request.kind === 'copy' ||
      request.kind === 'encrypt' ||
      request.kind === 'promote' ||
      isBatch(request.kind));
  if (!CANCELLABLE_STATES.includes(request.state) && !longRunning) {
    return refuse(
      'not_cancellable',
      request.state === 'running'
        ? `Request ${id} is already running and can no longer be cancelled.`
        : `Request ${id} ${STATE_PHRASE[request.state]}; there is nothing left to cancel.`,
    );
  }
  if (userId !== request.requester && !matchesPrincipal(policy.approvers, userId, groups)) {
    return refuse(
      'not_allowed',
      `Only the requester (${SLACK_USER_ID_RE.test(request.requester) ? `<@${request.requester}>` : 'who filed it'}) or an approver for account ${acct(request.account)} can cancel request ${id}.`,
    );
  }
  return OK;
}

// ---------------------------------------------------------------------------------------------
// Launch permissions carried from one image to another

/**
 * The launch permissions an image may be given from a source image's (`copy --with-permissions`,
 * `encrypt --replace`): all of them, except `public` when the account does not allow public
 * sharing. No path may make an image public without that setting.
 */
export function grantsWithinPolicy(
  policy: Pick<AccountPolicy, 'allowPublicSharing'>,
  source: LaunchPermissions,
): { permissions: LaunchPermissions; publicDropped: boolean } {
  const publicDropped = source.public && !policy.allowPublicSharing;
  return {
    permissions: {
      public: source.public && policy.allowPublicSharing,
      accounts: [...new Set(source.accounts)],
      organizations: [...new Set(source.organizations)],
      organizationalUnits: [...new Set(source.organizationalUnits)],
    },
    publicDropped,
  };
}

/** How many permissions a set holds (public counts as one). */
export function countPermissions(p: LaunchPermissions): number {
  return p.accounts.length + p.organizations.length + p.organizationalUnits.length + (p.public ? 1 : 0);
}
