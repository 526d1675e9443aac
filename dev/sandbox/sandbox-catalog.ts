/**
 * The pretend AWS world of the local sandbox: public images as the real publishers name them
 * (Canonical, Debian, Amazon, Red Hat, Windows) in three regions with several dated versions each,
 * and a team's own images in two accounts with tags, shares, an expiry or two and an instance.
 * Dates are relative to `now`, so the catalogue always looks current.
 */
import type { AddImageInput, FakeAws, FakeImage } from '../fake-aws/index.js';

export const SANDBOX_REGIONS = ['us-east-1', 'eu-west-1', 'eu-central-1'] as const;
export const SANDBOX_ACCOUNT_ID = '111111111111';
export const SANDBOX_PROD_ACCOUNT_ID = '222222222222';
export const SANDBOX_PROD_ROLE_ARN = `arn:aws:iam::${SANDBOX_PROD_ACCOUNT_ID}:role/amibot-sandbox`;
/** An application team's account the sandbox's golden family is shared with (not configured in amibot). */
export const SANDBOX_APP_ACCOUNT_ID = '333333333333';
/** The sandbox's golden-image family, its parameter and its key alias in every sandbox region. */
export const SANDBOX_GOLDEN_FAMILY = 'platform-base';
export const SANDBOX_GOLDEN_PARAMETER = `/amibot/golden/${SANDBOX_GOLDEN_FAMILY}/latest`;
export const SANDBOX_GOLDEN_KEY_ALIAS = 'alias/golden-platform';

const CANONICAL = '099720109477';
const DEBIAN = '136693071363';
const AMAZON = '137112412989';
const AMAZON_WINDOWS = '801119661308';
const REDHAT = '309956199498';

const DAY = 86_400_000;

/** What the seeding created that a page or a test wants to point at. */
export interface SandboxCatalog {
  /** The team's newest base image in us-east-1, account `sandbox` (a good `/ami copy` source). */
  ownImage: FakeImage;
  /** Every image of the team (both accounts). */
  ownImages: FakeImage[];
  /** The golden family's current image per region (and the previous one, for rollback). */
  golden: { current: Record<string, FakeImage>; previous: Record<string, FakeImage> };
  publicImageCount: number;
  /** The estate behind `/ami prune --family app-web --keep 3`, `/ami orphans`, `/ami unused`, `/ami cost`. */
  retention: RetentionEstate;
  /** The shares behind `/ami access` (use {@link SANDBOX_SHARING} as the allowlist). */
  sharing: SharingEstate;
}

function ymd(date: Date): string {
  return date.toISOString().slice(0, 10).replace(/-/g, '');
}

function dotted(date: Date): string {
  return date.toISOString().slice(0, 10).replace(/-/g, '.');
}

