/**
 * Understanding `/ami find <words>`: turns "ubuntu 24.04 arm64" into the EC2 DescribeImages query
 * that finds Canonical's Ubuntu 24.04 arm64 server images, using the real owners and real AMI
 * naming conventions of the common OS families. Pure.
 *
 * How the plan is used (see `aws/ec2.ts`): `owners` → `Owners`; `namePatterns` → one `name`
 * filter (its values are OR'ed; `*` and `?` are wildcards); `arch` → an `architecture` filter;
 * `extraFilters` → further filters; `freeText` → every word must appear in the image name,
 * compared case-insensitively on the client.
 *
 * Why free text is matched client-side: EC2 name filters are case-sensitive, and people type
 * `myapp` for an image called `MyApp-2025-01`. For owners whose inventories are small (`self`,
 * team accounts) no name filter is sent and the words are matched client-side only. For the big
 * publishers (amazon, aws-marketplace, Canonical, Debian, Red Hat) listing everything would mean
 * tens of thousands of images, so the longest word is also sent as a name filter in its common
 * spellings (`*word*`, `*Word*`, `*WORD*`) to narrow the server-side result, and the client-side
 * match still applies to every word.
 */
import { type Arch, archOfWord } from './arch.js';
import type { FindCommand } from './grammar/index.js';
import { own } from './own.js';

export interface FindPlan {
  /** `ubuntu`, `debian`, `amazon-linux-2023`, `amazon-linux-2`, `rhel`, `windows`. */
  family?: string;
  /** For people: "Ubuntu 24.04 (noble) · arm64 · Canonical". */
  description: string;
  /** EC2 `Owners` values: account ids or aliases (`amazon`, `self`, `aws-marketplace`). */
  owners: string[];
  /** EC2 `name` filter values, with `*` / `?` wildcards. Empty: no name filter. */
  namePatterns: string[];
  arch?: Arch;
  extraFilters: Array<{ name: string; values: string[] }>;
  /** Lower-cased words every image name must contain (case-insensitive, client-side). */
  freeText: string[];
  /** Things worth telling the user about how the query was read (e.g. Windows is x86_64 only). */
  notes: string[];
}

export const CANONICAL_OWNER_ID = '099720109477';
export const DEBIAN_OWNER_ID = '136693071363';
export const REDHAT_OWNER_ID = '309956199498';

/**
 * `--owner` keywords → EC2 `Owners` values. Microsoft does not publish Windows AMIs under its own
 * account: AWS publishes the official Windows Server images under the `amazon` alias.
 */
export const OWNER_IDS: Record<string, string> = {
  amazon: 'amazon',
  canonical: CANONICAL_OWNER_ID,
  debian: DEBIAN_OWNER_ID,
  redhat: REDHAT_OWNER_ID,
  microsoft: 'amazon',
  self: 'self',
  'aws-marketplace': 'aws-marketplace',
};

const OWNER_LABELS: Record<string, string> = {
  amazon: 'Amazon',
  [CANONICAL_OWNER_ID]: 'Canonical',
  [DEBIAN_OWNER_ID]: 'Debian',
  [REDHAT_OWNER_ID]: 'Red Hat',
  self: 'your account',
  'aws-marketplace': 'AWS Marketplace',
};

/** Owners with huge public inventories: a server-side name filter is needed to keep queries small. */
const BIG_PUBLISHERS = new Set([
  'amazon',
  'aws-marketplace',
  CANONICAL_OWNER_ID,
  DEBIAN_OWNER_ID,
  REDHAT_OWNER_ID,
]);

export function ownerToEc2(owner: string): string {
  return own(OWNER_IDS, owner) ?? owner;
}

export function ownerLabel(owner: string): string {
  return own(OWNER_LABELS, owner) ?? owner;
}

/** Words that carry no meaning for the search once a family is known. */
const FILLER = new Set([
  'image',
  'images',
  'ami',
  'amis',
  'latest',
  'newest',
  'official',
  'lts',
  'os',
  'the',
]);

