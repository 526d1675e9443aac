import { describe, expect, it } from 'vitest';
import { renderImageDetails } from '../../src/blocks/image-details.js';
import { assertWithinSlackLimits } from '../../src/blocks/limits.js';
import { allText, hugeImage, NOW, ownImage, ubuntuImage } from './fixtures.js';

const base = {
  account: 'prod',
  trusted: true,
  pricePerGbMonth: 0.05,
  expiryTagKey: 'ExpirationDate',
  now: NOW,
};

describe('renderImageDetails', () => {
  it('renders a public image seen by a non-owner', () => {
    const msg = renderImageDetails({
      ...base,
      image: ubuntuImage({ deprecationTime: '2028-11-18T00:00:00Z' }),
    });
    expect(assertWithinSlackLimits(msg)).toEqual([]);
    expect(msg.blocks[0]).toMatchObject({ type: 'header' });
    const t = allText(msg);
    for (const s of [
      'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20261118',
      'Canonical, Ubuntu, 24.04, arm64 noble image',
      '`ami-0abc1234def567890`',
      '`099720109477`',
      '✅ trusted',
      '`available`',
      '2026-11-18 (3 days ago)',
      'arm64',
      'hvm',
      'uefi',
      'supported',
      'IMDSv2 required',
      'ebs `/dev/sda1`',
      '`/dev/sda1` · `snap-0123456789abcdef0` · 8 GiB gp3 · ⚠️ not encrypted',
      '`/dev/sdb` · instance store `ephemeral0`',
      'Only the owner can see launch permissions',
      '🌐 public',
      '⏳ deprecates 2028-11-18',
      '(deprecation time)',
      '8 GiB · ~$0.40/month',
      '_no tags_',
      'upper bound',
      'Linux/UNIX',
    ]) {
      expect(t).toContain(s);
    }
    expect(msg.text).toContain('ami-0abc1234def567890');
  });

  it('renders an owned image with launch permissions, tags and expiry', () => {
    const image = ownImage(40, {
      description: undefined,
      imdsSupport: undefined,
      enaSupport: false,
      stateReason: 'Client.UserInitiated',
      state: 'disabled',
      ownerAlias: 'self',
      tags: { Team: 'web', ExpirationDate: '2026-11-26', Name: 'web <prod>' },
      sourceImageId: 'ami-0source',
      sourceImageRegion: 'us-west-2',
    });
    const msg = renderImageDetails({
      ...base,
      image,
      trusted: false,
      launchPermissions: {
        public: false,
        accounts: ['111111111111', '222222222222'],
        organizations: ['arn:aws:organizations::123456789012:organization/o-abc'],
        organizationalUnits: [],
      },
      lastLaunchedTime: '2026-11-01T08:15:00Z',
    });
    expect(assertWithinSlackLimits(msg)).toEqual([]);
    const t = allText(msg);
    for (const s of [
      '`disabled` — Client.UserInitiated',
      '⚠️ untrusted owner',
      'IMDSv1 allowed',
      'not supported',
      '🔒 encrypted with `arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab`',
      'Accounts (2):',
      '• `111111111111`',
      'Organizations (1):',
      '*Tags* (3)',
      '• `ExpirationDate`: 2026-11-26',
      '• `Name`: web &lt;prod&gt;',
      '🟠 expires 2026-11-26 (in 5 days)',
      '2026-11-01 08:15 UTC (20 days ago)',
      '`ami-0source` in us-west-2',
      '30 GiB · ~$1.50/month',
      '🔒 private',
    ]) {
      expect(t).toContain(s);
    }
  });

  it.each([
    [{ public: true, accounts: [], organizations: [], organizationalUnits: [] }, '🌐 *Public*'],
    [{ public: false, accounts: [], organizations: [], organizationalUnits: [] }, '🔒 Private'],
    [
      { public: false, accounts: [], organizations: [], organizationalUnits: ['ou-ab12-xyz'] },
      'Organizational units (1)',
    ],
  ])('launch permissions %j', (launchPermissions, expected) => {
    const msg = renderImageDetails({ ...base, image: ownImage(1), launchPermissions });
    expect(allText(msg)).toContain(expected);
  });

  it.each([
    [{ ExpirationDate: 'next week' }, '⚠️ invalid `ExpirationDate` tag: `next week`'],
    [{ ExpirationDate: '2026-11-18' }, '🔴 expired 3 days ago (2026-11-18)'],
    [{}, 'no `ExpirationDate` tag'],
  ])('expiry from tags %j', (tags, expected) => {
    expect(allText(renderImageDetails({ ...base, image: ownImage(1, { tags }) }))).toContain(expected);
  });

  it('fits a huge image (60 block devices, 50 tags, 5000-char description) and says what it left out', () => {
    const launchPermissions = {
      public: true,
      accounts: Array.from({ length: 1000 }, (_, i) => String(100000000000 + i)),
      organizations: Array.from({ length: 50 }, (_, i) => `o-${i}`),
      organizationalUnits: Array.from({ length: 50 }, (_, i) => `ou-${i}`),
    };
    const msg = renderImageDetails({
      ...base,
      account: 'x'.repeat(1000),
      image: hugeImage(),
      launchPermissions,
      lastLaunchedTime: 'garbage',
      expiryTagKey: 'ExpirationDate',
    });
    expect(assertWithinSlackLimits(msg)).toEqual([]);
    const t = allText(msg);
    expect(t).toMatch(/_\+\d+ more block devices_/);
    expect(t).toMatch(/_\+\d+ more tags_/);
    expect(t).toMatch(/_\+[\d,]+ more_/);
    expect(t).toContain('description cut; 5,000 characters in total');
    expect(t).toContain('*Block devices* (60)');
    expect(t).toContain('*Tags* (51)');
    expect(t).toContain('invalid `ExpirationDate` tag');
  });

  it('handles an image with nothing optional', () => {
    const msg = renderImageDetails({
      ...base,
      image: {
        imageId: 'ami-0123',
        region: 'us-east-1',
        name: '',
        ownerId: '1',
        state: 'pending',
        architecture: 'x86_64',
        public: false,
        blockDevices: [],
        tags: {},
      },
    });
    expect(assertWithinSlackLimits(msg)).toEqual([]);
    expect(allText(msg)).toContain('_none_');
  });
});
