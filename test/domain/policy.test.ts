import { describe, expect, it } from 'vitest';
import {
  type AccountPolicy,
  type AccountPolicyInput,
  accountPolicySchema,
  CANCELLABLE_STATES,
  checkCancel,
  checkDecision,
  checkRequest,
  DEFAULT_POLICY,
  type GroupMembers,
  grantsWithinPolicy,
  matchesPrincipal,
  needsApproval,
  referencedGroups,
  requestersFor,
} from '../../src/domain/policy.js';
import {
  OPERATION_KINDS,
  type OperationKind,
  REQUEST_STATES,
  type RequestState,
} from '../../src/domain/request.js';
import { aRequest, NOW } from './request-fixtures.js';

const REQ = 'UREQ0001';
const ALICE = 'UALICE01';
const BOB = 'UBOB0001';
const CAROL = 'WCAROL01';
const EVE = 'UEVE0001';

/** S-PLATFORM: alice, bob, and the requester. S-SEC: carol. S-EMPTY: nobody. */
const GROUPS: GroupMembers = new Map([
  ['SPLATFORM', new Set([ALICE, BOB, REQ])],
  ['SSEC0001', new Set([CAROL])],
  ['SEMPTY01', new Set<string>()],
]);

function policy(input: AccountPolicyInput = {}): AccountPolicy {
  return accountPolicySchema.parse(input);
}

describe('accountPolicySchema', () => {
  it('fills every default', () => {
    expect(DEFAULT_POLICY).toEqual({
      requesters: { default: ['*'] },
      approvers: [],
      approvalsRequired: 1,
      allowedOperations: [...OPERATION_KINDS],
      allowPublicSharing: false,
      autoApprove: [],
      requestTtlHours: 24,
      expiredImageAction: 'remind',
    });
    expect(Object.isFrozen(DEFAULT_POLICY.approvers)).toBe(true);
  });

  it('accepts a full policy', () => {
    const p = policy({
      approvalChannel: 'C0123ABCD',
      requesters: { deregister: ['SPLATFORM'], share: [ALICE, CAROL], default: ['*'] },
      approvers: ['SPLATFORM', CAROL],
      approvalsRequired: 2,
      allowedOperations: ['share', 'copy', 'copy', 'deregister'],
      allowPublicSharing: true,
      autoApprove: ['copy'],
      requestTtlHours: 72,
      expiredImageAction: 'request-deregister',
      reminderChannel: 'G0123ABCD',
    });
    expect(p.allowedOperations).toEqual(['share', 'copy', 'deregister']);
    expect(p.requesters.deregister).toEqual(['SPLATFORM']);
  });

  it('fills `default: ["*"]` when requesters name some operations only', () => {
    expect(policy({ requesters: { share: [ALICE] } }).requesters).toEqual({ share: [ALICE], default: ['*'] });
    expect(policy({ requesters: { default: [] } }).requesters).toEqual({ default: [] });
  });

  describe.each<[string, unknown, string, string]>([
    ['principal not an id', { approvers: ['alice'] }, 'approvers.0', 'Slack user id'],
    ['lowercase user id', { approvers: ['u123abc'] }, 'approvers.0', 'Slack user id'],
    ['channel as principal', { approvers: ['C123ABC'] }, 'approvers.0', 'user-group id'],
    ['approvers not a list', { approvers: 'U123ABC' }, 'approvers', 'must be a list'],
    [
      'unknown requester key',
      { requesters: { sharing: ['*'] } },
      'requesters',
      'unknown operation(s) "sharing"',
    ],
    ['requesters not a map', { requesters: ['*'] }, 'requesters', 'must map operations'],
    ['approvalsRequired 0', { approvalsRequired: 0 }, 'approvalsRequired', 'at least 1'],
    ['approvalsRequired 6', { approvalsRequired: 6 }, 'approvalsRequired', 'at most 5'],
    ['approvalsRequired 1.5', { approvalsRequired: 1.5 }, 'approvalsRequired', 'whole number'],
    ['unknown operation', { allowedOperations: ['scan'] }, 'allowedOperations.0', 'must be one of share'],
    ['unknown auto-approve', { autoApprove: ['nuke'] }, 'autoApprove.0', 'must be one of'],
    ['channel name', { approvalChannel: '#ami-approvals' }, 'approvalChannel', 'channel id'],
    ['reminder channel', { reminderChannel: 'UABC123' }, 'reminderChannel', 'channel id'],
    ['ttl 0', { requestTtlHours: 0 }, 'requestTtlHours', 'at least 1 hour'],
    ['ttl 400', { requestTtlHours: 400 }, 'requestTtlHours', 'at most 336'],
    ['public sharing "yes"', { allowPublicSharing: 'yes' }, 'allowPublicSharing', 'true or false'],
    ['expired action', { expiredImageAction: 'delete' }, 'expiredImageAction', '"remind"'],
    ['unknown setting', { approver: [ALICE] }, '', 'unknown policy setting(s) "approver"'],
  ])('refuses %s', (_name, input, path, message) => {
    it('with a friendly message at the right path', () => {
      const r = accountPolicySchema.safeParse(input);
      expect(r.success).toBe(false);
      const issue = r.error?.issues.find((i) => i.path.join('.') === path);
      expect(issue?.message).toContain(message);
    });
  });
});