const UBUNTU: ReadonlyArray<{ version: string; codename: string }> = [
  { version: '18.04', codename: 'bionic' },
  { version: '20.04', codename: 'focal' },
  { version: '22.04', codename: 'jammy' },
  { version: '24.04', codename: 'noble' },
  { version: '24.10', codename: 'oracular' },
  { version: '25.04', codename: 'plucky' },
  { version: '25.10', codename: 'questing' },
];
const UBUNTU_VARIANTS = new Set(['minimal', 'pro', 'eks']);

const DEBIAN: ReadonlyArray<{ version: string; codename: string }> = [
  { version: '11', codename: 'bullseye' },
  { version: '12', codename: 'bookworm' },
  { version: '13', codename: 'trixie' },
];

const WINDOWS_VERSIONS = ['2016', '2019', '2022', '2025'];

interface Interpreted {
  family: string;
  label: string;
  owner: string;
  namePatterns: string[];
  freeText: string[];
  arch?: Arch;
  extraFilters?: Array<{ name: string; values: string[] }>;
  notes?: string[];
}

/** Splits glued forms: `ubuntu24.04` → `ubuntu 24.04`, `rhel9` → `rhel 9`, `win2022` → `win 2022`. */
function normaliseWords(words: readonly string[]): string[] {
  const out: string[] = [];
  for (const w of words) {
    for (const part of w.toLowerCase().split(/\s+/)) {
      if (part === '') continue;
      const glued = /^(ubuntu|debian|rhel|windows|win)[-_]?(\d[\d.]*)$/.exec(part);
      if (glued) {
        out.push(glued[1]!, glued[2]!);
        continue;
      }
      const al = /^(?:amazon-?linux|amzn|al)-?(2023|2)$/.exec(part);
      if (al) {
        out.push(al[1] === '2023' ? 'al2023' : 'al2');
        continue;
      }
      if (part === 'amazon-linux' || part === 'amazonlinux') {
        out.push('amazon', 'linux');
        continue;
      }
      if (part === 'red-hat') {
        out.push('redhat');
        continue;
      }
      if (part === 'windows-server') {
        out.push('windows', 'server');
        continue;
      }
      out.push(part);
    }
  }
  return out;
}

function take(words: string[], pred: (w: string) => boolean): string | undefined {
  const i = words.findIndex(pred);
  if (i < 0) return undefined;
  return words.splice(i, 1)[0];
}

function dropFiller(words: string[], extra: readonly string[] = []): string[] {
  return words.filter((w) => !FILLER.has(w) && !extra.includes(w));
}

function ubuntu(words: string[], arch: Arch | undefined): Interpreted {
  take(words, (w) => w === 'ubuntu');
  const versionWord = take(
    words,
    (w) => /^\d{2}\.(04|10)(\.\d+)?$/.test(w) || /^\d{2}$/.test(w) || UBUNTU.some((u) => u.codename === w),
  );
  let version: string | undefined;
  let codename: string | undefined;
  if (versionWord) {
    const known = UBUNTU.find(
      (u) =>
        u.codename === versionWord ||
        u.version === versionWord.slice(0, 5) ||
        u.version === `${versionWord}.04`,
    );
    version = known?.version ?? (versionWord.includes('.') ? versionWord.slice(0, 5) : `${versionWord}.04`);
    codename = known?.codename;
  }
  const rest = dropFiller(words, ['server', 'linux']);
  const a = arch === 'x86_64' ? 'amd64' : arch === 'arm64' ? 'arm64' : '*';
  const release = `ubuntu-${codename ?? '*'}-${version ?? '*'}`;
  const variants = rest.filter((w) => UBUNTU_VARIANTS.has(w));
  // Plain server images live under `ubuntu/images/hvm-ssd/` (older) and `…/hvm-ssd-gp3/` (newer);
  // `hvm-ssd*` covers both. Variants (minimal, pro, eks) live under other prefixes
  // (`ubuntu-minimal/images/…`, `ubuntu-pro-server/images/…`, `ubuntu-eks/k8s_1.31/images/…`),
  // so with any extra word the pattern widens and the words are matched as free text.
  const namePatterns =
    rest.length === 0
      ? [`ubuntu/images/hvm-ssd*/${release}-${a}-server-*`]
      : [`ubuntu*/images/hvm-ssd*/${release}-${a}-*`];
  const label =
    `Ubuntu${version ? ` ${version}` : ''}${codename ? ` (${codename})` : ''}` +
    (variants.length > 0 ? ` ${variants.join(' ')}` : '');
  return { family: 'ubuntu', label, owner: CANONICAL_OWNER_ID, namePatterns, freeText: rest, arch };
}

