/**
 * Every message builder in `src/blocks/`, rendered with hostile text in every string it is given
 * (names, descriptions, tags, reasons, AWS messages, aliases, ids…), read back as Slack reads
 * mrkdwn: the only links, mentions and specials in the output are the ones the bot put there
 * itself (mentions of the fixture's own user, group and channel ids), the hostile text is shown
 * as text, and the message stays within Slack's limits.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderAccessAudit, renderAccessFiled } from '../../src/blocks/access.js';
import { renderWorking } from '../../src/blocks/ack.js';
import { approverHint, renderApprovalMessage } from '../../src/blocks/approval.js';
import { renderAuditEntries } from '../../src/blocks/audit.js';
import { renderCost } from '../../src/blocks/cost.js';
import { renderError } from '../../src/blocks/error.js';
import { type ChannelInventory, renderExpiryDigest } from '../../src/blocks/expiry-digest.js';
import { renderFileRequestModal } from '../../src/blocks/file-request-modal.js';
import { renderFindResults } from '../../src/blocks/find-results.js';
import { renderFindingNotice, renderFindingReminder } from '../../src/blocks/finding-notice.js';
import { renderCatalogue } from '../../src/blocks/golden.js';
import { renderHelp, renderHelpTopic } from '../../src/blocks/help.js';
import { type HomeView, renderHome } from '../../src/blocks/home.js';
import { renderImageDetails } from '../../src/blocks/image-details.js';
import { renderImageList } from '../../src/blocks/image-list.js';
import { renderJobs } from '../../src/blocks/jobs.js';
import { assertWithinSlackLimits } from '../../src/blocks/limits.js';
import type { SlackMessage } from '../../src/blocks/message.js';
import { controlsOf, describeControl, visibleText } from '../../src/blocks/mrkdwn-reader.js';
import { renderOrphans } from '../../src/blocks/orphans.js';
import { renderScanNeeded } from '../../src/blocks/promotion.js';
import { renderPruneDryRun } from '../../src/blocks/prune.js';
import { renderRejectModal } from '../../src/blocks/reject-modal.js';
import {
  reminderNoteText,
  reminderOutcomeText,
  renderMalformedExpiry,
  renderReminder,
  renderReminderOutcome,
} from '../../src/blocks/reminder.js';
import {
  renderAutoApproved,
  renderNotFiled,
  renderRequestConfirmation,
} from '../../src/blocks/request-confirmation.js';
import { renderRequestReply } from '../../src/blocks/request-reply.js';
import { renderRequestsList } from '../../src/blocks/requests-list.js';
import { renderScanMessage, renderScanStarted } from '../../src/blocks/scan-report.js';
import { renderUnused } from '../../src/blocks/unused.js';
import { renderWhy } from '../../src/blocks/why.js';
import { describeOperation } from '../../src/domain/describe-request.js';
import { goldenConfigSchema } from '../../src/domain/golden.js';
import { diagnoseLaunch, type LaunchFacts } from '../../src/domain/golden-why.js';
import type { AmiRequest, OperationParams, PruneImageItem } from '../../src/domain/request.js';
import type { ScanRecord, ScanReport } from '../../src/domain/scan.js';
import type { AccessReport } from '../../src/hygiene/access.js';
import type { PrunePlan } from '../../src/hygiene/prune-plan.js';
import type { FindingPost } from '../../src/store/findings.js';
import { aRequest } from '../domain/request-fixtures.js';
import { ownImage, ubuntuImage } from './fixtures.js';

const NOW = new Date('2026-11-21T12:00:00Z');

/** The ids the fixtures give the bot to mention: the only mentions allowed in any output. */
const OWN = {
  requester: 'UREQ0001',
  approver: 'UAPP0001',
  owner: 'U0OWNER1',
  group: 'SAPPGRP1',
  channel: 'COPS0001',
};

const HOSTILE: readonly string[] = [
  '<!channel>',
  '<!here|x>',
  '<!everyone>',
  '<!subteam^S0EVIL|@admins>',
  '<!date^1392734382^{date_pretty}|Feb 18>',
  '<https://evil.example|the runbook>',
  '<https://evil.example>',
  '<mailto:ceo@evil.example|mail the CEO>',
  '<@U123>',
  '<@W0BOSS|boss>',
  '<#C0GENERAL|general>',
  '<<!channel>>',
  '<!channel',
  'a > b < c & d',
  '&lt;!channel&gt;',
  '&amp;lt;@U1&amp;gt;',
  '&#60;!here&#62;',
  '*bold* _italic_ ~strike~',
  '`code <!here>`',
  '```\n<!channel>\n```',
  '> quoted <@U123>\n> <https://evil.example|x>',
  '\u202Eevil\u202C <!channel> \u200F\u200E',
  '🚀 <@U123> 👩‍👩‍👧‍👦',
  '|<https://evil.example|x>|',
  '\n\n<!here>\n',
  'x'.repeat(4000),
  '<!channel> '.repeat(400),
  '🚀'.repeat(2000),
];

type Mode = 'own-ids' | 'hostile-ids';

/** Keys whose values are the bot's own vocabulary (enums, ids it generated, dates): kept as they are. */
const STRUCTURAL = new Set([
  'state',
  'kind',
  'severity',
  'source',
  'verdict',
  'result',
  'status',
  'expirySource',
  'id',
  'reminderId',
  'written',
]);
/** Slack ids: kept in `own-ids` mode (so the bot's mentions appear), hostile in `hostile-ids` mode. */
const SLACK_ID_KEYS = new Set(['requester', 'userId', 'by', 'channel', 'actor']);
const ISO = /^\d{4}-\d\d-\d\d(T[\d:.]+Z)?$/;