function dashed(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function daysAgo(now: Date, days: number, hour = 3): Date {
  const d = new Date(now.getTime() - days * DAY);
  d.setUTCHours(hour, 17, 42, 0);
  return d;
}

/** Release dates of the versions of each public family: newest first. */
const VERSION_AGES = [6, 27, 55, 96];

interface PublicFamily {
  ownerId: string;
  alias?: string;
  arches: Array<'x86_64' | 'arm64'>;
  name: (arch: 'x86_64' | 'arm64', date: Date, index: number) => string;
  description: (arch: 'x86_64' | 'arm64', date: Date, index: number) => string;
  windows?: boolean;
  rootSize?: number;
  /** Canonical and Amazon deprecate images about two years after release; old ones show it. */
  deprecateAfterDays?: number;
}

const deb = (arch: string) => (arch === 'x86_64' ? 'amd64' : 'arm64');

function ubuntu(version: string, codename: string, prefix: string): PublicFamily {
  return {
    ownerId: CANONICAL,
    arches: ['x86_64', 'arm64'],
    name: (arch, date) =>
      `ubuntu/images/${prefix}/ubuntu-${codename}-${version}-${deb(arch)}-server-${ymd(date)}`,
    description: (arch) => `Canonical, Ubuntu, ${version} LTS, ${deb(arch)} ${codename} image`,
    deprecateAfterDays: 730,
  };
}

const FAMILIES: PublicFamily[] = [
  ubuntu('24.04', 'noble', 'hvm-ssd-gp3'),
  ubuntu('22.04', 'jammy', 'hvm-ssd'),
  ubuntu('20.04', 'focal', 'hvm-ssd'),
  {
    ownerId: DEBIAN,
    arches: ['x86_64', 'arm64'],
    name: (arch, date, i) => `debian-12-${deb(arch)}-${ymd(date)}-${1903 - i * 41}`,
    description: (_arch, date, i) => `Debian 12 (${ymd(date)}-${1903 - i * 41})`,
  },
  {
    ownerId: AMAZON,
    alias: 'amazon',
    arches: ['x86_64', 'arm64'],
    name: (arch, date) => `al2023-ami-2023.6.${ymd(date)}.0-kernel-6.1-${arch}`,
    description: () => 'Amazon Linux 2023 AMI 2023.6 kernel-6.1',
    deprecateAfterDays: 90,
  },
  {
    ownerId: AMAZON,
    alias: 'amazon',
    arches: ['x86_64', 'arm64'],
    name: (arch, date) => `amzn2-ami-kernel-5.10-hvm-2.0.${ymd(date)}.0-${arch}-gp2`,
    description: () => 'Amazon Linux 2 Kernel 5.10 AMI 2.0 x86_64 HVM gp2',
    deprecateAfterDays: 90,
  },
  {
    ownerId: REDHAT,
    arches: ['x86_64', 'arm64'],
    name: (arch, date, i) => `RHEL-9.${5 - Math.min(i, 1)}.0_HVM-${ymd(date)}-${arch}-0-Hourly2-GP3`,
    description: () => 'Provided by Red Hat, Inc.',
    rootSize: 10,
  },
  {
    ownerId: AMAZON_WINDOWS,
    alias: 'amazon',
    arches: ['x86_64'],
    name: (_arch, date) => `Windows_Server-2022-English-Full-Base-${dotted(date)}`,
    description: () => 'Microsoft Windows Server 2022 Full Locale English AMI provided by Amazon',
    windows: true,
    rootSize: 30,
    deprecateAfterDays: 60,
  },
];

function seedPublic(fake: FakeAws, now: Date): number {
  let count = 0;
  for (const region of SANDBOX_REGIONS) {
    for (const family of FAMILIES) {
      for (const arch of family.arches) {
        VERSION_AGES.forEach((age, index) => {
          const created = daysAgo(now, age, 2 + index);
          const deprecation =
            family.deprecateAfterDays !== undefined
              ? new Date(created.getTime() + family.deprecateAfterDays * DAY).toISOString()
              : undefined;
          fake.addImage({
            region,
            ownerId: family.ownerId,
            imageOwnerAlias: family.alias,
            name: family.name(arch, created, index),
            description: family.description(arch, created, index),
            architecture: arch,
            creationDate: created.toISOString(),
            public: true,
            platform: family.windows ? 'windows' : undefined,
            bootMode: arch === 'arm64' ? 'uefi' : 'uefi-preferred',
            enaSupport: true,
            imdsSupport: family.ownerId === AMAZON ? 'v2.0' : undefined,
            rootDeviceName: family.ownerId === CANONICAL ? '/dev/sda1' : '/dev/xvda',
            deprecationTime: deprecation,
            blockDevices: [{ volumeSize: family.rootSize ?? 8 }],
          });
          count += 1;
        });
      }
    }
  }
  return count;
}

interface OwnSpec {
  ownerId: string;
  region: string;
  name: string;
  description: string;
  ageDays: number;
  arch?: 'x86_64' | 'arm64';
  tags: Record<string, string>;
  shareWith?: string[];
  encrypted?: boolean;
  sizes?: number[];
  deprecatedDaysAgo?: number;
}

function seedOwn(fake: FakeAws, now: Date): FakeImage[] {
  const inDays = (d: number) => dashed(new Date(now.getTime() + d * DAY));
  const specs: OwnSpec[] = [
    {
      ownerId: SANDBOX_ACCOUNT_ID,
      region: 'us-east-1',
      name: `platform-base-al2023-${dashed(daysAgo(now, 2))}`,
      description: 'Platform golden image: AL2023, CIS level 1, SSM and CloudWatch agents',
      ageDays: 2,
      tags: { Team: 'platform', Service: 'base', ExpirationDate: inDays(88), Owner: 'riley' },
    },
    {
      ownerId: SANDBOX_ACCOUNT_ID,
      region: 'us-east-1',
      name: `payments-api-${dashed(daysAgo(now, 9))}`,
      description: 'payments-api on platform-base, build 1842',
      ageDays: 9,
      tags: { Team: 'payments', Service: 'payments-api', ExpirationDate: inDays(5) },
      shareWith: [SANDBOX_PROD_ACCOUNT_ID],
      sizes: [16],
    },
    {
      ownerId: SANDBOX_ACCOUNT_ID,
      region: 'us-east-1',
      name: `payments-api-${dashed(daysAgo(now, 64))}`,
      description: 'payments-api on platform-base, build 1701',
      ageDays: 64,
      tags: { Team: 'payments', Service: 'payments-api', ExpirationDate: inDays(-12) },
      sizes: [16],
    },
    {
      ownerId: SANDBOX_ACCOUNT_ID,
      region: 'us-east-1',
      name: `web-frontend-golden-${dashed(daysAgo(now, 15))}`,
      description: 'web-frontend: nginx + node 22',
      ageDays: 15,
      tags: { Team: 'web', Service: 'web-frontend', ExpirationDate: inDays(1) },
    },
    {
      ownerId: SANDBOX_ACCOUNT_ID,
      region: 'us-east-1',
      name: `batch-worker-arm64-${dashed(daysAgo(now, 40))}`,
      description: 'Graviton batch worker',
      ageDays: 40,
      arch: 'arm64',
      tags: { Team: 'data', Service: 'batch-worker', ExpirationDate: 'next-tuesday' },
      sizes: [20, 100],
    },
    {
      ownerId: SANDBOX_ACCOUNT_ID,
      region: 'us-east-1',
      name: `secure-base-encrypted-${dashed(daysAgo(now, 21))}`,
      description: 'KMS-encrypted base for PCI workloads',
      ageDays: 21,
      tags: { Team: 'security', Service: 'base', ExpirationDate: inDays(30) },
      encrypted: true,
    },
    {
      ownerId: SANDBOX_ACCOUNT_ID,
      region: 'us-east-1',
      name: 'legacy-build-agent-2025-03-01',
      description: 'Jenkins build agent (nobody remembers)',
      ageDays: 270,
      tags: { Team: 'ci' },
      sizes: [50],
      deprecatedDaysAgo: 30,
    },
    {
      ownerId: SANDBOX_ACCOUNT_ID,
      region: 'eu-west-1',
      name: `platform-base-al2023-${dashed(daysAgo(now, 30))}`,
      description: 'Platform golden image: AL2023 (copied from us-east-1)',
      ageDays: 30,
      tags: { Team: 'platform', Service: 'base', ExpirationDate: inDays(60) },
    },
    {
      ownerId: SANDBOX_PROD_ACCOUNT_ID,
      region: 'us-east-1',
      name: `payments-api-prod-${dashed(daysAgo(now, 8))}`,
      description: 'payments-api release 2026.11 (prod)',
      ageDays: 8,
      tags: { Team: 'payments', Service: 'payments-api', Environment: 'prod', ExpirationDate: inDays(120) },
      encrypted: true,
      sizes: [16],
    },
    {
      ownerId: SANDBOX_PROD_ACCOUNT_ID,
      region: 'eu-west-1',
      name: `web-frontend-prod-${dashed(daysAgo(now, 19))}`,
      description: 'web-frontend release 2026.11 (prod)',
      ageDays: 19,
      tags: { Team: 'web', Service: 'web-frontend', Environment: 'prod', ExpirationDate: inDays(3) },
    },
  ];
  return specs.map((spec) =>
    fake.addImage({
      region: spec.region,
      ownerId: spec.ownerId,
      name: spec.name,
      description: spec.description,
      architecture: spec.arch ?? 'x86_64',
      creationDate: daysAgo(now, spec.ageDays, 14).toISOString(),
      tags: spec.tags,
      imdsSupport: 'v2.0',
      bootMode: spec.arch === 'arm64' ? 'uefi' : 'uefi-preferred',
      enaSupport: true,
      launchPermission: spec.shareWith ? { accounts: spec.shareWith } : undefined,
      deprecationTime:
        spec.deprecatedDaysAgo !== undefined
          ? new Date(now.getTime() - spec.deprecatedDaysAgo * DAY).toISOString()
          : undefined,
      blockDevices: (spec.sizes ?? [8]).map((volumeSize) => ({ volumeSize, encrypted: spec.encrypted })),
    }),
  );
}

/** What {@link seedRetentionEstate} made, by role, for the page and the tests to point at. */
export interface RetentionEstate {
  family: string;
  /** Every image of the main family, newest first. */
  images: FakeImage[];
  newest: FakeImage[];
  /** Kept because something uses them: a stopped instance, a non-default launch template version, an Auto Scaling group (launch configuration), an Auto Scaling group (launch template). */
  usedByInstance: FakeImage;
  usedByTemplateVersion: FakeImage;
  usedByLaunchConfiguration: FakeImage;
  usedByGroupTemplate: FakeImage;
  golden: FakeImage;
  shared: FakeImage;
  onHold: FakeImage;
  /** Would go: nothing keeps them. `sharesSnapshot` uses the golden image's snapshot. */
  prunable: FakeImage[];
  sharesSnapshot: FakeImage;
  /** A second, small family nothing is pruned from. */
  otherFamily: FakeImage[];
  /** Snapshots CreateImage made for images since deregistered, and one no image ever used. */
  orphanedForGoneImages: string[];
  orphanedUnused: string;
  /** A snapshot of AWS Backup and one on hold: not orphans. */
  backupSnapshot: string;
  heldSnapshot: string;
}

/**
 * A team's estate for `/ami prune`, `orphans`, `unused` and `cost`: family `<family>` with 15
 * dated versions (in a mix of suffix styles) where 3 are the newest, 4 are in use (instance,
 * launch template version, Auto Scaling group via a launch configuration and via a launch
 * template), 1 golden, 1 shared, 1 on hold and 5 would go (one of them sharing its snapshot with
 * the golden image), a small second family, and orphaned snapshots.
 */
export function seedRetentionEstate(
  fake: FakeAws,
  opts: { now: Date; region?: string; accountId?: string; family?: string; team?: string },
): RetentionEstate {
  const { now } = opts;
  const region = opts.region ?? 'us-east-1';
  const accountId = opts.accountId ?? SANDBOX_ACCOUNT_ID;
  const family = opts.family ?? 'app-web';
  const team = opts.team ?? 'web';
  // Suffix styles people use: a date, a compact date-time, a semantic version.
  const name = (i: number, d: Date) =>
    i % 3 === 0
      ? `${family}-${dashed(d)}`
      : i % 3 === 1
        ? `${family}-${ymd(d)}-${String(1000 + i)}`
        : `${family}-v1.${20 - i}.0`;
  const ages = [3, 10, 17, 24, 31, 38, 45, 52, 59, 66, 73, 80, 87, 94, 101];
  const images = ages.map((age, i) =>
    fake.addImage({
      region,
      ownerId: accountId,
      name: name(i, daysAgo(now, age)),
      description: `${family} build ${200 - i}`,
      creationDate: daysAgo(now, age, 14).toISOString(),
      tags: { Team: team, Service: family },
      blockDevices: [{ volumeSize: 8 }],
    }),
  );
  const at = (i: number) => images[i] as FakeImage;
  const [usedByInstance, usedByTemplateVersion, usedByLaunchConfiguration, usedByGroupTemplate] = [
    at(3),
    at(4),
    at(5),
    at(6),
  ];
  const golden = at(7);
  const shared = at(8);
  const onHold = at(9);
  fake.addInstance({
    imageId: usedByInstance.imageId,
    region,
    accountId,
    state: 'stopped',
    launchTime: daysAgo(now, 20).toISOString(),
  });
  // Version 1 uses the image; the default and latest version (2) uses the newest image.
  fake.addLaunchTemplate({
    region,
    accountId,
    name: `${family}-lt`,
    versions: [{ imageId: usedByTemplateVersion.imageId }, { imageId: at(0).imageId }],
    defaultVersion: 2,
  });
  fake.addLaunchConfiguration({
    region,
    accountId,
    name: `${family}-lc`,
    imageId: usedByLaunchConfiguration.imageId,
  });
  fake.addAutoScalingGroup({
    region,
    accountId,
    name: `${family}-asg-legacy`,
    launchConfigurationName: `${family}-lc`,
  });
  const groupTemplate = fake.addLaunchTemplate({
    region,
    accountId,
    name: `${family}-asg-lt`,
    versions: [{ imageId: usedByGroupTemplate.imageId }],
  });
  fake.addAutoScalingGroup({
    region,
    accountId,
    name: `${family}-asg`,
    launchTemplate: { template: groupTemplate, version: '1' },
  });
  golden.tags['amibot:golden'] = 'true';
  shared.launchPermission.accounts.push(SANDBOX_PROD_ACCOUNT_ID);
  onHold.tags['amibot:keep'] = 'audit 2026';
  // The oldest image shares its snapshot with the golden one: deleting it frees nothing.
  const goldenSnapshot = golden.blockDevices[0]?.snapshotId as string;
  const sharesSnapshot = fake.addImage({
    region,
    ownerId: accountId,
    name: `${family}-${dashed(daysAgo(now, 120))}`,
    description: `${family} rebuilt from the golden snapshot`,
    creationDate: daysAgo(now, 120, 14).toISOString(),
    tags: { Team: team, Service: family },
    blockDevices: [{ snapshotId: goldenSnapshot }],
  });
  images.push(sharesSnapshot);
  const prunable = [at(10), at(11), at(12), at(13), at(14), sharesSnapshot];

  const otherFamily = [5, 40].map((age) =>
    fake.addImage({
      region,
      ownerId: accountId,
      name: `${family}-worker-${ymd(daysAgo(now, age))}`,
      creationDate: daysAgo(now, age, 14).toISOString(),
      tags: { Team: team, Service: `${family}-worker` },
    }),
  );

  const orphan = (description: string, ageDays: number, extra: Parameters<FakeAws['addSnapshot']>[0] = {}) =>
    fake.addSnapshot({
      region,
      ownerId: accountId,
      volumeSize: 30,
      description,
      startTime: daysAgo(now, ageDays).toISOString(),
      ...extra,
    }).snapshotId;
  const orphanedForGoneImages = [
    orphan(
      `Created by CreateImage(i-0123456789abcdef0) for ami-0deadbeef0000001 from vol-0123456789abcdef0`,
      200,
    ),
    orphan(
      `Created by CreateImage(i-0123456789abcdef1) for ami-0deadbeef0000002 from vol-0123456789abcdef1`,
      150,
    ),
  ];
  const orphanedUnused = orphan('manual snapshot before the migration', 90, { volumeSize: 100 });
  const backupSnapshot = orphan('This snapshot is created by the AWS Backup service.', 10, {
    tags: { 'aws:backup:source-resource': 'vol-0123456789abcdef2' },
  });
  const heldSnapshot = orphan('keep for the auditors', 300, { tags: { 'amibot:keep': 'yes' } });

  return {
    family,
    images,
    newest: [at(0), at(1), at(2)],
    usedByInstance,
    usedByTemplateVersion,
    usedByLaunchConfiguration,
    usedByGroupTemplate,
    golden,
    shared,
    onHold,
    prunable,
    sharesSnapshot,
    otherFamily,
    orphanedForGoneImages,
    orphanedUnused,
    backupSnapshot,
    heldSnapshot,
  };
}

/** A partner account the sandbox's images may be shared with, and one they should not be. */
export const SANDBOX_PARTNER_ACCOUNT_ID = '444455556666';
export const SANDBOX_STRANGER_ACCOUNT_ID = '999988887777';
/** The organization the sandbox's allowlist trusts, one it does not, and OUs of each. */
export const SANDBOX_ORG_ARN = 'arn:aws:organizations::111111111111:organization/o-sandbox0001';
export const SANDBOX_OTHER_ORG_ARN = 'arn:aws:organizations::777777777777:organization/o-elsewhere01';
export const SANDBOX_OU_OF_ORG_ARN = 'arn:aws:organizations::111111111111:ou/o-sandbox0001/ou-sb01-platform';
export const SANDBOX_LISTED_OU_ARN = 'arn:aws:organizations::777777777777:ou/o-elsewhere01/ou-el01-partners';
export const SANDBOX_OTHER_OU_ARN = 'arn:aws:organizations::777777777777:ou/o-elsewhere01/ou-el01-unknown1';

/** The allowlist the sandbox runs with (config `sharing`), matching {@link seedSharingEstate}. */
export const SANDBOX_SHARING = {
  allowedAccounts: [SANDBOX_PARTNER_ACCOUNT_ID],
  allowedOrganizations: [SANDBOX_ORG_ARN],
  allowedOus: [SANDBOX_LISTED_OU_ARN],
  allowConfiguredAccounts: true,
  maxChecks: 5_000,
};

/** What {@link seedSharingEstate} made, by role. */
export interface SharingEstate {
  /** Within the allowlist: the partner account, a configured account, the allowed organization, an OU of it, a listed OU. */
  allowed: FakeImage[];
  /** Shared with an account outside the allowlist. */
  strangerAccount: FakeImage;
  /** Shared with an organization outside the allowlist. */
  otherOrganization: FakeImage;
  /** Shared with an OU outside the allowlist (and with the partner, which is fine). */
  otherOu: FakeImage;
  /** Public. */
  publicImage: FakeImage;
  /** Shared with the partner account (allowed): what offboarding it removes. Two regions. */
  partner: FakeImage[];
  /** Not shared at all. */
  privateImage: FakeImage;
}

/**
 * Images shared within and outside the {@link SANDBOX_SHARING} allowlist, for `/ami access`: with
 * the partner account, a configured account, the allowed organization and OUs (fine); with an
 * account, an organization and an OU outside it; a public one; one shared with nobody.
 */
export function seedSharingEstate(
  fake: FakeAws,
  opts: {
    now: Date;
    region?: string;
    otherRegion?: string;
    accountId?: string;
    configuredAccountId?: string;
  },
): SharingEstate {
  const region = opts.region ?? 'us-east-1';
  const otherRegion = opts.otherRegion ?? 'eu-west-1';
  const accountId = opts.accountId ?? SANDBOX_ACCOUNT_ID;
  const configured = opts.configuredAccountId ?? SANDBOX_PROD_ACCOUNT_ID;
  const image = (
    name: string,
    launchPermission: AddImageInput['launchPermission'],
    extra: { region?: string; public?: boolean } = {},
  ) =>
    fake.addImage({
      region: extra.region ?? region,
      ownerId: accountId,
      name,
      description: `${name} (sharing audit)`,
      creationDate: daysAgo(opts.now, 30).toISOString(),
      tags: { Team: 'platform' },
      ...(extra.public ? { public: true } : {}),
      launchPermission,
    });
  const allowed = [
    image('shared-partner-build', { accounts: [SANDBOX_PARTNER_ACCOUNT_ID] }),
    image('shared-prod-build', { accounts: [configured] }),
    image('shared-org-build', { organizations: [SANDBOX_ORG_ARN] }),
    image('shared-org-ou-build', { organizationalUnits: [SANDBOX_OU_OF_ORG_ARN] }),
    image('shared-listed-ou-build', { organizationalUnits: [SANDBOX_LISTED_OU_ARN] }),
  ];
  const strangerAccount = image('shared-with-stranger', {
    accounts: [SANDBOX_STRANGER_ACCOUNT_ID, configured],
  });
  const otherOrganization = image('shared-with-other-org', { organizations: [SANDBOX_OTHER_ORG_ARN] });
  const otherOu = image('shared-with-other-ou', {
    organizationalUnits: [SANDBOX_OTHER_OU_ARN],
    accounts: [SANDBOX_PARTNER_ACCOUNT_ID],
  });
  const publicImage = image('published-demo', {}, { public: true });
  const partner = [
    allowed[0] as FakeImage,
    image('partner-eu-build', { accounts: [SANDBOX_PARTNER_ACCOUNT_ID] }, { region: otherRegion }),
    otherOu,
  ];
  const privateImage = image('private-build', {});
  return { allowed, strangerAccount, otherOrganization, otherOu, publicImage, partner, privateImage };
}

/** Fills a fresh FakeAws with the sandbox world. */
export function seedSandboxCatalog(fake: FakeAws, now: Date = new Date()): SandboxCatalog {
  const publicImageCount = seedPublic(fake, now);
  const ownImages = seedOwn(fake, now);
  const byName = (prefix: string) => ownImages.find((i) => i.name.startsWith(prefix));
  const ownImage = byName('platform-base-al2023') as FakeImage;
  const web = byName('web-frontend-golden');
  if (web) {
    fake.addInstance({
      imageId: web.imageId,
      region: web.region,
      accountId: SANDBOX_ACCOUNT_ID,
      instanceType: 'm7g.large',
      launchTime: daysAgo(now, 3, 9).toISOString(),
      tags: { Name: 'web-frontend-1' },
    });
  }
  const retention = seedRetentionEstate(fake, { now });
  const sharing = seedSharingEstate(fake, { now });
  const golden = seedGolden(fake, now);
  return { ownImage, ownImages, publicImageCount, retention, sharing, golden };
}

/**
 * The golden family `platform-base`, as if promoted twice already: a customer-managed key per
 * region, two generations of encrypted golden copies shared with the prod and app accounts (with
 * their KMS grants and snapshot permissions), and the SSM parameters pointing at the newer one with
 * the older one kept at `…/previous`. A newcomer can look at it (`/ami golden`), roll it back, ask
 * `/ami why` about it, and promote `platform-base-al2023-…` over it.
 */
function seedGolden(fake: FakeAws, now: Date): SandboxCatalog['golden'] {
  const current: Record<string, FakeImage> = {};
  const previous: Record<string, FakeImage> = {};
  const accounts = [SANDBOX_PROD_ACCOUNT_ID, SANDBOX_APP_ACCOUNT_ID];
  for (const region of SANDBOX_REGIONS) {
    const key = fake.addKmsKey({
      region,
      accountId: SANDBOX_ACCOUNT_ID,
      alias: SANDBOX_GOLDEN_KEY_ALIAS,
      description: 'Golden images of the platform team (shared with the application accounts)',
    });
    for (const account of accounts) {
      key.grants.push({
        grantId: `${region.replace(/-/g, '')}${account}`.padEnd(64, '0'),
        grantToken: `sandbox-${region}-${account}`,
        keyArn: key.arn,
        name: `amibot-shared-image-${account}`,
        granteePrincipal: `arn:aws:iam::${account}:root`,
        operations: [
          'Decrypt',
          'DescribeKey',
          'CreateGrant',
          'Encrypt',
          'ReEncryptFrom',
          'ReEncryptTo',
          'GenerateDataKeyWithoutPlaintext',
        ],
        issuingAccount: `arn:aws:iam::${SANDBOX_ACCOUNT_ID}:root`,
        creationDate: daysAgo(now, 40),
      });
    }
    const make = (ageDays: number, generation: string) => {
      const image = fake.addImage({
        region,
        ownerId: SANDBOX_ACCOUNT_ID,
        name: `platform-base-al2023-${dashed(daysAgo(now, ageDays))}-golden-${SANDBOX_GOLDEN_FAMILY}`,
        description: `Golden image of family ${SANDBOX_GOLDEN_FAMILY} (${generation})`,
        architecture: 'x86_64',
        creationDate: daysAgo(now, ageDays, 15).toISOString(),
        tags: {
          Team: 'platform',
          Service: 'base',
          'amibot:golden': SANDBOX_GOLDEN_FAMILY,
          Approved: 'yes',
          'amibot:scan-verdict': 'pass',
          'amibot:scan-date': dashed(daysAgo(now, ageDays + 1)),
        },
        imdsSupport: 'v2.0',
        bootMode: 'uefi-preferred',
        enaSupport: true,
        launchPermission: { accounts },
        blockDevices: [{ volumeSize: 8, encrypted: true, kmsKeyId: key.arn }],
      });
      for (const d of image.blockDevices) {
        const snap = d.snapshotId ? fake.getSnapshot(region, d.snapshotId) : undefined;
        if (snap) snap.createVolumePermission.accounts.push(...accounts);
      }
      return image;
    };
    previous[region] = make(60, 'previous');
    current[region] = make(31, 'current');
    fake.addParameter({
      name: `/amibot/golden/${SANDBOX_GOLDEN_FAMILY}/previous`,
      value: previous[region].imageId,
      dataType: 'aws:ec2:image',
      region,
      accountId: SANDBOX_ACCOUNT_ID,
    });
    fake.addParameter({
      name: SANDBOX_GOLDEN_PARAMETER,
      value: previous[region].imageId,
      dataType: 'aws:ec2:image',
      region,
      accountId: SANDBOX_ACCOUNT_ID,
    });
    fake.addParameter({
      name: SANDBOX_GOLDEN_PARAMETER,
      value: current[region].imageId,
      dataType: 'aws:ec2:image',
      region,
      accountId: SANDBOX_ACCOUNT_ID,
    });
  }
  return { current, previous };
}
