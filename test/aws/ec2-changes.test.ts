import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import type { AwsClients } from '../../src/aws/clients.js';
import { Ec2Changes } from '../../src/aws/ec2-changes.js';
import { clientsFor, failure, testAccount } from './support.js';

const ME = '111111111111';
const OTHER = '222222222222';
const REGION = 'us-east-1';
const T0 = new Date('2026-11-26T12:00:00.000Z');
const ORG = 'arn:aws:organizations::999999999999:organization/o-abcdef1234';
const OU = 'arn:aws:organizations::999999999999:ou/o-abcdef1234/ou-ab12-cdef5678';
const account = testAccount;

let now = T0;
let fake: FakeAws;
let clients: AwsClients;
let changes: Ec2Changes;

beforeAll(async () => {
  fake = await FakeAws.start({ clock: () => now });
  clients = clientsFor(fake);
  changes = new Ec2Changes(clients);
});

afterAll(async () => {
  clients.destroy();
  await fake.close();
});

afterEach(() => {
  now = T0;
  fake.faults.reset();
  fake.resetCalls();
});

describe('launch permissions', () => {
  it('adds account, organization, OU and public permissions and returns them read back', async () => {
    const image = fake.addImage({ name: 'share-me' });
    const after = await changes.addLaunchPermissions(account, REGION, image.imageId, [
      { kind: 'account', accountId: OTHER },
      { kind: 'organization', arn: ORG },
      { kind: 'ou', arn: OU },
      { kind: 'public' },
    ]);
    const stored = fake.getImage(REGION, image.imageId);
    expect(stored?.launchPermission).toEqual({
      accounts: [OTHER],
      organizations: [ORG],
      organizationalUnits: [OU],
    });
    expect(stored?.public).toBe(true);
    expect(after).toEqual({
      public: true,
      accounts: [OTHER],
      organizations: [ORG],
      organizationalUnits: [OU],
    });
    const modify = fake.callsOf('ModifyImageAttribute');
    expect(modify).toHaveLength(1);
    expect(modify[0]?.params).toMatchObject({
      'LaunchPermission.Add.1.UserId': OTHER,
      'LaunchPermission.Add.4.Group': 'all',
    });
  });

  it('removes the named permissions only', async () => {
    const image = fake.addImage({
      launchPermission: { accounts: [OTHER, '333333333333'], organizations: [ORG] },
      public: true,
    });
    const after = await changes.removeLaunchPermissions(account, REGION, image.imageId, [
      { kind: 'account', accountId: OTHER },
      { kind: 'public' },
    ]);
    expect(after).toEqual({
      public: false,
      accounts: ['333333333333'],
      organizations: [ORG],
      organizationalUnits: [],
    });
    expect(fake.getImage(REGION, image.imageId)?.launchPermission.accounts).toEqual(['333333333333']);
  });

  it("'all' reads the current permissions and removes every one, public included", async () => {
    const image = fake.addImage({
      launchPermission: { accounts: [OTHER], organizations: [ORG], organizationalUnits: [OU] },
      public: true,
    });
    const after = await changes.removeLaunchPermissions(account, REGION, image.imageId, 'all');
    expect(after).toEqual({ public: false, accounts: [], organizations: [], organizationalUnits: [] });
    const stored = fake.getImage(REGION, image.imageId);
    expect(stored?.public).toBe(false);
    expect(stored?.launchPermission).toEqual({ accounts: [], organizations: [], organizationalUnits: [] });
  });

  it("'all' on a private image changes nothing and makes no ModifyImageAttribute call", async () => {
    const image = fake.addImage();
    const after = await changes.removeLaunchPermissions(account, REGION, image.imageId, 'all');
    expect(after.public).toBe(false);
    expect(fake.callsOf('ModifyImageAttribute')).toHaveLength(0);
  });

  it('names the missing IAM action when EC2 refuses', async () => {
    const image = fake.addImage();
    fake.faults.failNext('ModifyImageAttribute', { code: 'UnauthorizedOperation' });
    const err = await failure(
      changes.addLaunchPermissions(account, REGION, image.imageId, [{ kind: 'account', accountId: OTHER }]),
    );
    expect(err.code).toBe('aws_access_denied');
    expect(err.userMessage).toContain('`ec2:ModifyImageAttribute`');
    expect(err.userMessage).toContain('*default*');
    expect(fake.getImage(REGION, image.imageId)?.launchPermission.accounts).toEqual([]);
  });

  it('maps an unknown image to not_found naming the image', async () => {
    const err = await failure(
      changes.addLaunchPermissions(account, REGION, 'ami-0123456789abcdef0', [{ kind: 'public' }]),
    );
    expect(err.code).toBe('not_found');
    expect(err.userMessage).toContain('ami-0123456789abcdef0');
  });
});

