import {
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeleteTagsCommand,
  DeregisterImageCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeSnapshotsCommand,
  DisableImageCommand,
  DisableImageDeprecationCommand,
  EC2Client,
  EnableImageCommand,
  EnableImageDeprecationCommand,
  ModifyImageAttributeCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';

const ME = '111111111111';
const OTHER = '333333333333';
const T0 = new Date('2026-11-26T12:00:00.000Z');
const ORG = 'arn:aws:organizations::999999999999:organization/o-abcdefghij';
const OU = 'arn:aws:organizations::999999999999:ou/o-abcdefghij/ou-ab12-cdefgh34';

let now = T0;
let fake: FakeAws;
const clients: EC2Client[] = [];

function ec2(region: string, accessKeyId = 'AKIAME'): EC2Client {
  const client = new EC2Client({
    endpoint: fake.url,
    region,
    credentials: { accessKeyId, secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
  clients.push(client);
  return client;
}

async function failure(
  promise: Promise<unknown>,
): Promise<Error & { $metadata: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { $metadata: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  fake = await FakeAws.start({ clock: () => now });
  fake.registerAccessKey('AKIAOTHER', OTHER);
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await fake.close();
});

afterEach(() => {
  now = T0;
});

describe('ModifyImageAttribute', () => {
  it('shares with accounts, organizations, OUs and everyone, and unshares', async () => {
    const region = 'eu-west-1';
    const image = fake.addImage({ region, name: 'to-share' });
    const mine = ec2(region);
    const theirs = ec2(region, 'AKIAOTHER');
    const visibleToOther = async () =>
      ((await theirs.send(new DescribeImagesCommand({ Owners: [ME] }))).Images ?? []).map((i) => i.ImageId);

    expect(await visibleToOther()).toEqual([]);
    await mine.send(
      new ModifyImageAttributeCommand({
        ImageId: image.imageId,
        LaunchPermission: {
          Add: [{ UserId: OTHER }, { OrganizationArn: ORG }, { OrganizationalUnitArn: OU }],
        },
      }),
    );
    expect(await visibleToOther()).toEqual([image.imageId]);
    const attribute = await mine.send(
      new DescribeImageAttributeCommand({ ImageId: image.imageId, Attribute: 'launchPermission' }),
    );
    expect(attribute.LaunchPermissions).toEqual([
      { UserId: OTHER },
      { OrganizationArn: ORG },
      { OrganizationalUnitArn: OU },
    ]);

    await mine.send(
      new ModifyImageAttributeCommand({
        ImageId: image.imageId,
        LaunchPermission: { Add: [{ Group: 'all' }] },
      }),
    );
    expect(image.public).toBe(true);
    const described = await mine.send(new DescribeImagesCommand({ ImageIds: [image.imageId] }));
    expect(described.Images?.[0]?.Public).toBe(true);

    await mine.send(
      new ModifyImageAttributeCommand({
        ImageId: image.imageId,
        LaunchPermission: { Remove: [{ Group: 'all' }, { UserId: OTHER }] },
      }),
    );
    expect(image.public).toBe(false);
    expect(image.launchPermission.accounts).toEqual([]);
    expect(await visibleToOther()).toEqual([]);

    // The older flat form works too.
    await mine.send(
      new ModifyImageAttributeCommand({
        ImageId: image.imageId,
        Attribute: 'launchPermission',
        OperationType: 'add',
        UserIds: [OTHER],
      }),
    );
    expect(image.launchPermission.accounts).toEqual([OTHER]);
  });

  it('changes the description', async () => {
    const region = 'eu-west-1';
    const image = fake.addImage({ region, description: 'old' });
    await ec2(region).send(
      new ModifyImageAttributeCommand({ ImageId: image.imageId, Description: { Value: 'new' } }),
    );
    expect(image.description).toBe('new');
  });

  it('lets only the owner modify, and validates values', async () => {
    const region = 'eu-west-1';
    const theirs = fake.addImage({ region, ownerId: OTHER, public: true });
    const denied = await failure(
      ec2(region).send(
        new ModifyImageAttributeCommand({
          ImageId: theirs.imageId,
          LaunchPermission: { Add: [{ UserId: ME }] },
        }),
      ),
    );
    expect(denied.name).toBe('AuthFailure');

    const mine = fake.addImage({ region });
    const bad = await failure(
      ec2(region).send(
        new ModifyImageAttributeCommand({
          ImageId: mine.imageId,
          LaunchPermission: { Add: [{ UserId: '12' }] },
        }),
      ),
    );
    expect(bad.name).toBe('InvalidAMIAttributeItemValue');

    const missing = await failure(
      ec2(region).send(
        new ModifyImageAttributeCommand({
          ImageId: 'ami-0000000000000000f',
          LaunchPermission: { Add: [{ UserId: OTHER }] },
        }),
      ),
    );
    expect(missing.name).toBe('InvalidAMIID.NotFound');
  });
});

describe('CreateTags / DeleteTags', () => {
  it('tags images and snapshots, and deletes tags by key or key and value', async () => {
    const region = 'us-west-2';
    const image = fake.addImage({ region });
    const snapshotId = image.blockDevices[0]?.snapshotId as string;
    const client = ec2(region);
    await client.send(
      new CreateTagsCommand({
        Resources: [image.imageId, snapshotId],
        Tags: [
          { Key: 'ExpirationDate', Value: '2027-01-01' },
          { Key: 'Team', Value: 'platform' },
          { Key: 'Empty' },
        ],
      }),
    );
    expect(image.tags).toEqual({ ExpirationDate: '2027-01-01', Team: 'platform', Empty: '' });
    expect(fake.getSnapshot(region, snapshotId)?.tags).toEqual(image.tags);

    const described = await client.send(
      new DescribeImagesCommand({ Filters: [{ Name: 'tag:ExpirationDate', Values: ['2027-*'] }] }),
    );
    expect(described.Images?.map((i) => i.ImageId)).toEqual([image.imageId]);

    await client.send(
      new DeleteTagsCommand({ Resources: [image.imageId], Tags: [{ Key: 'Team', Value: 'someone-else' }] }),
    );
    expect(image.tags['Team']).toBe('platform');
    await client.send(new DeleteTagsCommand({ Resources: [image.imageId], Tags: [{ Key: 'Team' }] }));
    expect(image.tags).toEqual({ ExpirationDate: '2027-01-01', Empty: '' });
    await client.send(new DeleteTagsCommand({ Resources: [snapshotId] }));
    expect(fake.getSnapshot(region, snapshotId)?.tags).toEqual({});

    const reserved = await failure(
      client.send(
        new CreateTagsCommand({ Resources: [image.imageId], Tags: [{ Key: 'aws:x', Value: 'y' }] }),
      ),
    );
    expect(reserved.name).toBe('InvalidParameterValue');
    const unknown = await failure(
      client.send(
        new CreateTagsCommand({ Resources: ['ami-0000000000000000f'], Tags: [{ Key: 'a', Value: 'b' }] }),
      ),
    );
    expect(unknown.name).toBe('InvalidAMIID.NotFound');
  });

  it('keeps tags per account on a shared image', async () => {
    const region = 'us-west-2';
    const shared = fake.addImage({ region, ownerId: OTHER, public: true, tags: { OwnerTag: 'x' } });
    const mine = ec2(region);
    await mine.send(
      new CreateTagsCommand({ Resources: [shared.imageId], Tags: [{ Key: 'Mine', Value: 'y' }] }),
    );
    const seenByMe = await mine.send(new DescribeImagesCommand({ ImageIds: [shared.imageId] }));
    expect(seenByMe.Images?.[0]?.Tags).toEqual([{ Key: 'Mine', Value: 'y' }]);
    const seenByOwner = await ec2(region, 'AKIAOTHER').send(
      new DescribeImagesCommand({ ImageIds: [shared.imageId] }),
    );
    expect(seenByOwner.Images?.[0]?.Tags).toEqual([{ Key: 'OwnerTag', Value: 'x' }]);
  });
});

describe('DeregisterImage / DeleteSnapshot', () => {
  it('deregisters, keeping snapshots unless asked, and refuses a second time', async () => {
    const region = 'ap-southeast-1';
    const image = fake.addImage({ region, name: 'retire-me' });
    const snapshotId = image.blockDevices[0]?.snapshotId as string;
    const client = ec2(region);

    const inUse = await failure(client.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId })));
    expect(inUse.name).toBe('InvalidSnapshot.InUse');

    const out = await client.send(new DeregisterImageCommand({ ImageId: image.imageId }));
    expect(out.Return).toBe(true);
    expect(image.state).toBe('deregistered');
    const listed = await client.send(new DescribeImagesCommand({ Owners: ['self'] }));
    expect(listed.Images?.some((i) => i.ImageId === image.imageId)).toBe(false);
    const named = await failure(client.send(new DescribeImagesCommand({ ImageIds: [image.imageId] })));
    expect(named.name).toBe('InvalidAMIID.NotFound');

    const again = await failure(client.send(new DeregisterImageCommand({ ImageId: image.imageId })));
    expect(again.name).toBe('InvalidAMIID.Unavailable');

    // The snapshot survived and can now be deleted.
    expect(fake.getSnapshot(region, snapshotId)).toBeDefined();
    await client.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId }));
    expect(fake.getSnapshot(region, snapshotId)).toBeUndefined();
    const gone = await failure(client.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] })));
    expect(gone.name).toBe('InvalidSnapshot.NotFound');
  });

  it('deletes associated snapshots that no other image uses', async () => {
    const region = 'ap-southeast-1';
    const image = fake.addImage({ region, blockDevices: [{}, {}] });
    const [root, data] = image.blockDevices.map((d) => d.snapshotId as string) as [string, string];
    const sibling = fake.addImage({ region, blockDevices: [{ snapshotId: data }] });
    expect(sibling.blockDevices[0]?.snapshotId).toBe(data);

    const out = await ec2(region).send(
      new DeregisterImageCommand({ ImageId: image.imageId, DeleteAssociatedSnapshots: true }),
    );
    expect(out.DeleteSnapshotResults).toEqual([
      { SnapshotId: root, ReturnCode: 'success' },
      { SnapshotId: data, ReturnCode: 'skipped' },
    ]);
    expect(fake.getSnapshot(region, root)).toBeUndefined();
    expect(fake.getSnapshot(region, data)).toBeDefined();
  });

  it('lets only the owner deregister or delete snapshots', async () => {
    const region = 'ap-southeast-1';
    const theirs = fake.addImage({ region, ownerId: OTHER, public: true });
    const denied = await failure(ec2(region).send(new DeregisterImageCommand({ ImageId: theirs.imageId })));
    expect(denied.name).toBe('AuthFailure');
    const snapshot = fake.addSnapshot({ region, ownerId: OTHER, createVolumePermission: { public: true } });
    const deleteDenied = await failure(
      ec2(region).send(new DeleteSnapshotCommand({ SnapshotId: snapshot.snapshotId })),
    );
    expect(deleteDenied.name).toBe('AuthFailure');
  });
});