describe('referencedGroups', () => {
  it('lists every group once, in order of appearance', () => {
    const p = policy({
      requesters: { share: ['SPLATFORM', ALICE], deregister: ['SSEC0001', 'SPLATFORM'], default: ['*'] },
      approvers: [BOB, 'SAPPROVE1', 'SSEC0001'],
    });
    expect(referencedGroups(p)).toEqual(['SPLATFORM', 'SSEC0001', 'SAPPROVE1']);
    expect(referencedGroups(DEFAULT_POLICY)).toEqual([]);
  });
});

describe('matchesPrincipal', () => {
  describe.each<[string, string[], string, boolean]>([
    ['everyone', ['*'], EVE, true],
    ['the user id', [ALICE], ALICE, true],
    ['an enterprise user id (W…)', [CAROL], CAROL, true],
    ['another user id', [BOB], ALICE, false],
    ['a group the user is in', ['SPLATFORM'], ALICE, true],
    ['a group the user is not in', ['SSEC0001'], ALICE, false],
    ['an empty group', ['SEMPTY01'], ALICE, false],
    ['an unresolved group', ['SUNKNOWN1'], ALICE, false],
    ['nobody', [], ALICE, false],
    ['one of several', [BOB, 'SSEC0001', ALICE], ALICE, true],
  ])('%s', (_name, principals, user, expected) => {
    it(`→ ${expected}`, () => {
      expect(matchesPrincipal(principals, user, GROUPS)).toBe(expected);
    });
  });
});

describe('requestersFor / needsApproval', () => {
  it('uses the kind’s own entry, else default', () => {
    const p = policy({ requesters: { deregister: ['SPLATFORM'], default: [ALICE] } });
    expect(requestersFor(p, 'deregister')).toEqual(['SPLATFORM']);
    expect(requestersFor(p, 'copy')).toEqual([ALICE]);
  });
  it.each(OPERATION_KINDS)('%s needs approval unless auto-approved', (kind) => {
    expect(needsApproval(DEFAULT_POLICY, kind)).toBe(true);
    expect(needsApproval(policy({ autoApprove: [kind] }), kind)).toBe(false);
  });
});

interface RequestCase {
  name: string;
  policy: AccountPolicyInput;
  user?: string;
  kind?: OperationKind;
  publicShare?: boolean;
  code?: string;
  says?: string;
}

