import type { AmiImage } from '../../src/domain/image.js';

export const NOW = new Date('2026-11-21T12:00:00Z');

export function ubuntuImage(overrides: Partial<AmiImage> = {}): AmiImage {
  return {
    imageId: 'ami-0abc1234def567890',
    region: 'us-east-1',
    name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20261118',
    description: 'Canonical, Ubuntu, 24.04, arm64 noble image',
    ownerId: '099720109477',
    state: 'available',
    creationDate: '2026-11-18T09:30:00.000Z',
    architecture: 'arm64',
    virtualizationType: 'hvm',
    bootMode: 'uefi',
    enaSupport: true,
    imdsSupport: 'v2.0',
    rootDeviceType: 'ebs',
    rootDeviceName: '/dev/sda1',
    platformDetails: 'Linux/UNIX',
    public: true,
    blockDevices: [
      {
        deviceName: '/dev/sda1',
        snapshotId: 'snap-0123456789abcdef0',
        volumeSizeGiB: 8,
        volumeType: 'gp3',
        encrypted: false,
        deleteOnTermination: true,
      },
      { deviceName: '/dev/sdb', virtualName: 'ephemeral0' },
    ],
    tags: {},
    ...overrides,
  };
}

export function ownImage(i: number, overrides: Partial<AmiImage> = {}): AmiImage {
  return {
    imageId: `ami-${(0x1000000 + i).toString(16).padStart(17, '0')}`,
    region: 'eu-west-1',
    name: `web-server-${String(i).padStart(3, '0')}`,
    ownerId: '123456789012',
    state: 'available',
    creationDate: new Date(NOW.getTime() - i * 86_400_000).toISOString(),
    architecture: 'x86_64',
    rootDeviceType: 'ebs',
    public: false,
    blockDevices: [
      {
        deviceName: '/dev/xvda',
        snapshotId: `snap-${i}`,
        volumeSizeGiB: 30,
        volumeType: 'gp3',
        encrypted: true,
        kmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      },
    ],
    tags: { Team: 'web' },
    ...overrides,
  };
}

/** Nasty text: long, with mrkdwn control characters, backticks, asterisks, emoji and entities. */
export function nasty(n: number): string {
  const unit = '<!channel> & *bold* `tick` 🚀 &amp; > ';
  return unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
}

export function hugeImage(): AmiImage {
  const tags: Record<string, string> = {};
  for (let i = 0; i < 50; i++) tags[`${nasty(120)}-${i}`] = nasty(256);
  return ubuntuImage({
    name: nasty(500),
    description: nasty(5000),
    stateReason: nasty(1000),
    ownerAlias: nasty(300),
    platformDetails: nasty(300),
    blockDevices: Array.from({ length: 60 }, (_, i) => ({
      deviceName: `/dev/xvd${i}${nasty(40)}`,
      snapshotId: `snap-${i}${nasty(60)}`,
      volumeSizeGiB: 100 + i,
      volumeType: 'io2',
      encrypted: i % 2 === 0,
      kmsKeyId: i % 2 === 0 ? `arn:aws:kms:us-east-1:123456789012:key/${nasty(300)}` : undefined,
      deleteOnTermination: false,
    })),
    tags: { ...tags, ExpirationDate: nasty(400) },
    sourceImageId: nasty(300),
    sourceImageRegion: nasty(300),
  });
}

/** Every text in a message (fallback, blocks, fields, elements, buttons), joined by newlines. */
export function allText(msg: { text: string; blocks: unknown[] }): string {
  const out: string[] = [msg.text];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'text' && typeof x === 'string') out.push(x);
        else walk(x);
      }
    }
  };
  walk(msg.blocks);
  return out.join('\n');
}

/** Every button in a message. */
export function buttonsOf(msg: {
  blocks: unknown[];
}): Array<{ action_id?: string; value?: string; text: { text: string } }> {
  const out: Array<{ action_id?: string; value?: string; text: { text: string } }> = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === 'button') out.push(o as never);
      else Object.values(o).forEach(walk);
    }
  };
  walk(msg.blocks);
  return out;
}