describe('deprecation and disabling', () => {
  it('deprecates at a future time and undeprecates', async () => {
    const image = fake.addImage();
    const at = new Date(T0.getTime() + 30 * 86_400_000);
    await changes.enableDeprecation(account, REGION, image.imageId, at);
    expect(fake.getImage(REGION, image.imageId)?.deprecationTime).toBe(at.toISOString());
    await changes.disableDeprecation(account, REGION, image.imageId);
    expect(fake.getImage(REGION, image.imageId)?.deprecationTime).toBeUndefined();
  });

  it('passes EC2 refusing a past deprecation time on to the user', async () => {
    const image = fake.addImage();
    const err = await failure(
      changes.enableDeprecation(account, REGION, image.imageId, new Date(T0.getTime() - 86_400_000)),
    );
    expect(err.code).toBe('aws_error');
    expect(err.userMessage).toContain('ec2:EnableImageDeprecation');
    expect(err.userMessage).toContain('future');
  });

  it('disables (dropping launch permissions) and enables an image', async () => {
    const image = fake.addImage({ launchPermission: { accounts: [OTHER] } });
    await changes.disableImage(account, REGION, image.imageId);
    expect(fake.getImage(REGION, image.imageId)?.state).toBe('disabled');
    expect(fake.getImage(REGION, image.imageId)?.launchPermission.accounts).toEqual([]);
    await changes.enableImage(account, REGION, image.imageId);
    expect(fake.getImage(REGION, image.imageId)?.state).toBe('available');
  });

  it('turns IncorrectState into a conflict', async () => {
    const image = fake.addImage();
    const err = await failure(changes.enableImage(account, REGION, image.imageId));
    expect(err.code).toBe('conflict');
    expect(err.userMessage).toContain(image.imageId);
  });

  it('names ec2:DisableImage when it is not allowed', async () => {
    const image = fake.addImage();
    fake.faults.failNext('DisableImage', { code: 'UnauthorizedOperation' });
    const err = await failure(changes.disableImage(account, REGION, image.imageId));
    expect(err.userMessage).toContain('`ec2:DisableImage`');
    expect(fake.getImage(REGION, image.imageId)?.state).toBe('available');
  });
});

describe('tags', () => {
  it('sets tags on an image and its snapshot, then deletes some by key', async () => {
    const image = fake.addImage({ tags: { Team: 'platform' } });
    const snapshotId = image.blockDevices[0]?.snapshotId as string;
    await changes.setTags(account, REGION, [image.imageId, snapshotId], {
      ExpirationDate: '2027-01-01',
      Owner: 'ops',
    });
    expect(fake.getImage(REGION, image.imageId)?.tags).toEqual({
      Team: 'platform',
      ExpirationDate: '2027-01-01',
      Owner: 'ops',
    });
    expect(fake.getSnapshot(REGION, snapshotId)?.tags).toEqual({
      ExpirationDate: '2027-01-01',
      Owner: 'ops',
    });
  });

  it('makes no call for nothing to do', async () => {
    const image = fake.addImage();
    await changes.setTags(account, REGION, [image.imageId], {});
    expect(fake.calls).toHaveLength(0);
  });

  it('names ec2:CreateTags when refused', async () => {
    const image = fake.addImage();
    fake.faults.failNext('CreateTags', { code: 'UnauthorizedOperation' });
    const err = await failure(changes.setTags(account, REGION, [image.imageId], { a: 'b' }));
    expect(err.code).toBe('aws_access_denied');
    expect(err.userMessage).toContain('`ec2:CreateTags`');
  });
});