describe('deprecation and disabling', () => {
  it('deprecates at a future minute, and cancels it', async () => {
    const region = 'eu-west-2';
    const image = fake.addImage({ region });
    const client = ec2(region);
    await client.send(
      new EnableImageDeprecationCommand({
        ImageId: image.imageId,
        DeprecateAt: new Date('2027-03-01T10:11:42.123Z'),
      }),
    );
    expect(image.deprecationTime).toBe('2027-03-01T10:11:00.000Z');
    const described = await client.send(new DescribeImagesCommand({ ImageIds: [image.imageId] }));
    expect(described.Images?.[0]?.DeprecationTime).toBe('2027-03-01T10:11:00.000Z');

    const past = await failure(
      client.send(
        new EnableImageDeprecationCommand({
          ImageId: image.imageId,
          DeprecateAt: new Date(T0.getTime() - 60_000),
        }),
      ),
    );
    expect(past.name).toBe('InvalidParameterValue');

    await client.send(new DisableImageDeprecationCommand({ ImageId: image.imageId }));
    expect(image.deprecationTime).toBeUndefined();
  });

  it('disables an image (hiding it and dropping its launch permissions) and enables it again', async () => {
    const region = 'eu-west-2';
    const image = fake.addImage({ region, public: true, launchPermission: { accounts: [OTHER] } });
    const client = ec2(region);
    await client.send(new DisableImageCommand({ ImageId: image.imageId }));
    expect(image.state).toBe('disabled');
    expect(image.public).toBe(false);
    expect(image.launchPermission.accounts).toEqual([]);
    const listed = await client.send(new DescribeImagesCommand({ Owners: ['self'] }));
    expect(listed.Images?.some((i) => i.ImageId === image.imageId)).toBe(false);
    const withDisabled = await client.send(
      new DescribeImagesCommand({ Owners: ['self'], IncludeDisabled: true }),
    );
    expect(withDisabled.Images?.find((i) => i.ImageId === image.imageId)?.State).toBe('disabled');

    await client.send(new EnableImageCommand({ ImageId: image.imageId }));
    expect(image.state).toBe('available');
    const again = await failure(client.send(new EnableImageCommand({ ImageId: image.imageId })));
    expect(again.name).toBe('IncorrectState');
  });
});