/** A deep copy of `value` with every free-text string replaced by `h`. */
function hostilize<T>(value: T, h: string, mode: Mode, key = ''): T {
  if (typeof value === 'string') {
    if (STRUCTURAL.has(key) || ISO.test(value)) return value;
    if (SLACK_ID_KEYS.has(key) && mode === 'own-ids') return value;
    return h as T;
  }
  if (Array.isArray(value)) return value.map((v) => hostilize(v, h, mode, key)) as T;
  if (value instanceof Date || value instanceof Map) return value;
  if (value && typeof value === 'object') {
    if ((key === 'tags' && !('written' in value)) || key === 'values') return { [h]: h, [`${h}-2`]: '' } as T;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = hostilize(v, h, mode, k);
    return out as T;
  }
  return value;
}

const PARAMS: OperationParams[] = [
  { kind: 'share', targets: [{ kind: 'account', accountId: '222222222222' }, { kind: 'public' }] },
  {
    kind: 'unshare',
    targets: [
      { kind: 'organization', arn: 'arn:aws:organizations::111111111111:organization/o-abc' },
      { kind: 'ou', arn: 'arn:aws:organizations::111111111111:ou/o-abc/ou-ab-cdef' },
    ],
  },
  { kind: 'deprecate', deprecateAt: '2026-12-01T00:00:00.000Z' },
  { kind: 'expire', expiresAt: '2026-12-01T00:00:00.000Z', tagKey: 'ExpirationDate' },
  { kind: 'deregister', keepSnapshots: false, force: true },
  {
    kind: 'copy',
    toRegions: ['eu-west-1', 'eu-central-1'],
    newName: 'copy-name',
    encrypt: true,
    kmsKeyId: 'alias/team',
    withPermissions: true,
  },
  { kind: 'encrypt', kmsKeyId: 'alias/team', replace: true } as OperationParams,
  {
    kind: 'prune',
    family: 'app-web',
    keep: 3,
    olderThanMs: 90 * 86_400_000,
    images: [pruneItem('ami-0123456789abcdef0'), pruneItem('ami-0123456789abcdef1')],
    freedGiB: 16,
    monthlyUsd: 0.8,
  },
  {
    kind: 'delete-snapshots',
    snapshots: [
      {
        snapshotId: 'snap-0123456789abcdef0',
        sizeGiB: 30,
        reason: 'image-gone',
        imageId: 'ami-0deadbeef0000001',
      },
      { snapshotId: 'snap-0123456789abcdef1', sizeGiB: 100, reason: 'unused' },
    ],
    gib: 130,
    monthlyUsd: 6.5,
  },
  {
    kind: 'promote',
    family: 'web-base',
    regions: [
      {
        region: 'us-east-1',
        keyArn: 'arn:aws:kms:us-east-1:111111111111:key/k',
        parameter: '/amibot/golden/web-base/latest',
        previousImageId: 'ami-0prev',
      },
      {
        region: 'eu-west-1',
        keyArn: 'arn:aws:kms:eu-west-1:111111111111:key/k',
        parameter: '/amibot/golden/web-base/latest',
      },
    ],
    targets: [{ kind: 'account', accountId: '222222222222' }],
    kmsGrants: [
      { region: 'us-east-1', keyArn: 'arn:aws:kms:us-east-1:111111111111:key/k', accountId: '222222222222' },
    ],
    tags: { Approved: 'yes' },
    deprecatePreviousAfterDays: 14,
  },
  {
    kind: 'rollback',
    family: 'web-base',
    regions: [
      {
        region: 'us-east-1',
        parameter: '/amibot/golden/web-base/latest',
        current: 'ami-0cur',
        previous: 'ami-0prev',
      },
    ],
  },
  {
    kind: 'revoke-sharing',
    images: [
      {
        imageId: 'ami-0123456789abcdef0',
        name: 'shared-image',
        region: 'us-east-1',
        remove: {
          public: true,
          accounts: ['999988887777', '444455556666'],
          organizations: ['arn:aws:organizations::111111111111:organization/o-abcdefghij'],
          organizationalUnits: ['arn:aws:organizations::111111111111:ou/o-abcdefghij/ou-ab12-cdefghij'],
        },
      },
      {
        imageId: 'ami-0123456789abcdef1',
        name: 'other-image',
        region: 'eu-west-1',
        remove: { public: false, accounts: ['444455556666'], organizations: [], organizationalUnits: [] },
      },
    ],
    offboard: '444455556666',
  },
  {
    kind: 'waive',
    findingId: 'CVE-2026-12345',
    severity: 'critical',
    title: 'openssl: remote code execution',
    until: '2026-12-31T00:00:00.000Z',
    reason: 'not reachable: no TLS listener',
    scanId: 'scan-abc123def4',
  },
];

const ACCESS_REPORT: AccessReport = {
  offboard: '444455556666',
  entries: [
    {
      account: 'prod',
      region: 'us-east-1',
      imageId: 'ami-0123456789abcdef0',
      name: 'public-image',
      outside: { public: true, accounts: ['999988887777'], organizations: [], organizationalUnits: [] },
      sharedWithOffboarded: false,
      remove: { public: true, accounts: ['999988887777'], organizations: [], organizationalUnits: [] },
      allowed: 1,
    },
    {
      account: 'prod',
      region: 'eu-west-1',
      imageId: 'ami-0123456789abcdef1',
      name: 'partner-image',
      outside: { public: false, accounts: [], organizations: [], organizationalUnits: [] },
      sharedWithOffboarded: true,
      remove: { public: false, accounts: ['444455556666'], organizations: [], organizationalUnits: [] },
      allowed: 0,
    },
    {
      account: 'dev',
      region: 'us-east-1',
      imageId: 'ami-0123456789abcdef2',
      name: 'org-image',
      outside: {
        public: false,
        accounts: [],
        organizations: ['arn:aws:organizations::111111111111:organization/o-abcdefghij'],
        organizationalUnits: ['arn:aws:organizations::111111111111:ou/o-abcdefghij/ou-ab12-cdefghij'],
      },
      sharedWithOffboarded: false,
      remove: {
        public: false,
        accounts: [],
        organizations: ['arn:aws:organizations::111111111111:organization/o-abcdefghij'],
        organizationalUnits: ['arn:aws:organizations::111111111111:ou/o-abcdefghij/ou-ab12-cdefghij'],
      },
      allowed: 2,
    },
  ],
  scanned: 40,
  checked: 38,
  unchecked: 2,
  targets: 3,
  errors: ['prod/eu-west-1: AWS said no'],
};

