/**
 * Help text for `/ami help` and `/ami help <subcommand>`. Pure data; `blocks/` renders it.
 */
import { isSubcommand, SUBCOMMANDS, type Subcommand, USAGE } from './grammar/index.js';
import { OPERATION_KINDS } from './request.js';

export interface HelpTopic {
  name: Subcommand;
  summary: string;
  usage: string;
}

export interface HelpEntry extends HelpTopic {
  details: string[];
  examples: string[];
}

/** Subcommands that create a request a colleague must approve before anything changes. */
export const APPROVAL_SUBCOMMANDS: readonly Subcommand[] = (OPERATION_KINDS as readonly string[]).filter(
  isSubcommand,
);

export function needsApproval(name: Subcommand): boolean {
  return APPROVAL_SUBCOMMANDS.includes(name);
}

const APPROVAL =
  'This is a request: nothing changes until a colleague approves it (you cannot approve your own). Progress is posted in the request thread.';
const READ_ONLY = 'Read-only: runs straight away, no approval needed.';
const WHERE =
  '`--region` and `--account` default to the configured default region and account; `--account` takes an alias from config or a 12-digit account id.';
const OWNED = 'The image must belong to the account (`--account`).';

const ENTRIES: Record<Subcommand, { summary: string; details: string[]; examples: string[] }> = {
  help: {
    summary: 'List the commands, or explain one in detail.',
    details: [
      'With no topic, lists every subcommand with a one-line summary.',
      '`/ami help <subcommand>` (or `/ami <subcommand> --help`) shows what it does, its flags and examples.',
    ],
    examples: ['/ami help', '/ami help copy'],
  },
  find: {
    summary:
      'Find the newest trustworthy base images: Ubuntu, Debian, Amazon Linux, RHEL, Windows, or your own.',
    details: [
      READ_ONLY,
      'Understands OS families and versions: `ubuntu 24.04` / `noble`, `debian 12` / `bookworm`, `al2023`, `amazon linux 2`, `rhel 9`, `windows 2022 core`, and searches the publisher’s official account (Canonical, Debian, Red Hat, Amazon).',
      'Architecture words (`arm64`, `aarch64`, `graviton`, `x86_64`, `amd64`, `intel`) are understood among the words and by `--arch`; `--arch` wins over a word.',
      'Other words are matched against image names, case-insensitively, in your trusted accounts (or `--owner`).',
      '`--owner` takes amazon, canonical, debian, redhat, microsoft (Windows images are published by Amazon), self, aws-marketplace or a 12-digit account id.',
      '`--limit` (1–20, default 5) caps the results; deprecated images are hidden unless `--include-deprecated`.',
    ],
    examples: [
      '/ami find ubuntu 24.04 arm64',
      '/ami find al2023 --region eu-west-1',
      '/ami find web-base --owner self --limit 10',
    ],
  },
  show: {
    summary: 'Show an image: state, age, size, snapshots, encryption, sharing, tags and expiry.',
    details: [READ_ONLY, WHERE],
    examples: [
      '/ami show ami-0abc1234def567890',
      '/ami show ami-0abc1234def567890 --region eu-central-1 --account prod',
    ],
  },
  list: {
    summary:
      'List the images an account owns in a region, newest first, with size, cost, expiry and sharing.',
    details: [
      READ_ONLY,
      '`--older-than 90d` keeps only images created more than that long ago (units: h, d, w, mo, y).',
      '`--tag key=value` filters by tag; repeat it to require several tags.',
      '`--limit` (1–100, default 25) caps how many are shown.',
      WHERE,
    ],
    examples: [
      '/ami list',
      '/ami list --older-than 90d --account prod',
      '/ami list --tag team=web --tag env=staging --region us-west-2',
    ],
  },
  copy: {
    summary: 'Copy an image to other regions, optionally encrypting the copy with a KMS key.',
    details: [
      APPROVAL,
      '`--to` names up to 10 destination regions (comma-separated); `--region` is the source region.',
      'Works for any image the account can launch, public ones included: copying Canonical’s latest Ubuntu into your own account is a common first step.',
      '`--encrypt` encrypts the copy with the default EBS key; `--kms-key` (key id, ARN or `alias/name`) picks the key and implies `--encrypt`.',
      '`--name` names the copy (default: the source name). Launch permissions do not copy unless `--with-permissions`, and never the public one unless the account allows public sharing.',
    ],
    examples: [
      '/ami copy ami-0abc1234def567890 --to eu-west-1,us-west-2',
      '/ami copy ami-0abc1234def567890 --to eu-central-1 --kms-key alias/ami-copies --name "web base 2025-01"',
    ],
  },
  encrypt: {
    summary: 'Make an encrypted copy of an image in the same region.',
    details: [
      APPROVAL,
      '`--kms-key` picks the key (key id, ARN or `alias/name`); without it the account’s default EBS key is used.',
      '`--replace` gives the encrypted copy the original’s launch permissions, then deregisters the unencrypted original — unless something still uses it, in which case it is kept (and refused up front if something uses it now).',
      WHERE,
    ],
    examples: [
      '/ami encrypt ami-0abc1234def567890',
      '/ami encrypt ami-0abc1234def567890 --kms-key alias/ami-copies --replace',
    ],
  },
  scan: {
    summary: 'Check an image for problems: public sharing, unencrypted snapshots, age, IMDSv2, missing tags.',
    details: [
      'No approval needed; the scan runs as a background job and reports back here.',
      'With a scan state machine configured (`SCAN_STATE_MACHINE_ARN`) every scan also runs the deep scan, which launches the image in an isolated scanner and takes minutes; `--deep` asks for it explicitly and says so when none is configured.',
      WHERE,
    ],
    examples: ['/ami scan ami-0abc1234def567890', '/ami scan ami-0abc1234def567890 --deep --account prod'],
  },
  share: {
    summary: 'Let other accounts, an organization or an OU launch an image.',
    details: [
      APPROVAL,
      OWNED,
      '`--with` takes 12-digit account ids, organization ARNs, OU ARNs, or `all` to make the image public (usually forbidden by policy).',
      'Snapshots stay private; launching needs only the launch permission.',
    ],
    examples: [
      '/ami share ami-0abc1234def567890 --with 123456789012,210987654321',
      '/ami share ami-0abc1234def567890 --with arn:aws:organizations::123456789012:organization/o-a1b2c3d4e5',
    ],
  },
  unshare: {
    summary: 'Take away launch permissions from accounts, organizations, OUs, or everyone.',
    details: [
      APPROVAL,
      OWNED,
      '`--with` names whom to remove (`all` removes public access); `--all` removes every launch permission.',
    ],
    examples: [
      '/ami unshare ami-0abc1234def567890 --with 123456789012',
      '/ami unshare ami-0abc1234def567890 --all',
    ],
  },
  deprecate: {
    summary: 'Mark an image deprecated at a date, so it stops showing up in searches.',
    details: [
      APPROVAL,
      OWNED,
      '`--at 2025-06-30` (a date, midnight UTC, or an ISO timestamp) or `--in 30d` (from when it is approved).',
      'Deprecated images can still be launched by id; `undeprecate` reverses it.',
    ],
    examples: [
      '/ami deprecate ami-0abc1234def567890 --in 30d',
      '/ami deprecate ami-0abc1234def567890 --at 2025-06-30',
    ],
  },
  undeprecate: {
    summary: 'Remove an image’s deprecation date.',
    details: [APPROVAL, OWNED, WHERE],
    examples: ['/ami undeprecate ami-0abc1234def567890'],
  },
  disable: {
    summary: 'Disable an image: nobody can launch it, but it is kept and can be enabled again.',
    details: [APPROVAL, OWNED, 'A safe step before `deregister`: it also removes any sharing.'],
    examples: [
      '/ami disable ami-0abc1234def567890',
      '/ami disable ami-0abc1234def567890 --account prod --region eu-west-1',
    ],
  },
  enable: {
    summary: 'Re-enable a disabled image.',
    details: [APPROVAL, OWNED, 'Sharing removed by `disable` is not restored.'],
    examples: ['/ami enable ami-0abc1234def567890'],
  },
  expire: {
    summary: 'Set when an image expires: reminders are posted 7 days and 1 day before, and on the day.',
    details: [
      APPROVAL,
      OWNED,
      'Sets the expiry tag: `--at 2025-06-30` (a date or ISO timestamp) or `--in 90d` (from when it is approved).',
      'Reminders come with Extend and Deregister buttons; nothing is deleted automatically.',
    ],
    examples: [
      '/ami expire ami-0abc1234def567890 --in 90d',
      '/ami expire ami-0abc1234def567890 --at 2025-12-31',
    ],
  },
  deregister: {
    summary: 'Deregister an image and delete its snapshots (or keep them).',
    details: [
      APPROVAL,
      OWNED,
      'Its EBS snapshots are deleted too, unless `--keep-snapshots`.',
      'Refused while anything uses the image (instances in any state but terminated, any launch template version, Auto Scaling groups, launch configurations) or when that cannot be checked; checked again just before it runs.',
      '`--force` deregisters anyway (the approval message says what uses it).',
    ],
    examples: [
      '/ami deregister ami-0abc1234def567890',
      '/ami deregister ami-0abc1234def567890 --keep-snapshots',
    ],
  },
  requests: {
    summary:
      'List open requests (pending, queued, running) and the most recent finished ones; `--all` for up to 100.',
    details: [READ_ONLY, 'Each request links to its approval message.'],
    examples: ['/ami requests', '/ami requests --all'],
  },
  jobs: {
    summary: 'Show the work queues and the requests being carried out now, with their progress.',
    details: [READ_ONLY],
    examples: ['/ami jobs'],
  },
  cancel: {
    summary:
      'Cancel a request that is pending, approved or queued, or a copy/encryption that is still running.',
    details: [
      'No approval needed: you can cancel your own requests; approvers can cancel any.',
      'A running copy is stopped and its unfinished image deregistered; work already finished in AWS is not undone.',
    ],
    examples: ['/ami cancel req-k3j9x0a2b1'],
  },
  audit: {
    summary: 'Show the audit trail: who requested, approved and ran what, and when.',
    details: [READ_ONLY, 'Give an image id or a request id to narrow it; `--limit` (1–50, default 20).'],
    examples: ['/ami audit', '/ami audit ami-0abc1234def567890', '/ami audit req-k3j9x0a2b1 --limit 50'],
  },
  expiring: {
    summary: 'List images that expire soon (expiry tag or deprecation time).',
    details: [READ_ONLY, '`--within` sets the window (default 30d).', WHERE],
    examples: ['/ami expiring', '/ami expiring --within 7d --account prod'],
  },
  prune: {
    summary: 'Keep the newest N images of each family and retire the rest, never one that is still in use.',
    details: [
      'Answers a dry run first: per family what goes and what stays and why (newest N, in use, golden, on hold with tag `amibot:keep`, shared or public, too recent), with the storage it frees. Its *File request* button files one request for all of it.',
      'A family is the image name without its date or version suffix (`app-web-2026-11-01`, `app-web-v1.2.3` → `app-web`); `--family` takes a name prefix, `tag:Key=Value` (one family) or `tag:Key` (one family per value).',
      '`--keep` (1–100) is how many of the newest images of each family stay; `--older-than 90d` also keeps anything younger.',
      APPROVAL,
      'Once approved, one job deregisters each image and deletes its snapshots (unless another image uses them), checking again right before each one that nothing started using it. At most `retention.maxPerRequest` images (default 200) per request.',
      OWNED,
      WHERE,
    ],
    examples: [
      '/ami prune --family app-web --keep 5',
      '/ami prune --family tag:App=web --keep 3 --older-than 90d --region eu-west-1',
    ],
  },
  orphans: {
    summary: 'Find snapshots you pay for that no image uses, with their size and cost.',
    details: [
      'Lists snapshots made by CreateImage for images that no longer exist, and snapshots no image uses (snapshots of AWS Backup and Data Lifecycle Manager, on hold with `amibot:keep`, or younger than a day are left alone).',
      '`--delete` files a request (approved like any other) that deletes them, checking each is still unused right before.',
      WHERE,
    ],
    examples: ['/ami orphans', '/ami orphans --delete --region eu-west-1'],
  },
  unused: {
    summary: 'List own images nobody launched in N days (`--days`, default 90), with what they cost.',
    details: [
      READ_ONLY,
      'Uses the image’s last launch time as EC2 records it; an image never launched counts from its creation.',
      'Without `--account`/`--region`, looks at every configured account and region.',
    ],
    examples: ['/ami unused', '/ami unused --days 180 --account prod'],
  },
  cost: {
    summary: 'Where the snapshot storage money goes: totals by team, account, region or image family.',
    details: [
      READ_ONLY,
      '`--by` groups image storage by `team` (the team tag), `account`, `region` or `family`; orphaned snapshots and other snapshots are totalled apart.',
      'Costs are estimates: full snapshot size × the price per GB-month (an upper bound; EBS bills changed blocks).',
      'Without `--account`/`--region`, looks at every configured account and region.',
    ],
    examples: ['/ami cost', '/ami cost --by family --account prod'],
  },
  promote: {
    summary:
      'Promote an image to a golden-image family: copy it to the family’s regions, share it, publish its id in SSM.',
    details: [
      APPROVAL,
      'Before filing, amibot checks the image is yours and available, has a passing scan no older than `golden.maxScanAgeDays` (or offers to run one), carries the family’s required tags and follows its naming convention.',
      'Once approved, each region gets an encrypted copy (the family’s key there), shared with the family’s accounts, organizations and OUs, KMS grants for the accounts, the SSM parameter (the previous value kept at `…/previous`) and the golden tags; the previous image is deprecated after `golden.deprecatePreviousAfterDays`.',
      'A region that fails stops alone and the message says what is left; filing the same promotion again resumes it.',
      WHERE,
    ],
    examples: ['/ami promote ami-0abc1234def567890 --as web-base'],
  },
  golden: {
    summary:
      'The golden-image catalogue: each family’s current image per region, its age, scan, shares and SSM parameter.',
    details: [READ_ONLY, 'Give a family to see only that one.'],
    examples: ['/ami golden', '/ami golden web-base'],
  },
  rollback: {
    summary:
      'Point a family’s SSM parameters back at its previous image (un-deprecated); the current one is deprecated.',
    details: [APPROVAL, 'Only families with a previous image in every region can be rolled back.'],
    examples: ['/ami rollback web-base'],
  },
  why: {
    summary: 'Why can’t an account launch this image? A checklist with the fix for each problem.',
    details: [
      READ_ONLY,
      'Checks the image exists in the region (and where else it does), its state, the account’s launch permission (direct, organization, OU, public and block public access), every snapshot’s KMS key and whether the account may use it, and hints on architecture, boot mode and ENA.',
      'Each fix that is a change comes with a button that files the matching request.',
      WHERE,
    ],
    examples: [
      '/ami why ami-0abc1234def567890 --for 222222222222',
      '/ami why ami-0abc1234def567890 --for 222222222222 --region eu-west-1',
    ],
  },
  access: {
    summary:
      'Who can launch your images: public ones, shares outside the allowlist, or everything shared with one account.',
    details: [
      'Lists every own image that is public or shared with an account, organization or OU outside the allowlist (`sharing.allowedAccounts`, `allowedOrganizations`, `allowedOus`; the accounts amibot is configured for count as allowed).',
      '`--with <account-id>` (offboarding) also lists everything shared with that account, allowed or not.',
      'Its *File request* button files one request per account that removes exactly those permissions. Once approved, one job re-reads each image’s permissions and removes what is still there, image by image.',
      'Without `--account`/`--region`, looks at every configured account and region.',
    ],
    examples: [
      '/ami access',
      '/ami access --with 444455556666',
      '/ami access --account prod --region eu-west-1',
    ],
  },
  waive: {
    summary: 'Accept one finding of an image until a date: it stays in scan reports but no longer counts.',
    details: [
      'The finding id is the one the image’s last scan shows (a built-in check like `unencrypted-snapshot`, or the deep scanner’s id like `CVE-2026-12345`); scan the image first.',
      `\`--until\` is a date (the waiver ends at 00:00 UTC that day), at most \`scan.maxWaiverDays\` ahead; \`--reason\` says why, in quotes.`,
      APPROVAL,
      'An approved waiver shows in every scan of the image (the finding marked waived until the date, left out of the verdict) and in the daily digest. When it ends the finding counts again and the next scan reports it re-opened.',
      WHERE,
    ],
    examples: [
      '/ami waive ami-0abc1234def567890 unencrypted-snapshot --until 2026-12-31 --reason "re-encrypted build ships in December"',
      '/ami waive ami-0abc1234def567890 CVE-2026-12345 --until 2026-12-15 --reason "not reachable: no TLS listener" --account prod',
    ],
  },
};

export function helpTopics(): HelpTopic[] {
  return SUBCOMMANDS.map((name) => ({ name, summary: ENTRIES[name].summary, usage: USAGE[name] }));
}

export function helpFor(topic: Subcommand): HelpEntry {
  const e = ENTRIES[topic];
  return {
    name: topic,
    summary: e.summary,
    usage: USAGE[topic],
    details: [...e.details],
    examples: [...e.examples],
  };
}