describe('checkRequest', () => {
  const approvers = { approvers: [ALICE] };
  describe.each<RequestCase>([
    { name: 'default policy with an approver', policy: approvers },
    {
      name: 'operation not allowed',
      policy: { ...approvers, allowedOperations: ['copy', 'share'] },
      kind: 'deregister',
      code: 'operation_not_allowed',
      says: '`deregister` is not allowed in account *prod*. Allowed there: `copy`, `share`.',
    },
    {
      name: 'no operation allowed',
      policy: { ...approvers, allowedOperations: [] },
      code: 'operation_not_allowed',
      says: 'No changes are allowed there.',
    },
    {
      name: 'not allowed wins over not a requester',
      policy: { ...approvers, allowedOperations: ['copy'], requesters: { default: [] } },
      code: 'operation_not_allowed',
    },
    {
      name: 'requester via the kind’s group',
      policy: { ...approvers, requesters: { share: ['SPLATFORM'], default: [] } },
    },
    {
      name: 'not in the kind’s group',
      policy: { ...approvers, requesters: { share: ['SSEC0001'], default: ['*'] } },
      code: 'not_a_requester',
      says: 'may request `share` in account *prod*',
    },
    {
      name: 'falls back to default',
      policy: { ...approvers, requesters: { deregister: ['SSEC0001'], default: [REQ] } },
    },
    {
      name: 'default closed',
      policy: { ...approvers, requesters: { default: [] } },
      code: 'not_a_requester',
    },
    {
      name: 'no default given: open to everyone',
      policy: { ...approvers, requesters: { deregister: ['SSEC0001'] } },
      kind: 'copy',
    },
    {
      name: 'public sharing disabled',
      policy: approvers,
      publicShare: true,
      code: 'public_sharing_disabled',
      says: 'Public sharing is turned off for account *prod*',
    },
    { name: 'public sharing enabled', policy: { ...approvers, allowPublicSharing: true }, publicShare: true },
    {
      name: 'no approvers configured',
      policy: {},
      code: 'no_approvers',
      says: 'nobody is configured to approve it',
    },
    { name: 'no approvers, but auto-approved', policy: { autoApprove: ['share'] } },
    {
      name: 'the requester is the only approver',
      policy: { approvers: [REQ] },
      code: 'no_approvers',
      says: 'there is nobody else',
    },
    {
      name: 'two approvals, one approver',
      policy: { approvers: [ALICE], approvalsRequired: 2 },
      code: 'no_approvers',
      says: 'needs 2 approvals from someone other than you, but there is only 1 other approver',
    },
    {
      name: 'two approvals from a group of three including the requester',
      policy: { approvers: ['SPLATFORM'], approvalsRequired: 2 },
    },
    {
      name: 'three approvals from a group of three including the requester',
      policy: { approvers: ['SPLATFORM'], approvalsRequired: 3 },
      code: 'no_approvers',
      says: 'there are only 2 other approvers',
    },
    {
      name: 'users and groups add up',
      policy: { approvers: ['SPLATFORM', 'SSEC0001', ALICE], approvalsRequired: 3 },
    },
    { name: 'everyone approves', policy: { approvers: ['*'], approvalsRequired: 5 } },
    {
      name: 'unresolved group: cannot count, so allowed',
      policy: { approvers: ['SUNKNOWN1'], approvalsRequired: 2 },
    },
    {
      name: 'empty group',
      policy: { approvers: ['SEMPTY01'] },
      code: 'no_approvers',
    },
  ])('$name', (c) => {
    it(c.code ? `→ ${c.code}` : '→ ok', () => {
      const r = checkRequest({
        policy: policy(c.policy),
        accountAlias: 'prod',
        userId: c.user ?? REQ,
        kind: c.kind ?? 'share',
        groups: GROUPS,
        publicShare: c.publicShare ?? false,
      });
      if (c.code === undefined) {
        expect(r).toEqual({ ok: true });
      } else {
        expect(r).toMatchObject({ ok: false, code: c.code });
        if (c.says && !r.ok) expect(r.message).toContain(c.says);
      }
    });
  });

  it('escapes the account alias in messages', () => {
    const r = checkRequest({
      policy: DEFAULT_POLICY,
      accountAlias: '<!channel>*x*',
      userId: REQ,
      kind: 'share',
      groups: GROUPS,
      publicShare: false,
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).not.toMatch(/<!channel>/);
  });
});

interface DecisionCase {
  name: string;
  policy: AccountPolicyInput;
  state?: RequestState;
  approvals?: string[];
  approvalsNeeded?: number;
  user: string;
  decision?: 'approve' | 'reject';
  now?: Date;
  code?: string;
  says?: string;
}

describe('checkDecision', () => {
  const one = { approvers: [ALICE, 'SSEC0001'] };
  const two = { approvers: ['SPLATFORM', 'SSEC0001'], approvalsRequired: 2 };
  describe.each<DecisionCase>([
    { name: 'an approver approves', policy: one, user: ALICE },
    { name: 'an approver rejects', policy: one, user: ALICE, decision: 'reject' },
    { name: 'a group approver approves', policy: one, user: CAROL },
    { name: 'everyone may approve', policy: { approvers: ['*'] }, user: EVE },
    {
      name: 'a stranger approves',
      policy: one,
      user: EVE,
      code: 'not_approver',
      says: 'You are not an approver for account *prod*, so you cannot approve request `req-k3j9x0a2b1`',
    },
    { name: 'a stranger rejects', policy: one, user: EVE, decision: 'reject', code: 'not_approver' },
    {
      name: 'the requester approves',
      policy: one,
      user: REQ,
      code: 'self_approval',
      says: 'cannot approve it',
    },
    {
      name: 'the requester, also an approver, approves',
      policy: { approvers: [REQ, ALICE] },
      user: REQ,
      code: 'self_approval',
    },
    {
      name: 'the requester, approver via group, approves',
      policy: two,
      approvalsNeeded: 2,
      user: REQ,
      code: 'self_approval',
    },
    {
      name: 'the requester rejects',
      policy: one,
      user: REQ,
      decision: 'reject',
      code: 'self_approval',
      says: 'use `/ami cancel req-k3j9x0a2b1`',
    },
    {
      name: 'approves twice',
      policy: one,
      approvalsNeeded: 2,
      approvals: [ALICE],
      user: ALICE,
      code: 'already_approved',
      says: 'needs 2 approvals from different people',
    },
    {
      name: 'rejects after approving',
      policy: two,
      approvalsNeeded: 2,
      approvals: [ALICE],
      user: ALICE,
      decision: 'reject',
    },
    { name: 'two approvals: first', policy: two, approvalsNeeded: 2, user: ALICE },
    { name: 'two approvals: second', policy: two, approvalsNeeded: 2, approvals: [ALICE], user: CAROL },
    {
      name: 'two approvals: same person again',
      policy: two,
      approvalsNeeded: 2,
      approvals: [ALICE],
      user: ALICE,
      code: 'already_approved',
    },
    {
      name: 'two approvals: requester via group',
      policy: two,
      approvalsNeeded: 2,
      approvals: [ALICE],
      user: REQ,
      code: 'self_approval',
    },
    {
      name: 'past its expiry (with now)',
      policy: one,
      user: ALICE,
      now: new Date(NOW.getTime() + 24 * 3_600_000),
      code: 'not_pending',
      says: 'has expired',
    },
    { name: 'before its expiry (with now)', policy: one, user: ALICE, now: NOW },
    {
      name: 'not pending beats self approval',
      policy: one,
      state: 'approved',
      user: REQ,
      code: 'not_pending',
      says: 'is already approved',
    },
  ])('$name', (c) => {
    it(c.code ? `→ ${c.code}` : '→ ok', () => {
      const request = aRequest({
        state: c.state ?? 'pending',
        approvalsNeeded: c.approvalsNeeded ?? 1,
        approvals: (c.approvals ?? []).map((userId) => ({ userId, at: NOW.toISOString() })),
      });
      const r = checkDecision({
        policy: policy(c.policy),
        request,
        userId: c.user,
        groups: GROUPS,
        decision: c.decision ?? 'approve',
        ...(c.now ? { now: c.now } : {}),
      });
      if (c.code === undefined) {
        expect(r).toEqual({ ok: true });
      } else {
        expect(r).toMatchObject({ ok: false, code: c.code });
        if (c.says && !r.ok) expect(r.message).toContain(c.says);
      }
    });
  });

  describe.each(REQUEST_STATES.filter((s) => s !== 'pending'))('a request in state %s', (state) => {
    it.each(['approve', 'reject'] as const)('cannot be %sd, and the message says its state', (decision) => {
      const r = checkDecision({
        policy: policy(one),
        request: aRequest({ state }),
        userId: ALICE,
        groups: GROUPS,
        decision,
      });
      expect(r).toMatchObject({ ok: false, code: 'not_pending' });
      if (!r.ok) {
        expect(r.message).toContain('`req-k3j9x0a2b1`');
        expect(r.message).toMatch(new RegExp(state === 'queued' ? 'queued' : state.replace(/ed$/, '')));
      }
    });
  });
});

describe('checkCancel', () => {
  const p = policy({ approvers: [ALICE, 'SSEC0001'] });
  describe.each<[string, RequestState, string, string | undefined]>([
    ['requester, pending', 'pending', REQ, undefined],
    ['requester, approved', 'approved', REQ, undefined],
    ['requester, queued', 'queued', REQ, undefined],
    ['approver, pending', 'pending', ALICE, undefined],
    ['group approver, queued', 'queued', CAROL, undefined],
    ['stranger, pending', 'pending', EVE, 'not_allowed'],
    ['requester, running', 'running', REQ, 'not_cancellable'],
    ['requester, succeeded', 'succeeded', REQ, 'not_cancellable'],
    ['approver, failed', 'failed', ALICE, 'not_cancellable'],
    ['requester, rejected', 'rejected', REQ, 'not_cancellable'],
    ['requester, expired', 'expired', REQ, 'not_cancellable'],
    ['requester, cancelled', 'cancelled', REQ, 'not_cancellable'],
    ['stranger, succeeded', 'succeeded', EVE, 'not_cancellable'],
  ])('%s', (_name, state, user, code) => {
    it(code ? `→ ${code}` : '→ ok', () => {
      const r = checkCancel({ policy: p, request: aRequest({ state }), userId: user, groups: GROUPS });
      if (code === undefined) expect(r).toEqual({ ok: true });
      else expect(r).toMatchObject({ ok: false, code });
    });
  });

  it('lets a running copy be cancelled (its job removes the partial image), but not a running share', () => {
    const copy = aRequest({
      state: 'running',
      kind: 'copy',
      params: { kind: 'copy', toRegions: ['eu-west-1'], encrypt: false, withPermissions: false },
    });
    expect(checkCancel({ policy: p, request: copy, userId: REQ, groups: GROUPS })).toEqual({ ok: true });
    expect(checkCancel({ policy: p, request: copy, userId: EVE, groups: GROUPS })).toMatchObject({
      code: 'not_allowed',
    });
    expect(
      checkCancel({ policy: p, request: aRequest({ state: 'running' }), userId: REQ, groups: GROUPS }),
    ).toMatchObject({
      code: 'not_cancellable',
    });
  });

  it('names the requester and the account when refusing a stranger', () => {
    const r = checkCancel({ policy: p, request: aRequest(), userId: EVE, groups: GROUPS });
    expect(!r.ok && r.message).toContain('<@UREQ0001>');
    expect(!r.ok && r.message).toContain('*prod*');
  });

  it('cancellable states are states the state machine can cancel from', () => {
    for (const s of CANCELLABLE_STATES) expect(['pending', 'approved', 'queued', 'running']).toContain(s);
  });
});

describe('grantsWithinPolicy', () => {
  const source = {
    public: true,
    accounts: ['222222222222', '222222222222'],
    organizations: [],
    organizationalUnits: ['arn:aws:organizations::1:ou/o-a/ou-ab12-cdef3456'],
  };

  it('keeps public back unless the account allows public sharing', () => {
    expect(grantsWithinPolicy({ allowPublicSharing: false }, source)).toEqual({
      permissions: { ...source, public: false, accounts: ['222222222222'] },
      publicDropped: true,
    });
    expect(grantsWithinPolicy({ allowPublicSharing: true }, source)).toEqual({
      permissions: { ...source, accounts: ['222222222222'] },
      publicDropped: false,
    });
  });

  it('a private source drops nothing', () => {
    expect(
      grantsWithinPolicy({ allowPublicSharing: false }, { ...source, public: false }).publicDropped,
    ).toBe(false);
  });
});