const FINDING_POST: FindingPost = {
  id: 'rem-abcdefghij012345',
  type: 'notice',
  account: 'prod',
  region: 'us-east-1',
  imageId: 'ami-0123456789abcdef0',
  imageName: 'golden-base',
  channel: OWN.channel,
  owner: { userId: OWN.owner, label: 'owner label', team: 'platform' },
  scanId: 'scan-abc123def4',
  added: [
    { id: 'CVE-2026-1', severity: 'critical', title: 'openssl RCE', blocks: true },
    {
      id: 'unencrypted-snapshot',
      severity: 'high',
      title: 'A snapshot is not encrypted',
      due: '2026-11-28T12:00:00.000Z',
    },
    { id: 'no-ena', severity: 'low', title: 'ENA is not enabled' },
  ],
  reopened: [
    {
      id: 'CVE-2026-2',
      severity: 'medium',
      title: 'curl: heap overflow',
      due: '2026-11-20T00:00:00.000Z',
      waiverEnded: '2026-11-20T00:00:00.000Z',
    },
  ],
  critical: { action: 'deprecate', requestId: 'req-abc123def4', autoApproved: false },
  createdAt: NOW.toISOString(),
};

function pruneItem(imageId: string): PruneImageItem {
  return {
    imageId,
    name: 'app-web-2026-01-01',
    family: 'app-web',
    creationDate: '2026-01-01T00:00:00.000Z',
    snapshots: [{ snapshotId: 'snap-0123456789abcdef0', sizeGiB: 8 }],
    sizeGiB: 8,
    freedGiB: 8,
  };
}

const PLAN: PrunePlan = {
  account: 'prod',
  region: 'us-east-1',
  rule: { selector: { kind: 'tag', key: 'App', value: 'web' }, keep: 3, olderThanMs: 90 * 86_400_000 },
  families: [
    {
      family: 'App=web',
      total: 4,
      goes: [pruneItem('ami-0123456789abcdef0')],
      stays: [
        {
          image: {
            imageId: 'ami-0123456789abcdef2',
            name: 'app-web-2026-02-01',
            state: 'available',
            public: false,
            tags: { Team: 'web' },
            snapshots: [],
            sizeGiB: 8,
          },
          reasons: [
            { kind: 'in-use', users: ['instance `i-0123456789abcdef0` (stopped)'] },
            { kind: 'usage-unknown', reason: 'AWS said no' },
            { kind: 'hold', value: 'the auditors' },
          ],
        },
      ],
      freedGiB: 8,
      monthlyUsd: 0.4,
    },
  ],
  goes: [pruneItem('ami-0123456789abcdef0')],
  overLimit: 3,
  freedGiB: 8,
  monthlyUsd: 0.4,
  scanned: 10,
  selected: 4,
};

function request(over: Partial<AmiRequest> = {}): AmiRequest {
  return aRequest({
    requester: OWN.requester,
    approvals: [{ userId: OWN.approver, at: '2026-11-21T11:00:00.000Z' }],
    approvalsNeeded: 2,
    warnings: ['a warning from the pre-checks'],
    message: { channel: OWN.channel, ts: '1.2' },
    ...over,
  });
}

const REQUESTS: Array<[string, AmiRequest]> = [
  ...PARAMS.map((params): [string, AmiRequest] => [
    `pending ${params.kind}`,
    request({ params, kind: params.kind }),
  ]),
  [
    'rejected',
    request({
      state: 'rejected',
      rejection: { userId: OWN.approver, at: '2026-11-21T11:30:00.000Z', reason: 'the reason typed' },
    }),
  ],
  [
    'cancelled',
    request({ state: 'cancelled', cancellation: { userId: OWN.requester, at: '2026-11-21T11:30:00.000Z' } }),
  ],
  ['expired', request({ state: 'expired' })],
  [
    'running prune',
    request({
      state: 'running',
      params: PARAMS[7]!,
      kind: 'prune',
      imageId: '',
      batch: {
        items: {
          'ami-0123456789abcdef0': { state: 'deleted', deletedSnapshots: 1, freedGiB: 8 },
          'ami-0123456789abcdef1': { state: 'kept', note: 'it came into use: AWS words' },
        },
      },
    }),
  ],
  [
    'running revoke-sharing',
    request({
      state: 'running',
      params: PARAMS[9]!,
      kind: 'revoke-sharing',
      imageId: '',
      batch: {
        items: {
          'ami-0123456789abcdef0': { state: 'unshared', removed: 5, note: 'removed public, account 9' },
          'ami-0123456789abcdef1': { state: 'failed', note: 'AWS words' },
        },
      },
    }),
  ],
  [
    'running copy',
    request({
      state: 'running',
      params: PARAMS[5]!,
      kind: 'copy',
      progress: {
        'eu-west-1': { state: 'copying', percent: 40, imageId: 'ami-0123', reason: 'AWS said so' },
        'eu-central-1': { state: 'failed', reason: 'AWS refused' },
      },
    }),
  ],
  [
    'failed',
    request({ state: 'failed', result: { ok: false, summary: 'AWS error text', details: ['detail'] } }),
  ],
  [
    'running promotion',
    request({
      state: 'running',
      params: PARAMS[7]!,
      kind: 'promote',
      progress: {
        'us-east-1': { state: 'copying', percent: 40, imageId: 'ami-0123', steps: { copy: 'running' } },
        'eu-west-1': { state: 'failed', reason: 'AWS refused', steps: { copy: 'done', share: 'failed' } },
      },
    }),
  ],
];