function debian(words: string[], arch: Arch | undefined): Interpreted {
  take(words, (w) => w === 'debian');
  const versionWord = take(
    words,
    (w) => DEBIAN.some((d) => d.version === w || d.codename === w) || /^\d{1,2}$/.test(w),
  );
  const known = DEBIAN.find((d) => d.version === versionWord || d.codename === versionWord);
  const version = known?.version ?? versionWord;
  const rest = dropFiller(words, ['linux', 'gnu']);
  const versions = version ? [version] : DEBIAN.map((d) => d.version);
  const arches = arch === 'x86_64' ? ['amd64'] : arch === 'arm64' ? ['arm64'] : ['amd64', 'arm64'];
  // `debian-12-amd64-20250112-1993`; `debian-12-backports-amd64-…` only when asked for.
  const namePatterns = versions.flatMap((v) =>
    arches.map((a) => (rest.length === 0 ? `debian-${v}-${a}-*` : `debian-${v}-*${a}-*`)),
  );
  const label = `Debian${version ? ` ${version}` : ''}${known ? ` (${known.codename})` : ''}`;
  return { family: 'debian', label, owner: DEBIAN_OWNER_ID, namePatterns, freeText: rest, arch };
}

function amazonLinux(words: string[], arch: Arch | undefined, generation: '2023' | '2'): Interpreted {
  const rest = dropFiller(words, [
    'amazon',
    'linux',
    'al2023',
    'al2',
    'amzn2',
    'amzn',
    '2023',
    '2',
    'kernel',
  ]);
  const a = arch ?? '*';
  if (generation === '2023') {
    const minimal = rest.includes('minimal');
    const others = rest.filter((w) => w !== 'minimal');
    // `al2023-ami-2023.6.20250115.0-kernel-6.1-x86_64`, `al2023-ami-minimal-2023.6.…-kernel-6.1-arm64`
    const namePatterns =
      others.length > 0
        ? [`al2023-ami-*-${a}`]
        : [minimal ? `al2023-ami-minimal-2023.*-${a}` : `al2023-ami-2023.*-${a}`];
    return {
      family: 'amazon-linux-2023',
      label: `Amazon Linux 2023${minimal ? ' minimal' : ''}`,
      owner: 'amazon',
      namePatterns,
      freeText: others,
      arch,
    };
  }
  // `amzn2-ami-hvm-2.0.20250108.0-x86_64-gp2`, `amzn2-ami-kernel-5.10-hvm-2.0.…-arm64-gp2`
  const namePatterns = rest.length > 0 ? [`amzn2-ami-*-${a}-*`] : [`amzn2-ami-*hvm-2.0.*-${a}-gp2`];
  return {
    family: 'amazon-linux-2',
    label: 'Amazon Linux 2',
    owner: 'amazon',
    namePatterns,
    freeText: rest,
    arch,
  };
}

