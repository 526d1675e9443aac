import {
  CreateImageCommand,
  DeleteSnapshotCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  ModifyImageAttributeCommand,
} from '@aws-sdk/client-ec2';
import { beforeAll, expect, it } from 'vitest';
import { Ec2Images } from '../../src/aws/ec2.js';
import { Ec2Changes } from '../../src/aws/ec2-changes.js';
import { Snapshots } from '../../src/aws/snapshots.js';
import { AppError } from '../../src/errors.js';
import { failure } from '../aws/support.js';
import { type Backend, describeContract, type SeededImage, unique } from './backends.js';
import { documented } from './deviations.js';

/** AMIs and their snapshots: DescribeImages, CreateImage, CreateTags, launch permissions, deregistration. */

const REGION = 'us-east-1';
const OTHER_ACCOUNT = '222222222222';
const ORG = 'arn:aws:organizations::999999999999:organization/o-abcdefghij';
const OU = 'arn:aws:organizations::999999999999:ou/o-abcdefghij/ou-ab12-cdefgh34';

async function awsError(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

describeContract('images', (backend: () => Backend) => {
  let b: Backend;
  let prefix: string;
  let team: string;
  /** x86_64 tagged, arm64 tagged, x86_64 untagged, then three more untagged x86_64 ones. */
  let seeded: SeededImage[];
  let images: Ec2Images;
  let changes: Ec2Changes;
  let snapshots: Snapshots;

  beforeAll(async () => {
    b = backend();
    prefix = unique('contract-img');
    team = unique('team');
    images = new Ec2Images(b.clients);
    changes = new Ec2Changes(b.clients);
    snapshots = new Snapshots(b.clients);
    seeded = await Promise.all([
      b.seedImage(REGION, { name: `${prefix}-a`, tags: { Team: team, Role: 'web' } }),
      b.seedImage(REGION, { name: `${prefix}-b`, tags: { Team: team }, architecture: 'arm64' }),
      ...['c', 'd', 'e', 'f'].map((s) => b.seedImage(REGION, { name: `${prefix}-${s}` })),
    ]);
  });

  const own = (query: Parameters<Ec2Images['listAll']>[2] = {}) =>
    images.listAll(b.account, REGION, { owners: ['self'], namePatterns: [`${prefix}-*`], ...query });
  const names = (list: { name: string }[]) => list.map((i) => i.name).sort();

  it('DescribeImages: Owners self and a name filter find exactly the account images', async () => {
    const found = await own();
    expect(names(found)).toEqual(['a', 'b', 'c', 'd', 'e', 'f'].map((s) => `${prefix}-${s}`));
    for (const image of found) {
      expect(image.ownerId).toBe(b.accountId);
      expect(image.state).toBe('available');
      expect(image.public).toBe(false);
    }
  });

  it('DescribeImages: Owners by account id equals Owners self', async () => {
    const byId = await images.listAll(b.account, REGION, {
      owners: [b.accountId],
      namePatterns: [`${prefix}-*`],
    });
    expect(names(byId)).toEqual(names(await own()));
  });

  it('DescribeImages: architecture, tag:, image-id, is-public and state filters', async () => {
    expect(names(await own({ arch: 'arm64' }))).toEqual([`${prefix}-b`]);
    expect(names(await own({ filters: [{ name: `tag:Team`, values: [team] }] }))).toEqual([
      `${prefix}-a`,
      `${prefix}-b`,
    ]);
    expect(names(await own({ filters: [{ name: 'tag:Role', values: ['web'] }] }))).toEqual([`${prefix}-a`]);
    expect(
      names(await own({ filters: [{ name: 'image-id', values: [seeded[2]?.imageId as string] }] })),
    ).toEqual([`${prefix}-c`]);
    expect(await own({ filters: [{ name: 'is-public', values: ['true'] }] })).toEqual([]);
    expect(await own({ filters: [{ name: 'is-public', values: ['false'] }] })).toHaveLength(6);
    expect(await own({ state: 'pending' })).toEqual([]);
  });

  it('DescribeImages: Owners amazon and owner-alias answer public Amazon images', async () => {
    const newest = await images.findNewest(b.account, REGION, { owners: ['amazon'], arch: 'arm64' }, 5);
    expect(newest.images.length).toBeGreaterThan(0);
    for (const image of newest.images) {
      expect(image.ownerAlias).toBe('amazon');
      expect(image.architecture).toBe('arm64');
      expect(image.public).toBe(true);
    }
    const byAlias = await b.ec2(REGION).send(
      new DescribeImagesCommand({
        Filters: [
          { Name: 'owner-alias', Values: ['amazon'] },
          { Name: 'architecture', Values: ['arm64'] },
        ],
      }),
    );
    expect((byAlias.Images ?? []).length).toBeGreaterThan(0);
    expect(new Set((byAlias.Images ?? []).map((i) => i.ImageOwnerAlias))).toEqual(new Set(['amazon']));
  });

  it('DescribeImages: MaxResults pages with NextToken', async () => {
    const client = b.ec2(REGION);
    const input = { Owners: ['self'], Filters: [{ Name: 'name', Values: [`${prefix}-*`] }], MaxResults: 5 };
    const first = await client.send(new DescribeImagesCommand(input));
    if (documented(b, 'describe-images.paging')) {
      expect(first.Images).toHaveLength(5);
      const second = await client.send(new DescribeImagesCommand({ ...input, NextToken: first.NextToken }));
      expect(second.Images).toHaveLength(1);
      expect(second.NextToken).toBeUndefined();
    } else {
      // moto answers everything in one page and never a token.
      expect(first.Images).toHaveLength(6);
      expect(first.NextToken).toBeUndefined();
    }
    // The product walks pages until there is no token: it sees every image either way.
    const walked: string[] = [];
    await images.eachPage(b.account, REGION, { owners: ['self'], namePatterns: [`${prefix}-*`] }, (page) => {
      walked.push(...page.map((i) => i.ImageId ?? ''));
      return true;
    });
    expect(walked.sort()).toEqual(seeded.map((s) => s.imageId).sort());
  });

  it('DescribeImages: unknown and malformed image ids', async () => {
    const missing = await failure(images.getImage(b.account, REGION, 'ami-0123456789abcdef0'));
    expect(missing.code).toBe('not_found');
    const malformed = await awsError(b.ec2(REGION).send(new DescribeImagesCommand({ ImageIds: ['bad-id'] })));
    expect(malformed.name).toBe('InvalidAMIID.Malformed');
  });

  it('CreateImage: an image of an instance, owned by the account, tagged, with its own snapshots', async () => {
    const [a] = seeded as [SeededImage];
    const image = await images.getImage(b.account, REGION, a.imageId);
    expect(image).toMatchObject({
      name: `${prefix}-a`,
      ownerId: b.accountId,
      state: 'available',
      architecture: 'x86_64',
    });
    expect(image.tags).toEqual({ Team: team, Role: 'web' });
    expect(a.snapshotIds.length).toBeGreaterThan(0);
    const described = await snapshots.describe(b.account, REGION, a.snapshotIds);
    expect(described.map((s) => s.snapshotId)).toEqual(a.snapshotIds);
    for (const s of described) expect(s.state).toBe('completed');
    const arm = await images.getImage(b.account, REGION, seeded[1]?.imageId as string);
    expect(arm.architecture).toBe('arm64');
  });

  it('CreateImage: a name already used by an image of the account is refused', async () => {
    const instanceId = await b.seedInstance(REGION, await b.publicImage(REGION));
    const attempt = b
      .ec2(REGION)
      .send(new CreateImageCommand({ InstanceId: instanceId, Name: `${prefix}-a` }));
    if (documented(b, 'create-image.duplicate-name')) {
      expect((await awsError(attempt)).name).toBe('InvalidAMIName.Duplicate');
    } else {
      expect((await attempt).ImageId).toMatch(/^ami-/);
    }
  });

  it('CreateTags: tags an image and its snapshot, found again by tag filter', async () => {
    const [, , c] = seeded as [SeededImage, SeededImage, SeededImage];
    const stage = unique('stage');
    await changes.setTags(b.account, REGION, [c.imageId, ...c.snapshotIds], { Stage: stage });
    expect(names(await own({ filters: [{ name: 'tag:Stage', values: [stage] }] }))).toEqual([`${prefix}-c`]);
    const out = await b
      .ec2(REGION)
      .send(new DescribeSnapshotsCommand({ Filters: [{ Name: 'tag:Stage', Values: [stage] }] }));
    expect((out.Snapshots ?? []).map((s) => s.SnapshotId)).toEqual(c.snapshotIds);
  });

  it('ModifyImageAttribute/DescribeImageAttribute: account launch permissions, added and removed', async () => {
    const imageId = seeded[3]?.imageId as string;
    const shared = await changes.addLaunchPermissions(b.account, REGION, imageId, [
      { kind: 'account', accountId: OTHER_ACCOUNT },
    ]);
    expect(shared).toEqual({
      public: false,
      accounts: [OTHER_ACCOUNT],
      organizations: [],
      organizationalUnits: [],
    });
    const unshared = await changes.removeLaunchPermissions(b.account, REGION, imageId, [
      { kind: 'account', accountId: OTHER_ACCOUNT },
    ]);
    expect(unshared.accounts).toEqual([]);
    const bad = await awsError(
      b.ec2(REGION).send(
        new ModifyImageAttributeCommand({
          ImageId: imageId,
          LaunchPermission: { Add: [{ UserId: '12345' }] },
        }),
      ),
    );
    expect(bad.name).toBe('InvalidAMIAttributeItemValue');
  });

  it('ModifyImageAttribute: public, organization and OU launch permissions, then all removed', async () => {
    const imageId = seeded[4]?.imageId as string;
    const after = await changes.addLaunchPermissions(b.account, REGION, imageId, [
      { kind: 'public' },
      { kind: 'organization', arn: ORG },
      { kind: 'ou', arn: OU },
    ]);
    expect(after).toEqual({ public: true, accounts: [], organizations: [ORG], organizationalUnits: [OU] });
    const described = await images.getImage(b.account, REGION, imageId);
    expect(described.public).toBe(true);
    const cleared = await changes.removeLaunchPermissions(b.account, REGION, imageId, 'all');
    expect(cleared).toEqual({ public: false, accounts: [], organizations: [], organizationalUnits: [] });
  });

  it('a launch permission lets the other account see and describe the image', async () => {
    const imageId = seeded[5]?.imageId as string;
    await changes.addLaunchPermissions(b.account, REGION, imageId, [
      { kind: 'account', accountId: OTHER_ACCOUNT },
    ]);
    const other = b.ec2(REGION, await b.assumeRole(OTHER_ACCOUNT));
    const attempt = other.send(new DescribeImagesCommand({ ImageIds: [imageId] }));
    if (documented(b, 'describe-images.shared-with-account')) {
      const out = await attempt;
      expect(out.Images?.map((i) => [i.ImageId, i.OwnerId])).toEqual([[imageId, b.accountId]]);
    } else {
      expect((await awsError(attempt)).name).toBe('InvalidAMIID.NotFound');
    }
  });

  it('DeleteSnapshot: refused while an image uses the snapshot; unknown snapshots are NotFound', async () => {
    const [a] = seeded as [SeededImage];
    const inUse = await awsError(
      b.ec2(REGION).send(new DeleteSnapshotCommand({ SnapshotId: a.snapshotIds[0] as string })),
    );
    expect(inUse.name).toBe('InvalidSnapshot.InUse');
    const kept = await snapshots.deleteIfUnused(b.account, REGION, a.snapshotIds[0] as string);
    if (documented(b, 'describe-images.snapshot-filter')) {
      expect(kept).toEqual({
        outcome: 'kept',
        reason: `still used by \`${a.imageId}\``,
        usedBy: [a.imageId],
      });
    } else {
      // moto fails the product's "which images use this snapshot" query: the product keeps the snapshot.
      expect(kept).toMatchObject({
        outcome: 'kept',
        reason: expect.stringMatching(/^could not check whether other images use it/),
      });
    }
    const missing = await awsError(
      b.ec2(REGION).send(new DeleteSnapshotCommand({ SnapshotId: 'snap-0123456789abcdef0' })),
    );
    expect(missing.name).toBe('InvalidSnapshot.NotFound');
  });

  it('DeregisterImage: keeps the snapshots unless asked; a second deregistration finds it gone', async () => {
    const kept = await b.seedImage(REGION, { name: unique('contract-dereg') });
    const first = await changes.deregister(b.account, REGION, kept.imageId, { deleteSnapshots: false });
    expect(first).toMatchObject({ alreadyGone: false, deletedSnapshots: [] });
    expect(first.keptSnapshots.map((s) => s.snapshotId)).toEqual(kept.snapshotIds);
    expect((await snapshots.describe(b.account, REGION, kept.snapshotIds)).map((s) => s.snapshotId)).toEqual(
      kept.snapshotIds,
    );
    const again = await changes.deregister(b.account, REGION, kept.imageId, {
      deleteSnapshots: true,
      knownSnapshotIds: kept.snapshotIds,
    });
    expect(again.alreadyGone).toBe(true);
    if (documented(b, 'describe-images.snapshot-filter')) {
      expect(again.deletedSnapshots).toEqual(kept.snapshotIds);
      expect(await snapshots.describe(b.account, REGION, kept.snapshotIds)).toEqual([]);
    } else {
      expect(again.deletedSnapshots).toEqual([]);
      expect(again.keptSnapshots.map((s) => s.reason)).toEqual([expect.stringMatching(/^could not check/)]);
    }
    const gone = await failure(images.getImage(b.account, REGION, kept.imageId));
    expect(gone).toBeInstanceOf(AppError);
  });

  it('DeregisterImage with deleteSnapshots: the snapshots go with it', async () => {
    const image = await b.seedImage(REGION, { name: unique('contract-dereg') });
    const result = await changes.deregister(b.account, REGION, image.imageId, { deleteSnapshots: true });
    const out = await b.ec2(REGION).send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }));
    const left = new Set((out.Snapshots ?? []).map((s) => s.SnapshotId));
    if (documented(b, 'describe-images.snapshot-filter')) {
      expect(result).toMatchObject({
        alreadyGone: false,
        deletedSnapshots: image.snapshotIds,
        keptSnapshots: [],
      });
      for (const id of image.snapshotIds) expect(left.has(id)).toBe(false);
    } else {
      // The image is gone, its snapshots are kept (the product fails closed when it cannot check).
      expect(result).toMatchObject({ alreadyGone: false, deletedSnapshots: [] });
      for (const id of image.snapshotIds) expect(left.has(id)).toBe(true);
    }
    expect((await failure(images.getImage(b.account, REGION, image.imageId))).code).toBe('not_found');
  });
});