function scanRecord(over: Partial<ScanRecord> = {}): ScanRecord {
  return {
    id: 'scan-abc123def4',
    imageId: 'ami-0123456789abcdef0',
    imageName: 'golden-base',
    account: 'prod',
    region: 'us-east-1',
    requester: OWN.requester,
    channel: OWN.channel,
    deep: true,
    state: 'running',
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    progress: { builtInDone: true, deepStatus: 'RUNNING', deepElapsedMs: 60_000 },
    ...over,
  };
}

function scanReport(deepStatus: 'succeeded' | 'failed'): ScanReport {
  return {
    finishedAt: NOW.toISOString(),
    image: { name: 'golden-base', ownerId: '111111111111', ownerAlias: 'alias', owned: true, trusted: true },
    builtIn: [
      { id: 'public', severity: 'high', title: 'title', detail: 'detail', remediation: 'fix it' },
      { id: 'age', severity: 'info', title: 'title', detail: 'detail', remediation: 'fix it' },
    ],
    deep:
      deepStatus === 'succeeded'
        ? {
            status: 'succeeded',
            durationMs: 60_000,
            counts: { critical: 1, high: 0, medium: 0, low: 0 },
            findings: [
              {
                id: 'CVE-1',
                severity: 'critical',
                title: 'title',
                package: 'pkg',
                fixedIn: '1.2',
                detail: 'd',
              },
            ],
          }
        : { status: 'failed', message: 'the state machine said no', durationMs: 1000 },
    counts: { critical: 1, high: 1, medium: 0, low: 0 },
    verdict: 'pass-with-deadlines',
    blocking: [{ severity: 'critical', count: 1 }],
    deadlines: [{ severity: 'high', count: 1, due: '2026-12-01', days: 10 }],
    noted: [{ severity: 'low', count: 0 }],
    complete: deepStatus === 'succeeded',
    tags:
      deepStatus === 'succeeded' ? { written: true, values: { k: 'v' } } : { written: false, reason: 'no' },
  } as ScanReport;
}

const INVENTORY_ENTRY = {
  account: 'prod',
  region: 'us-east-1',
  imageId: 'ami-0123456789abcdef0',
  name: 'image-name',
  expiryAt: '2026-11-25T00:00:00.000Z',
  expirySource: 'tag' as const,
  invalid: 'next tuesday',
  sizeGiB: 8,
  monthlyUsd: 0.4,
  missing: ['CostCenter'],
  owner: { userId: OWN.owner, label: 'owner label', team: 'team' },
};
const group = { count: 3, gib: 24, monthlyUsd: 1.2, items: [INVENTORY_ENTRY, INVENTORY_ENTRY] };
const INVENTORY: ChannelInventory = {
  expired: group,
  expiring: group,
  noExpiry: group,
  malformed: group,
  missingTags: group,
  total: { count: 15, gib: 120, monthlyUsd: 6 },
};

const WAIVER = {
  account: 'prod',
  region: 'us-east-1',
  imageId: 'ami-0123456789abcdef0',
  findingId: 'CVE-2026-12345',
  severity: 'high' as const,
  title: 'openssl: remote code execution',
  until: '2026-12-31T00:00:00.000Z',
  reason: 'not reachable: no TLS listener',
  requestId: 'req-abc123def4',
  requester: OWN.requester,
  approvers: [OWN.approver],
  grantedAt: '2026-11-01T00:00:00.000Z',
};

const REMINDER = {
  reminderId: 'rem-abcdefghij012345',
  account: 'prod',
  region: 'us-east-1',
  imageId: 'ami-0123456789abcdef0',
  imageName: 'web-2026-11-01',
  creationDate: '2026-11-01T00:00:00.000Z',
  sizeGiB: 58,
  monthlyCostUsd: 2.9,
  expiry: { at: '2026-12-03T00:00:00.000Z', source: 'tag' as const },
  milestone: 7,
  owner: { userId: OWN.owner, label: 'owner label', team: 'platform' },
  now: NOW,
  extendDays: 30,
  snoozeHours: 24,
};

type Output = SlackMessage | ReturnType<typeof renderRejectModal> | HomeView | string;