function rhel(words: string[], arch: Arch | undefined): Interpreted {
  const versionWord = take(words, (w) => /^\d{1,2}(\.\d{1,2})?$/.test(w));
  const rest = dropFiller(words, ['rhel', 'redhat', 'red', 'hat', 'enterprise', 'linux']);
  const a = arch ?? '*';
  // `9` → `RHEL-9.*` (any 9.x); `9.5` → `RHEL-9.5.*`.
  const release = versionWord ? `RHEL-${versionWord}.*` : 'RHEL-*';
  // `RHEL-9.5.0_HVM-20241211-x86_64-0-Hourly2-GP3`: Hourly2 are the pay-as-you-go images anyone can
  // launch (Access2 ones need Red Hat Cloud Access); `_HVM-` excludes `_HVM_BETA-`.
  const namePatterns = rest.length > 0 ? [`${release}_HVM-*-${a}-*`] : [`${release}_HVM-*-${a}-*-Hourly2-*`];
  const label = `Red Hat Enterprise Linux${versionWord ? ` ${versionWord}` : ''}`;
  // RHEL names are upper/mixed case: client-side words would still match case-insensitively.
  return { family: 'rhel', label, owner: REDHAT_OWNER_ID, namePatterns, freeText: rest, arch };
}

function windows(words: string[], arch: Arch | undefined): Interpreted {
  const version = take(words, (w) => WINDOWS_VERSIONS.includes(w));
  const core = take(words, (w) => w === 'core') !== undefined;
  take(words, (w) => w === 'full');
  const rest = dropFiller(words, ['windows', 'win', 'server', 'microsoft', 'english', 'base']);
  const v = version ?? '*';
  const edition = core ? 'Core' : 'Full';
  // `Windows_Server-2022-English-Full-Base-2025.01.15`; with extra words (e.g. `sql`, `ecs`) the
  // pattern widens to every English image of that version and the words are matched client-side.
  const namePatterns =
    rest.length > 0
      ? [`Windows_Server-${v}-English-${core ? 'Core-' : ''}*`]
      : [`Windows_Server-${v}-English-${edition}-Base-*`];
  const notes: string[] = [];
  if (arch === 'arm64') notes.push('Windows Server AMIs are x86_64 only, so arm64 will find nothing.');
  return {
    family: 'windows',
    label: `Windows Server${version ? ` ${version}` : ''}${core ? ' Core' : ''}`,
    owner: 'amazon',
    namePatterns,
    freeText: rest,
    arch: arch ?? 'x86_64',
    extraFilters: [{ name: 'platform', values: ['windows'] }],
    notes,
  };
}

type FamilyName = 'ubuntu' | 'debian' | 'al2023' | 'al2' | 'rhel' | 'windows';

function detectFamily(words: readonly string[]): FamilyName | undefined {
  const has = (w: string) => words.includes(w);
  if (has('ubuntu') || words.some((w) => UBUNTU.some((u) => u.codename === w || u.version === w)))
    return 'ubuntu';
  if (has('debian') || words.some((w) => DEBIAN.some((d) => d.codename === w))) return 'debian';
  if (has('al2023')) return 'al2023';
  if (has('al2')) return 'al2';
  if (has('amazon') && has('linux')) return has('2') && !has('2023') ? 'al2' : 'al2023';
  if (has('rhel') || has('redhat') || (has('red') && has('hat'))) return 'rhel';
  if (has('windows') || has('win')) return 'windows';
  return undefined;
}

/** The family an owner alone implies (`find --owner canonical` → the latest Ubuntu images). */
const OWNER_FAMILY: Record<string, FamilyName> = {
  canonical: 'ubuntu',
  debian: 'debian',
  redhat: 'rhel',
  microsoft: 'windows',
};

const FAMILY_OWNER: Record<FamilyName, string> = {
  ubuntu: CANONICAL_OWNER_ID,
  debian: DEBIAN_OWNER_ID,
  al2023: 'amazon',
  al2: 'amazon',
  rhel: REDHAT_OWNER_ID,
  windows: 'amazon',
};

function interpretFamily(family: FamilyName, words: string[], arch: Arch | undefined): Interpreted {
  switch (family) {
    case 'ubuntu':
      return ubuntu(words, arch);
    case 'debian':
      return debian(words, arch);
    case 'al2023':
      return amazonLinux(words, arch, '2023');
    case 'al2':
      return amazonLinux(words, arch, '2');
    case 'rhel':
      return rhel(words, arch);
    case 'windows':
      return windows(words, arch);
  }
}

