/**
 * A realistic, deterministic catalogue of Canonical's public Ubuntu AMIs for the fake AWS: real
 * naming conventions (`ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20250115`,
 * minimal, Pro and EKS variants), both architectures, build dates between each release and now,
 * and Canonical's two-year deprecation (older images are hidden unless `--include-deprecated`).
 */
import type { AddImageInput } from '../../dev/fake-aws/index.js';

export const CANONICAL = '099720109477';

interface Release {
  version: string;
  codename: string;
  released: string;
  /** Relative share of the catalogue. */
  weight: number;
  /** Still built on the old gp2 prefix (`hvm-ssd`) rather than `hvm-ssd-gp3`. */
  gp2Until?: string;
}

const RELEASES: readonly Release[] = [
  { version: '18.04', codename: 'bionic', released: '2018-04-26', weight: 8, gp2Until: '2099-01-01' },
  { version: '20.04', codename: 'focal', released: '2020-04-23', weight: 18, gp2Until: '2099-01-01' },
  { version: '22.04', codename: 'jammy', released: '2022-04-21', weight: 24, gp2Until: '2024-01-01' },
  { version: '24.04', codename: 'noble', released: '2024-04-25', weight: 26 },
  { version: '24.10', codename: 'oracular', released: '2024-10-10', weight: 8 },
  { version: '25.04', codename: 'plucky', released: '2025-04-17', weight: 8 },
  { version: '25.10', codename: 'questing', released: '2025-10-09', weight: 8 },
];

type Variant = 'server' | 'minimal' | 'pro' | 'eks';
const VARIANTS: ReadonlyArray<[Variant, number]> = [
  ['server', 45],
  ['minimal', 20],
  ['pro', 20],
  ['eks', 15],
];
const EKS_VERSIONS = ['1.28', '1.29', '1.30', '1.31', '1.32'];
const TWO_YEARS_MS = 2 * 365 * 24 * 3600 * 1000;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, weighted: ReadonlyArray<readonly [T, number]>): T {
  const total = weighted.reduce((s, [, w]) => s + w, 0);
  let r = random() * total;
  for (const [value, w] of weighted) {
    r -= w;
    if (r < 0) return value;
  }
  return (weighted[weighted.length - 1] as readonly [T, number])[0];
}

/** A function of the image index giving Canonical image `i` of a catalogue, for `FakeAws.addImages`. */
export function ubuntuCatalogue(seed = 1, now: Date = new Date()): (index: number) => AddImageInput {
  const random = mulberry32(seed);
  const releases = RELEASES.map((r) => [r, r.weight] as const);
  const nowMs = now.getTime();
  const seen = new Set<string>();
  return () => {
    const release = pick(random, releases);
    const variant = pick(random, VARIANTS);
    const arch = random() < 0.5 ? 'amd64' : 'arm64';
    const from = Date.parse(`${release.released}T00:00:00Z`);
    const created = new Date(from + random() * (nowMs - from));
    const day = created.toISOString().slice(0, 10).replace(/-/g, '');
    const disk = release.gp2Until && created.toISOString() < release.gp2Until ? 'hvm-ssd' : 'hvm-ssd-gp3';
    const base = `ubuntu-${release.codename}-${release.version}-${arch}`;
    let name: string;
    switch (variant) {
      case 'server':
        name = `ubuntu/images/${disk}/${base}-server-${day}`;
        break;
      case 'minimal':
        name = `ubuntu-minimal/images/${disk}/${base}-minimal-${day}`;
        break;
      case 'pro':
        name = `ubuntu-pro-server/images/${disk}/${base}-pro-server-${day}`;
        break;
      case 'eks': {
        const k8s = EKS_VERSIONS[Math.floor(random() * EKS_VERSIONS.length)] as string;
        name = `ubuntu-eks/k8s_${k8s}/images/${disk}/${base}-server-${day}`;
        break;
      }
    }
    // Names are unique per owner and region in EC2: same-day builds become respins (`.1`, `.2`…).
    let unique = name;
    for (let respin = 1; seen.has(unique); respin++) unique = `${name}.${respin}`;
    seen.add(unique);
    name = unique;
    const input: AddImageInput = {
      ownerId: CANONICAL,
      name,
      description: `Canonical, Ubuntu, ${release.version}, ${arch} ${release.codename} image`,
      architecture: arch === 'amd64' ? 'x86_64' : 'arm64',
      creationDate: created.toISOString(),
      deprecationTime: new Date(created.getTime() + TWO_YEARS_MS).toISOString(),
      public: true,
      region: 'us-east-1',
      rootDeviceName: '/dev/sda1',
      bootMode: 'uefi-preferred',
      sriovNetSupport: 'simple',
      imageLocation: `amazon/${name}`,
      blockDevices: [
        { deviceName: '/dev/sda1', volumeSize: 8, volumeType: disk === 'hvm-ssd' ? 'gp2' : 'gp3' },
      ],
    };
    if (release.version >= '24.04') input.imdsSupport = 'v2.0';
    return input;
  };
}