/** Each builder, given a function that makes its input hostile. Mrkdwn-returning helpers count too. */
const BUILDERS: Array<[string, (x: <T>(v: T) => T) => Output[]]> = [
  ['renderWorking', (x) => [renderWorking(x('Searching for ubuntu…'))]],
  [
    'renderError',
    (x) => [
      renderError(
        x({ title: 'title', message: 'message', usage: '/ami show <ami-id>', hint: 'hint', retry: true }),
      ),
    ],
  ],
  ['renderHelp', (x) => [renderHelp(x([{ name: 'find', summary: 'summary', usage: '/ami find <words>' }]))]],
  [
    'renderHelpTopic',
    (x) => [
      renderHelpTopic(
        x({
          name: 'find',
          summary: 'summary',
          usage: '/ami find <words>',
          details: ['detail'],
          examples: ['ex'],
        }),
      ),
    ],
  ],
  [
    'renderApprovalMessage',
    (x) =>
      REQUESTS.map(([, r]) =>
        renderApprovalMessage({
          request: x(r),
          now: NOW,
          approverHint: approverHint(
            x([OWN.approver, OWN.group].map((requester) => ({ requester }))).map((o) => o.requester),
          ),
          snapshotCount: 2,
        }),
      ),
  ],
  [
    'renderPruneDryRun',
    (x) => [renderPruneDryRun({ plan: x(PLAN), planId: 'prn-abcdefghij', ttlMinutes: 60, now: NOW })],
  ],
  [
    'renderOrphans',
    (x) => [
      renderOrphans(
        x({
          account: 'prod',
          region: 'us-east-1',
          orphans: [
            {
              snapshotId: 'snap-0123456789abcdef0',
              sizeGiB: 30,
              reason: 'image-gone' as const,
              imageId: 'ami-0deadbeef0000001',
              startTime: '2026-01-01T00:00:00.000Z',
            },
            { snapshotId: 'snap-0123456789abcdef1', sizeGiB: 100, reason: 'unused' as const },
          ],
          gib: 130,
          monthlyUsd: 6.5,
          imageGone: 1,
          unused: 1,
          skipped: { pending: 1, recent: 1, hold: 1, managed: 1 },
          snapshots: 10,
          used: 6,
          usedGiB: 48,
        }),
        0.05,
      ),
    ],
  ],
  [
    'renderUnused',
    (x) => [
      renderUnused(
        x({
          days: 90,
          images: [
            {
              account: 'prod',
              region: 'us-east-1',
              imageId: 'ami-0123456789abcdef0',
              name: 'old-one',
              lastLaunched: '2025-01-01T00:00:00.000Z',
              sizeGiB: 8,
              monthlyUsd: 0.4,
            },
          ],
          gib: 8,
          monthlyUsd: 0.4,
          scanned: 10,
          checked: 5,
          unchecked: 2,
          errors: ['prod/us-east-1: AWS said no'],
        }),
        x('every configured account'),
      ),
    ],
  ],
  [
    'renderCost',
    (x) => [
      renderCost(
        x({
          by: 'team' as const,
          groups: [{ key: 'web', images: 3, gib: 24, monthlyUsd: 1.2 }],
          images: { count: 3, gib: 24, monthlyUsd: 1.2 },
          orphaned: { count: 1, gib: 30, monthlyUsd: 1.5 },
          other: { count: 1, gib: 10, monthlyUsd: 0.5 },
          total: { gib: 64, monthlyUsd: 3.2 },
          targets: 1,
          errors: ['prod/us-east-1: AWS said no'],
        }),
        x('every configured account'),
      ),
    ],
  ],
  ['approverHint', (x) => [approverHint(x([{ requester: OWN.approver }]).map((o) => o.requester)) ?? '']],
  [
    'renderRejectModal',
    (x) => REQUESTS.map(([, r]) => renderRejectModal({ requestId: r.id, summary: describeOperation(x(r)) })),
  ],
  [
    'renderHome',
    (x) => [
      renderHome({
        userId: OWN.approver,
        now: NOW,
        awaiting: REQUESTS.map(([, r]) => x(r)),
        mine: REQUESTS.slice(0, 3).map(([, r]) => x(r)),
        running: REQUESTS.slice(0, 3).map(([, r]) => x({ ...r, state: 'running' as const })),
        expiring: x([
          {
            account: 'prod',
            region: 'us-east-1',
            imageId: 'ami-0123456789abcdef0',
            name: 'web-2026-11-01',
            expiryAt: '2026-12-01T00:00:00.000Z',
            team: 'web',
            ownerUserId: OWN.owner,
          },
          {
            account: 'prod',
            region: 'us-east-1',
            imageId: 'ami-0123456789abcdef1',
            name: 'web-2026-11-02',
            expiryAt: '2026-12-02T00:00:00.000Z',
            team: 'web',
          },
        ]),
        expiringDays: 14,
        expiringNote: x('prod/us-east-1: AWS said no'),
        golden: x([
          { name: 'web-base', description: 'the web base', account: 'prod', regions: ['us-east-1'] },
        ]),
      }),
    ],
  ],
  [
    'renderFileRequestModal',
    (x) => [
      renderFileRequestModal(
        x({
          accounts: [
            { alias: 'prod', regions: ['us-east-1'], default: true },
            { alias: 'dev', regions: [], default: false },
          ],
          regions: ['us-east-1', 'eu-west-1'],
        }),
      ),
    ],
  ],
  [
    'renderRequestConfirmation',
    (x) =>
      REQUESTS.map(([, r]) =>
        renderRequestConfirmation(x({ request: r, channel: OWN.channel, snapshotCount: 2 })),
      ),
  ],
  [
    'renderAutoApproved',
    (x) => REQUESTS.map(([, r]) => renderAutoApproved(x({ request: r, channel: OWN.channel }))),
  ],
  ['renderNotFiled', (x) => REQUESTS.map(([, r]) => renderNotFiled(x(r)))],
  [
    'renderRequestReply',
    (x) => [
      renderRequestReply(x(request()), x({ kind: 'rejected', by: OWN.approver, reason: 'reason' })),
      renderRequestReply(x(request()), x({ kind: 'rejected', by: OWN.approver })),
      renderRequestReply(x(request()), { kind: 'expired' }),
      renderRequestReply(x(request()), x({ kind: 'finished', ok: false, summary: 'AWS said no' })),
      renderRequestReply(x(request()), x({ kind: 'note', text: 'a note' })),
      renderRequestReply(x(request({ kind: 'prune', params: PARAMS[7]!, imageId: '' })), { kind: 'items' }),
      renderRequestReply(x(request({ kind: 'delete-snapshots', params: PARAMS[8]!, imageId: '' })), {
        kind: 'items',
      }),
      renderRequestReply(x(request({ kind: 'revoke-sharing', params: PARAMS[9]!, imageId: '' })), {
        kind: 'items',
      }),
    ],
  ],
  [
    'renderFindResults',
    (x) => [
      renderFindResults(
        x({
          query: 'ubuntu 24.04',
          planDescription: 'owner canonical',
          account: 'prod',
          region: 'us-east-1',
          results: [
            { image: ubuntuImage({ ownerAlias: 'amazon', stateReason: 'why' }), trusted: true },
            {
              image: ubuntuImage({ state: 'pending', deprecationTime: '2026-01-01T00:00:00.000Z' }),
              trusted: false,
            },
          ],
          scanned: 10,
          cached: false,
          now: NOW,
          limit: 5,
        }),
      ),
      renderFindResults(
        x({
          query: 'q',
          planDescription: 'p',
          account: 'prod',
          region: 'r',
          results: [],
          cached: true,
          now: NOW,
          limit: 5,
        }),
      ),
    ],
  ],
  [
    'renderImageDetails',
    (x) => [
      renderImageDetails({
        ...x({
          image: ubuntuImage({
            ownerAlias: 'amazon',
            stateReason: 'why',
            sourceImageId: 'ami-0src',
            sourceImageRegion: 'us-west-2',
            tags: { Name: 'n', ExpirationDate: 'not a date' },
            blockDevices: [
              {
                deviceName: '/dev/sda1',
                snapshotId: 'snap-1',
                volumeSizeGiB: 8,
                volumeType: 'gp3',
                encrypted: true,
                kmsKeyId: 'key',
              },
              { deviceName: '/dev/sdb', virtualName: 'ephemeral0' },
            ],
          }),
          account: 'prod',
          launchPermissions: {
            public: true,
            accounts: ['222222222222'],
            organizations: ['o-1'],
            organizationalUnits: ['ou-1'],
          },
          lastLaunchedTime: '2026-11-01T00:00:00.000Z',
          expiryTagKey: 'ExpirationDate',
        }),
        trusted: false,
        pricePerGbMonth: 0.05,
        now: NOW,
      }),
    ],
  ],
  [
    'renderImageList',
    (x) => [
      renderImageList({
        ...x({
          account: 'prod',
          region: 'eu-west-1',
          images: [ownImage(1, { tags: { ExpirationDate: 'bad' } }), ownImage(2, { state: 'failed' })],
          filtersDescription: 'older than 90 days',
          expiryTagKey: 'ExpirationDate',
        }),
        totals: { count: 5, gib: 150, monthlyUsd: 7.5 },
        pricePerGbMonth: 0.05,
        now: NOW,
        limit: 2,
        sharedWith: new Map([['ami-1', 2]]),
      }),
      renderImageList({
        ...x({ account: 'prod', region: 'eu-west-1', expiryTagKey: 'ExpirationDate' }),
        images: [],
        totals: { count: 0, gib: 0, monthlyUsd: 0 },
        pricePerGbMonth: 0.05,
        now: NOW,
        limit: 2,
      }),
    ],
  ],
  [
    'renderJobs',
    (x) => [
      renderJobs({
        queues: x({ q: { active: 1 } }) as unknown as Record<string, Record<string, number>>,
        active: REQUESTS.map(([, r]) => x(r)),
        now: NOW,
      }),
      renderJobs({ queues: { [x('queue-name')]: { active: 1, waiting: 2 } }, active: [], now: NOW }),
    ],
  ],
  [
    'renderRequestsList',
    (x) => [renderRequestsList({ requests: REQUESTS.map(([, r]) => x(r)), now: NOW, all: false })],
  ],
  [
    'renderAuditEntries',
    (x) => [
      renderAuditEntries({
        entries: x([
          {
            at: '2026-11-21T11:00:00.000Z',
            actor: OWN.approver,
            action: 'request.approved',
            target: 'req-1',
            requestId: 'req-1',
            imageId: 'ami-1',
            account: 'prod',
            region: 'us-east-1',
            result: 'ok' as const,
            detail: 'detail',
          },
        ]),
        target: x('ami-1'),
        now: NOW,
      }),
      renderAuditEntries({ entries: [], target: x('ami-1'), now: NOW }),
    ],
  ],
  [
    'renderReminder',
    (x) => [
      renderReminder({
        ...x(REMINDER),
        now: NOW,
        note: reminderNoteText(x({ kind: 'deprecate-failed', error: 'AWS' })),
      }),
      renderReminder({ ...x(REMINDER), now: NOW, owner: x({ label: 'only a label' }) }),
    ],
  ],
  [
    'reminderNoteText',
    (x) => [
      reminderNoteText({ kind: 'already-deprecated' }),
      reminderNoteText({ kind: 'deprecated', at: NOW.toISOString() }),
      reminderNoteText(x({ kind: 'deprecate-failed', error: 'AWS said no' })),
      reminderNoteText(x({ kind: 'deregister-requested', requestId: 'req-1', channel: OWN.channel })),
      reminderNoteText(x({ kind: 'deregister-failed', error: 'AWS said no' })),
    ],
  ],
  [
    'reminderOutcomeText',
    (x) => [
      reminderOutcomeText(
        x({
          kind: 'extended',
          by: OWN.owner,
          tagKey: 'ExpirationDate',
          value: '2027-01-01',
          days: 30,
          deprecationUnchanged: true,
        }),
      ),
      reminderOutcomeText(x({ kind: 'snoozed', by: OWN.owner, until: '2026-11-22T12:00:00.000Z' })),
      reminderOutcomeText(
        x({
          kind: 'deregister-requested',
          by: OWN.owner,
          requestId: 'req-1',
          pending: true,
          channel: OWN.channel,
        }),
      ),
    ],
  ],
  [
    'renderReminderOutcome',
    (x) => [
      renderReminderOutcome({
        ...x(REMINDER),
        now: NOW,
        outcome: reminderOutcomeText(
          x({ kind: 'snoozed', by: OWN.owner, until: '2026-11-22T12:00:00.000Z' }),
        ),
      }),
    ],
  ],
  [
    'renderMalformedExpiry',
    (x) => [
      renderMalformedExpiry(
        x({
          account: 'prod',
          region: 'us-east-1',
          imageId: 'ami-1',
          imageName: 'name',
          tagKey: 'ExpirationDate',
          value: 'soon',
          owner: { userId: OWN.owner, label: 'label', team: 'team' },
        }),
      ),
    ],
  ],
  [
    'renderExpiryDigest',
    (x) => [
      renderExpiryDigest({
        ...x({
          title: 'Daily expiry digest',
          expiryTagKey: 'ExpirationDate',
          requiredTags: ['CostCenter'],
          errors: ['prod/us-east-1: AWS'],
        }),
        scope: 'Own images whose reminders come to this channel.',
        inventory: x(INVENTORY),
        withinDays: 14,
        now: NOW,
        sharing: x([
          {
            account: 'prod',
            public: 1,
            outside: 2,
            examples: ACCESS_REPORT.entries.map((e) => ({
              imageId: e.imageId,
              name: e.name,
              region: e.region,
              outside: e.outside,
            })),
            unchecked: 1,
            errors: ['prod/eu-west-1: AWS said no'],
          },
        ]),
        waivers: x([
          {
            account: 'prod',
            activeCount: 1,
            active: [WAIVER],
            ended: [{ ...WAIVER, until: '2026-11-20T00:00:00.000Z' }],
          },
        ]),
      }),
    ],
  ],
  [
    'renderScanMessage',
    (x) => [
      renderScanMessage({ scan: x(scanRecord()) }),
      renderScanMessage({ scan: x(scanRecord({ state: 'queued', progress: undefined })) }),
      renderScanMessage({ scan: x(scanRecord({ state: 'failed', error: 'AWS error' })) }),
      renderScanMessage({ scan: x(scanRecord({ state: 'done', report: scanReport('succeeded') })) }),
      renderScanMessage({ scan: x(scanRecord({ state: 'done', report: scanReport('failed') })) }),
      renderScanMessage({
        scan: x(
          scanRecord({
            state: 'done',
            report: {
              ...scanReport('succeeded'),
              waived: [
                {
                  id: 'CVE-1',
                  severity: 'critical',
                  title: 'title',
                  until: '2026-12-31T00:00:00.000Z',
                  reason: 'the reason',
                  requestId: 'req-abc123def4',
                },
              ],
              reopened: [
                {
                  id: 'public',
                  severity: 'high',
                  title: 'title',
                  waiverEnded: '2026-11-20T00:00:00.000Z',
                  requestId: 'req-abc123def5',
                },
              ],
            },
          }),
        ),
      }),
    ],
  ],
  ['renderScanStarted', (x) => [renderScanStarted({ scan: x(scanRecord()), deepConfigured: false })]],
  [
    'renderScanNeeded',
    (x) => [
      renderScanNeeded(
        x({
          imageId: 'ami-0123456789abcdef0',
          account: 'prod',
          region: 'us-east-1',
          family: 'web',
          reason: 'no scan',
          running: false,
        }),
      ),
    ],
  ],
  [
    'renderAccessAudit',
    (x) => [
      renderAccessAudit({
        report: x(ACCESS_REPORT),
        planId: 'acc-abcdefghij',
        ttlMinutes: 60,
        maxPerRequest: 200,
        allowlist: x('2 accounts, 1 organization'),
      }),
      renderAccessAudit({
        report: x({ ...ACCESS_REPORT, entries: [], offboard: undefined }),
        ttlMinutes: 60,
        maxPerRequest: 200,
        allowlist: x('nothing'),
      }),
    ],
  ],
  [
    'renderAccessFiled',
    (x) => [
      renderAccessFiled(
        x({
          filed: [
            {
              requestId: 'req-abc123def4',
              account: 'prod',
              images: 3,
              channel: OWN.channel,
              autoApproved: false,
            },
            {
              requestId: 'req-abc123def5',
              account: 'dev',
              images: 1,
              channel: OWN.channel,
              autoApproved: true,
            },
          ],
          refused: [{ account: 'other', reason: 'you may not request revoke-sharing here' }],
        }),
      ),
    ],
  ],
  [
    'renderCatalogue',
    (x) => [
      renderCatalogue({
        now: NOW,
        families: x([
          {
            family: goldenConfigSchema.parse({
              families: [{ name: 'web', description: 'desc', regions: ['us-east-1'] }],
            }).families[0]!,
            account: 'prod',
            regions: [
              {
                region: 'us-east-1',
                parameter: '/amibot/golden/web/latest',
                value: 'ami-0123',
                previous: 'ami-0456',
                image: {
                  imageId: 'ami-0123',
                  name: 'name',
                  state: 'available',
                  creationDate: '2026-11-01T00:00:00.000Z',
                },
                scan: {
                  verdict: 'pass',
                  date: '2026-11-01',
                  deadlines: [{ severity: 'high', count: 1, days: 7, due: '2026-11-08' }],
                },
                shares: {
                  public: false,
                  accounts: ['222222222222'],
                  organizations: [],
                  organizationalUnits: [],
                },
                problems: ['a problem'],
              },
              { region: 'eu-west-1', parameter: '/amibot/golden/web/latest', problems: ['AWS said no'] },
            ],
          },
        ]),
      }),
    ],
  ],
  [
    'renderWhy',
    (x) => {
      const facts = x<Omit<LaunchFacts, 'now'>>({
        account: 'prod',
        ownerAccountId: '111111111111',
        region: 'us-east-1',
        imageId: 'ami-0123456789abcdef0',
        forAccount: '222222222222',
        image: {
          ok: true,
          value: ownImage(0, {
            state: 'disabled',
            blockDevices: [{ deviceName: '/dev/xvda', snapshotId: 'snap-1', encrypted: true, kmsKeyId: 'k' }],
          }),
        },
        permissions: { ok: false, error: 'AWS error text' },
        snapshots: {
          ok: true,
          value: [
            {
              snapshotId: 'snap-1',
              encrypted: true,
              key: {
                keyId: 'k',
                key: {
                  ok: true,
                  value: {
                    arn: 'arn',
                    manager: 'AWS',
                    enabled: true,
                    state: 'Enabled',
                    ownerAccountId: '111111111111',
                  },
                },
              },
            },
          ],
        },
      });
      return [
        renderWhy(
          x({
            imageId: 'ami-0123456789abcdef0',
            region: 'us-east-1',
            forAccount: '222222222222',
            checks: diagnoseLaunch({ ...facts, now: NOW }),
          }),
        ),
      ];
    },
  ],
  [
    'renderFindingNotice',
    (x) => [
      renderFindingNotice(x(FINDING_POST), NOW),
      renderFindingNotice(
        x({ ...FINDING_POST, critical: { action: 'disable' as const, note: 'AWS said no' } }),
        NOW,
      ),
      renderFindingNotice(x({ ...FINDING_POST, critical: { action: 'notify' as const }, reopened: [] }), NOW),
      renderFindingNotice(x({ ...FINDING_POST, added: [], critical: undefined, owner: undefined }), NOW),
    ],
  ],
  [
    'renderFindingReminder',
    (x) => [
      renderFindingReminder(
        x({ ...FINDING_POST, type: 'reminder' as const, finding: FINDING_POST.added![1]!, milestone: 1 }),
        NOW,
      ),
      renderFindingReminder(
        x({ ...FINDING_POST, type: 'reminder' as const, finding: FINDING_POST.reopened![0]!, milestone: 0 }),
        NOW,
      ),
    ],
  ],
];