function capitalise(w: string): string {
  return w.charAt(0).toUpperCase() + w.slice(1);
}

/** `ubuntu-*-*-server-*` → `ubuntu-*-server-*`: adjacent wildcards add nothing. */
function tidyPattern(pattern: string): string {
  return pattern.replace(/\*(-\*)+/g, '*');
}

function describe(parts: Array<string | undefined>): string {
  return parts.filter((p): p is string => p !== undefined && p !== '').join(' · ');
}

/**
 * Reads a `find` command into a DescribeImages plan. `trustedOwners` (EC2 owner values from
 * config) are searched when the words name no known family and no `--owner` is given.
 */
export function interpretFindQuery(cmd: FindCommand, trustedOwners: string[]): FindPlan {
  const all = normaliseWords(cmd.words);
  // Architecture words (arch.ts, the same table `--arch` reads): `--arch` wins over a word.
  let wordArch: Arch | undefined;
  const words = all.filter((w) => {
    const a = archOfWord(w);
    if (a === undefined) return true;
    wordArch ??= a;
    return false;
  });
  const arch = cmd.arch ?? wordArch;
  const notes: string[] = [];
  if (cmd.arch && wordArch && cmd.arch !== wordArch) {
    notes.push(`\`--arch ${cmd.arch}\` overrides the word ${wordArch}.`);
  }
  const ownerValue = cmd.owner === undefined ? undefined : ownerToEc2(cmd.owner);

  let family = detectFamily(words);
  if (family === undefined && words.length === 0 && cmd.owner !== undefined)
    family = own(OWNER_FAMILY, cmd.owner);

  if (family !== undefined && (ownerValue === undefined || ownerValue === FAMILY_OWNER[family])) {
    const f = interpretFamily(family, [...words], arch);
    const label = f.label.toLowerCase();
    const extraWords = f.freeText.filter((w) => !label.includes(w));
    const owner = ownerLabel(f.owner);
    return {
      family: f.family,
      description: describe([
        f.label,
        extraWords.length > 0 ? `“${extraWords.join(' ')}”` : undefined,
        f.arch,
        // "Debian 12 · Debian" would say the same thing twice.
        f.label.startsWith(owner) ? undefined : owner,
      ]),
      owners: [f.owner],
      namePatterns: f.namePatterns.map(tidyPattern),
      ...(f.arch ? { arch: f.arch } : {}),
      extraFilters: f.extraFilters ?? [],
      freeText: f.freeText,
      notes: [...notes, ...(f.notes ?? [])],
    };
  }

  // Free text: no known family, or an owner that does not publish that family (e.g. your own
  // images built from Ubuntu: `find ubuntu --owner self`).
  if (family !== undefined && ownerValue !== undefined) {
    notes.push(
      `Searching ${ownerLabel(ownerValue)}'s images whose names contain the words, not the official ${family} images.`,
    );
  }
  const freeText = dropFiller(words);
  const owners = ownerValue !== undefined ? [ownerValue] : [...new Set(trustedOwners.map(ownerToEc2))];
  const longest = [...freeText].sort((a, b) => b.length - a.length)[0];
  const needsNameFilter = owners.length === 0 || owners.some((o) => BIG_PUBLISHERS.has(o));
  const namePatterns =
    longest !== undefined && needsNameFilter
      ? [...new Set([`*${longest}*`, `*${capitalise(longest)}*`, `*${longest.toUpperCase()}*`])]
      : [];
  return {
    description: describe([
      freeText.length > 0 ? `“${freeText.join(' ')}”` : 'Any image',
      arch,
      owners.length > 0 ? owners.map(ownerLabel).join(', ') : 'any owner',
    ]),
    owners,
    namePatterns,
    ...(arch ? { arch } : {}),
    extraFilters: [],
    freeText,
    notes,
  };
}