describe('deregister', () => {
  it('deletes the snapshots only this image used and keeps one another image shares', async () => {
    const region = 'us-west-2';
    const shared = fake.addSnapshot({ region });
    const image = fake.addImage({ region, blockDevices: [{}, { snapshotId: shared.snapshotId }] });
    const own = image.blockDevices[0]?.snapshotId as string;
    const sibling = fake.addImage({ region, blockDevices: [{ snapshotId: shared.snapshotId }] });

    const result = await changes.deregister(account, region, image.imageId, { deleteSnapshots: true });
    expect(result.alreadyGone).toBe(false);
    expect(result.deletedSnapshots).toEqual([own]);
    expect(result.keptSnapshots).toEqual([
      {
        snapshotId: shared.snapshotId,
        reason: expect.stringContaining(sibling.imageId),
        usedBy: [sibling.imageId],
      },
    ]);
    expect(result.missingSnapshots).toEqual([]);
    expect(fake.getImage(region, image.imageId)?.state).toBe('deregistered');
    expect(fake.getSnapshot(region, own)).toBeUndefined();
    expect(fake.getSnapshot(region, shared.snapshotId)).toBeDefined();
    expect(fake.getImage(region, sibling.imageId)?.state).toBe('available');
    // The snapshots were read before the image was deregistered.
    const order = fake.calls.map((c) => c.action);
    expect(order.indexOf('DescribeImages')).toBeLessThan(order.indexOf('DeregisterImage'));
    expect(order.filter((a) => a === 'DeleteSnapshot')).toHaveLength(1);
  });

  it('counts a disabled or deprecated image as a user of the snapshot', async () => {
    const region = 'us-west-2';
    const shared = fake.addSnapshot({ region });
    const image = fake.addImage({ region, blockDevices: [{ snapshotId: shared.snapshotId }] });
    const disabled = fake.addImage({
      region,
      state: 'disabled',
      deprecationTime: '2020-01-01T00:00:00.000Z',
      blockDevices: [{ snapshotId: shared.snapshotId }],
    });
    const result = await changes.deregister(account, region, image.imageId, { deleteSnapshots: true });
    expect(result.deletedSnapshots).toEqual([]);
    expect(result.keptSnapshots[0]?.usedBy).toEqual([disabled.imageId]);
    expect(fake.getSnapshot(region, shared.snapshotId)).toBeDefined();
  });

  it('keeps every snapshot when not asked to delete them', async () => {
    const image = fake.addImage({ blockDevices: [{}, {}] });
    const ids = image.blockDevices.map((d) => d.snapshotId);
    const result = await changes.deregister(account, REGION, image.imageId, { deleteSnapshots: false });
    expect(result.deletedSnapshots).toEqual([]);
    expect(result.keptSnapshots.map((k) => k.snapshotId)).toEqual(ids);
    expect(fake.callsOf('DeleteSnapshot')).toHaveLength(0);
    for (const id of ids) expect(fake.getSnapshot(REGION, id as string)).toBeDefined();
  });

  it('is idempotent: a retry reports alreadyGone and finishes the snapshots it is told about', async () => {
    const image = fake.addImage();
    const snap = image.blockDevices[0]?.snapshotId as string;
    const first = await changes.deregister(account, REGION, image.imageId, { deleteSnapshots: false });
    expect(first.alreadyGone).toBe(false);

    const retry = await changes.deregister(account, REGION, image.imageId, {
      deleteSnapshots: true,
      knownSnapshotIds: [snap],
    });
    expect(retry.alreadyGone).toBe(true);
    expect(retry.deletedSnapshots).toEqual([snap]);
    expect(fake.getSnapshot(REGION, snap)).toBeUndefined();

    const again = await changes.deregister(account, REGION, image.imageId, {
      deleteSnapshots: true,
      knownSnapshotIds: [snap],
    });
    expect(again).toEqual({
      alreadyGone: true,
      deletedSnapshots: [],
      keptSnapshots: [],
      missingSnapshots: [snap],
    });
  });

  it('treats DeregisterImage answering Unavailable (a race) as already gone', async () => {
    const image = fake.addImage();
    fake.faults.failNext('DeregisterImage', { code: 'InvalidAMIID.Unavailable' });
    const result = await changes.deregister(account, REGION, image.imageId, { deleteSnapshots: false });
    expect(result.alreadyGone).toBe(true);
  });

  it('keeps a snapshot EC2 says is in use, with the reason', async () => {
    const image = fake.addImage();
    const snap = image.blockDevices[0]?.snapshotId as string;
    fake.faults.failNext('DeleteSnapshot', {
      code: 'InvalidSnapshot.InUse',
      message: `The snapshot ${snap} is currently in use by ami-0aaaaaaaaaaaaaaaa`,
    });
    const result = await changes.deregister(account, REGION, image.imageId, { deleteSnapshots: true });
    expect(result.deletedSnapshots).toEqual([]);
    expect(result.keptSnapshots).toEqual([{ snapshotId: snap, reason: expect.stringContaining('in use') }]);
    expect(fake.getSnapshot(REGION, snap)).toBeDefined();
  });

  it('reports a snapshot deleted meanwhile as missing', async () => {
    const image = fake.addImage();
    const snap = image.blockDevices[0]?.snapshotId as string;
    fake.faults.failNext('DeleteSnapshot', { code: 'InvalidSnapshot.NotFound' });
    const result = await changes.deregister(account, REGION, image.imageId, { deleteSnapshots: true });
    expect(result.missingSnapshots).toEqual([snap]);
  });

  it('keeps a snapshot it may not delete and says why, without failing the deregistration', async () => {
    const image = fake.addImage();
    const snap = image.blockDevices[0]?.snapshotId as string;
    fake.faults.failNext('DeleteSnapshot', { code: 'UnauthorizedOperation' });
    const result = await changes.deregister(account, REGION, image.imageId, { deleteSnapshots: true });
    expect(fake.getImage(REGION, image.imageId)?.state).toBe('deregistered');
    expect(result.keptSnapshots).toEqual([
      { snapshotId: snap, reason: expect.stringContaining('`ec2:DeleteSnapshot`') },
    ]);
  });

  it('names ec2:DeregisterImage when refused, and leaves the image and snapshots alone', async () => {
    const image = fake.addImage();
    fake.faults.failNext('DeregisterImage', { code: 'UnauthorizedOperation' });
    const err = await failure(changes.deregister(account, REGION, image.imageId, { deleteSnapshots: true }));
    expect(err.code).toBe('aws_access_denied');
    expect(err.userMessage).toContain('`ec2:DeregisterImage`');
    expect(fake.getImage(REGION, image.imageId)?.state).toBe('available');
    expect(fake.callsOf('DeleteSnapshot')).toHaveLength(0);
  });

  it('refuses an image another account owns', async () => {
    const image = fake.addImage({ ownerId: OTHER, public: true });
    const err = await failure(changes.deregister(account, REGION, image.imageId, { deleteSnapshots: true }));
    expect(err.code).toBe('forbidden');
    expect(err.userMessage).toContain(OTHER);
    expect(fake.getImage(REGION, image.imageId)?.state).toBe('available');
  });
});

describe('ownership', () => {
  it('reports the account id it acts as', async () => {
    expect(await clients.accountId(account, REGION)).toBe(ME);
  });
});