/** Every mrkdwn text of an output (the fallback `text` included) and every plain_text. */
function texts(out: Output): { mrkdwn: string[]; plain: string[] } {
  if (typeof out === 'string') return { mrkdwn: [out], plain: [] };
  const mrkdwn: string[] = 'blocks' in out && 'text' in out && typeof out.text === 'string' ? [out.text] : [];
  const plain: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === 'mrkdwn' && typeof o.text === 'string') mrkdwn.push(o.text);
      else if (o.type === 'plain_text' && typeof o.text === 'string') plain.push(o.text);
      else Object.values(o).forEach(walk);
    }
  };
  walk('blocks' in out ? out.blocks : out);
  if ('type' in out && out.type === 'modal') walk([out.title, out.submit, out.close]);
  return { mrkdwn, plain };
}

/** The links, mentions and specials the bot did not put there itself. */
function foreignControls(text: string): string[] {
  return controlsOf(text)
    .filter((c) => {
      if (c.label !== undefined) return true; // the bot never labels a mention
      if (c.kind === 'user') return ![OWN.requester, OWN.approver, OWN.owner].includes(c.id);
      if (c.kind === 'channel') return c.id !== OWN.channel;
      if (c.kind === 'special') return !(c.name === 'subteam' && c.args.join('^') === OWN.group);
      return true; // links: the bot sends none
    })
    .map(describeControl);
}