describe('usage: instances and launch templates', () => {
  it('finds instances by image id and state', async () => {
    const region = 'us-east-1';
    const image = fake.addImage({ region });
    const running = fake.addInstance({
      region,
      imageId: image.imageId,
      launchTime: '2026-11-20T00:00:00.000Z',
    });
    fake.addInstance({ region, imageId: image.imageId, state: 'stopped' });
    fake.addInstance({ region, imageId: image.imageId, state: 'running', accountId: OTHER });
    expect(image.lastLaunchedTime).toBe(T0.toISOString());

    const out = await ec2(region).send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: 'image-id', Values: [image.imageId] },
          { Name: 'instance-state-name', Values: ['running', 'pending'] },
        ],
      }),
    );
    expect(out.Reservations).toHaveLength(1);
    const instance = out.Reservations?.[0]?.Instances?.[0];
    expect(instance).toMatchObject({
      InstanceId: running.instanceId,
      ImageId: image.imageId,
      State: { Code: 16, Name: 'running' },
      InstanceType: 't3.micro',
    });
    expect(instance?.LaunchTime?.toISOString()).toBe('2026-11-20T00:00:00.000Z');
    expect(out.Reservations?.[0]?.OwnerId).toBe(ME);

    const all = await ec2(region).send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'image-id', Values: [image.imageId] }] }),
    );
    expect(all.Reservations).toHaveLength(2);
  });

  it('describes launch template versions by name, id, and across templates', async () => {
    const region = 'us-east-1';
    const image = fake.addImage({ region });
    const template = fake.addLaunchTemplate({
      region,
      name: 'web',
      versions: [{ imageId: 'ami-0000000000000000a' }, { imageId: image.imageId, instanceType: 'm7g.large' }],
    });
    fake.addLaunchTemplate({ region, name: 'batch', versions: [{ imageId: 'ami-0000000000000000b' }] });
    const client = ec2(region);

    const byName = await client.send(
      new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: 'web' }),
    );
    expect(
      byName.LaunchTemplateVersions?.map((v) => [
        v.VersionNumber,
        v.LaunchTemplateData?.ImageId,
        v.DefaultVersion,
      ]),
    ).toEqual([
      [1, 'ami-0000000000000000a', true],
      [2, image.imageId, false],
    ]);

    const latest = await client.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateId: template.launchTemplateId,
        Versions: ['$Latest'],
      }),
    );
    expect(latest.LaunchTemplateVersions?.[0]).toMatchObject({
      LaunchTemplateName: 'web',
      VersionNumber: 2,
      LaunchTemplateData: { ImageId: image.imageId, InstanceType: 'm7g.large' },
    });

    const using = await client.send(
      new DescribeLaunchTemplateVersionsCommand({
        Versions: ['$Latest', '$Default'],
        Filters: [{ Name: 'image-id', Values: [image.imageId] }],
      }),
    );
    expect(using.LaunchTemplateVersions?.map((v) => [v.LaunchTemplateName, v.VersionNumber])).toEqual([
      ['web', 2],
    ]);

    const missing = await failure(
      client.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: 'nope' })),
    );
    expect(missing.name).toBe('InvalidLaunchTemplateName.NotFoundException');
  });
});