/** Text compared loosely: what formatting or the look-alike substitutions may change is left out. */
function loose(s: string): string {
  return s.replace(/[\s*_~`∗ˋ>…]/g, '');
}

describe('every message builder, with hostile input', () => {
  it('the table covers every render function src/blocks exports', async () => {
    const dir = new URL('../../src/blocks/', import.meta.url);
    const exported: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const mod = (await import(new URL(file, dir).href)) as Record<string, unknown>;
      for (const [name, value] of Object.entries(mod)) {
        if (typeof value === 'function' && /^render[A-Z]/.test(name)) exported.push(name);
      }
    }
    const covered = new Set(BUILDERS.map(([name]) => name));
    expect(exported.filter((name) => !covered.has(name))).toEqual([]);
  });

  for (const mode of ['own-ids', 'hostile-ids'] as const) {
    describe.each(BUILDERS)(`%s (${mode})`, (_name, build) => {
      it.each(HOSTILE.map((h, i) => [i, h]))('hostile string #%i stays inert', (_i, h) => {
        const outputs = build((v) => hostilize(v, h, mode));
        expect(outputs.length).toBeGreaterThan(0);
        const seen: string[] = [];
        for (const out of outputs) {
          if (typeof out !== 'string' && 'blocks' in out && 'text' in out) {
            expect(assertWithinSlackLimits(out)).toEqual([]);
          }
          const { mrkdwn, plain } = texts(out);
          for (const t of mrkdwn) {
            expect(foreignControls(t), t.slice(0, 300)).toEqual([]);
            seen.push(visibleText(t));
          }
          seen.push(...plain);
        }
        // Shown as text, not swallowed: the hostile characters reach the reader (short strings; long
        // ones are cut by design).
        if (h.length < 100 && !/\n/.test(h) && outputs.some((o) => typeof o !== 'string')) {
          expect(loose(seen.join('\n'))).toContain(loose(h));
        }
      });
    });
  }

  it('keeps the bot’s own mentions working, in blocks and in the fallback text', () => {
    const reply = renderRequestReply(request(), { kind: 'rejected', by: OWN.approver, reason: '<!channel>' });
    for (const text of [reply.text, ...texts(reply).mrkdwn]) {
      expect(controlsOf(text).map(describeControl)).toEqual([`<@${OWN.requester}>`, `<@${OWN.approver}>`]);
      expect(visibleText(text)).toContain('<!channel>');
    }
    const approval = renderApprovalMessage({
      request: request(),
      now: NOW,
      approverHint: approverHint([OWN.group]),
    });
    const all = texts(approval).mrkdwn.flatMap((t) => controlsOf(t).map(describeControl));
    expect(all).toContain(`<@${OWN.requester}>`);
    expect(all).toContain(`<!subteam^${OWN.group}>`);
  });
});
