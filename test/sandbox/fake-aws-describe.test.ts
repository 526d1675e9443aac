import {
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  type DescribeImagesCommandInput,
  DescribeRegionsCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  type EC2ServiceException,
  paginateDescribeImages,
} from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { isThrottlingError } from '@smithy/core/retry';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';

const ME = '111111111111';
const OTHER = '333333333333';
const T0 = new Date('2026-11-26T12:00:00.000Z');

let now = T0;
let fake: FakeAws;
const clients: { destroy(): void }[] = [];

function ec2(
  options: { region?: string; accessKeyId?: string; secretAccessKey?: string; sessionToken?: string } = {},
) {
  const client = new EC2Client({
    endpoint: fake.url,
    region: options.region ?? 'us-east-1',
    credentials: {
      accessKeyId: options.accessKeyId ?? 'AKIAME',
      secretAccessKey: options.secretAccessKey ?? 'secret',
      ...(options.sessionToken ? { sessionToken: options.sessionToken } : {}),
    },
    maxAttempts: 1,
  });
  clients.push(client);
  return client;
}

function sts(accessKeyId = 'AKIAME', extra: { secretAccessKey?: string; sessionToken?: string } = {}) {
  const client = new STSClient({
    endpoint: fake.url,
    region: 'us-east-1',
    credentials: { accessKeyId, secretAccessKey: extra.secretAccessKey ?? 'secret', ...extra },
    maxAttempts: 1,
  });
  clients.push(client);
  return client;
}

async function failure(promise: Promise<unknown>): Promise<EC2ServiceException> {
  try {
    await promise;
  } catch (error) {
    return error as EC2ServiceException;
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
  fake.faults.reset();
});

describe('DescribeImages', () => {
  it('returns an own image with every field the SDK maps', async () => {
    const image = fake.addImage({
      region: 'eu-west-1',
      name: 'golden-base-2026.11',
      description: 'Golden <base> & friends',
      architecture: 'arm64',
      creationDate: '2026-10-01T08:00:00.000Z',
      tags: { Team: 'platform', ExpirationDate: '2027-01-01' },
      bootMode: 'uefi',
      imdsSupport: 'v2.0',
      blockDevices: [
        { volumeSize: 20, encrypted: true },
        { volumeSize: 100, volumeType: 'io2', iops: 3000 },
      ],
      lastLaunchedTime: '2026-11-01T00:00:00.000Z',
    });
    const out = await ec2({ region: 'eu-west-1' }).send(new DescribeImagesCommand({ Owners: ['self'] }));
    expect(out.NextToken).toBeUndefined();
    expect(out.Images).toHaveLength(1);
    const got = out.Images?.[0];
    expect(got).toMatchObject({
      ImageId: image.imageId,
      Name: 'golden-base-2026.11',
      Description: 'Golden <base> & friends',
      OwnerId: ME,
      State: 'available',
      Architecture: 'arm64',
      CreationDate: '2026-10-01T08:00:00.000Z',
      Public: false,
      VirtualizationType: 'hvm',
      RootDeviceType: 'ebs',
      RootDeviceName: '/dev/xvda',
      EnaSupport: true,
      BootMode: 'uefi',
      ImdsSupport: 'v2.0',
      PlatformDetails: 'Linux/UNIX',
      ImageType: 'machine',
      LastLaunchedTime: '2026-11-01T00:00:00.000Z',
    });
    expect(image.imageId).toMatch(/^ami-[0-9a-f]{17}$/);
    expect(got?.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'Team', Value: 'platform' },
        { Key: 'ExpirationDate', Value: '2027-01-01' },
      ]),
    );
    expect(got?.BlockDeviceMappings).toEqual([
      {
        DeviceName: '/dev/xvda',
        Ebs: {
          SnapshotId: image.blockDevices[0]?.snapshotId,
          VolumeSize: 20,
          VolumeType: 'gp3',
          DeleteOnTermination: true,
          Encrypted: true,
        },
      },
      {
        DeviceName: '/dev/sdb',
        Ebs: {
          SnapshotId: image.blockDevices[1]?.snapshotId,
          VolumeSize: 100,
          VolumeType: 'io2',
          Iops: 3000,
          DeleteOnTermination: true,
          Encrypted: false,
        },
      },
    ]);
    expect(image.blockDevices[0]?.snapshotId).toMatch(/^snap-[0-9a-f]{17}$/);
  });

  it('shows an account its own, public and shared images only', async () => {
    const region = 'ap-south-1';
    const mine = fake.addImage({ region, name: 'mine' });
    const othersPrivate = fake.addImage({ region, ownerId: OTHER, name: 'theirs-private' });
    const othersPublic = fake.addImage({ region, ownerId: OTHER, name: 'theirs-public', public: true });
    const sharedWithMe = fake.addImage({
      region,
      ownerId: OTHER,
      name: 'theirs-shared',
      launchPermission: { accounts: [ME] },
    });
    fake.setOrganization(ME, {
      organizationArn: 'arn:aws:organizations::999999999999:organization/o-abcdefghij',
    });
    const sharedWithOrg = fake.addImage({
      region,
      ownerId: OTHER,
      name: 'theirs-org',
      launchPermission: { organizations: ['arn:aws:organizations::999999999999:organization/o-abcdefghij'] },
    });
    const client = ec2({ region });
    const all = await client.send(new DescribeImagesCommand({}));
    expect(all.Images?.map((i) => i.ImageId).sort()).toEqual(
      [mine, othersPublic, sharedWithMe, sharedWithOrg].map((i) => i.imageId).sort(),
    );
    expect(all.Images?.some((i) => i.ImageId === othersPrivate.imageId)).toBe(false);

    const byOther = await client.send(new DescribeImagesCommand({ Owners: [OTHER] }));
    expect(byOther.Images?.map((i) => i.Name).sort()).toEqual([
      'theirs-org',
      'theirs-public',
      'theirs-shared',
    ]);

    const executableBySelf = await client.send(new DescribeImagesCommand({ ExecutableUsers: ['self'] }));
    expect(executableBySelf.Images?.map((i) => i.Name).sort()).toEqual(['theirs-org', 'theirs-shared']);

    const executableByAll = await client.send(new DescribeImagesCommand({ ExecutableUsers: ['all'] }));
    expect(executableByAll.Images?.map((i) => i.Name)).toEqual(['theirs-public']);

    // The other account sees its private image, but not mine.
    const theirs = await ec2({ region, accessKeyId: 'AKIAOTHER' }).send(new DescribeImagesCommand({}));
    expect(theirs.Images?.map((i) => i.Name).sort()).toEqual([
      'theirs-org',
      'theirs-private',
      'theirs-public',
      'theirs-shared',
    ]);
  });

  it('scopes by owner aliases and account ids', async () => {
    const region = 'ca-central-1';
    fake.addImage({
      region,
      ownerId: '137112412989',
      imageOwnerAlias: 'amazon',
      name: 'al2023-ami',
      public: true,
    });
    fake.addImage({
      region,
      ownerId: '679593333241',
      imageOwnerAlias: 'aws-marketplace',
      name: 'vendor-ami',
      public: true,
    });
    fake.addImage({ region, ownerId: '099720109477', name: 'ubuntu-noble', public: true });
    fake.addImage({ region, name: 'own-ami' });
    const client = ec2({ region });
    const names = async (owners: string[]) =>
      (await client.send(new DescribeImagesCommand({ Owners: owners }))).Images?.map((i) => i.Name).sort();
    expect(await names(['amazon'])).toEqual(['al2023-ami']);
    expect(await names(['aws-marketplace'])).toEqual(['vendor-ami']);
    expect(await names(['099720109477'])).toEqual(['ubuntu-noble']);
    expect(await names(['self', 'amazon'])).toEqual(['al2023-ami', 'own-ami']);
    expect(await names(['amazon', '137112412989'])).toEqual(['al2023-ami']);
    const amazon = await client.send(new DescribeImagesCommand({ Owners: ['amazon'] }));
    expect(amazon.Images?.[0]?.ImageOwnerAlias).toBe('amazon');
    expect(amazon.Images?.[0]?.Public).toBe(true);
  });

  it('filters with wildcards on every supported field', async () => {
    const region = 'sa-east-1';
    const a = fake.addImage({
      region,
      name: 'ubuntu-24.04-amd64-20261101',
      description: 'Ubuntu Noble',
      tags: { Env: 'prod' },
    });
    const b = fake.addImage({
      region,
      name: 'ubuntu-24.04-arm64-20261101',
      architecture: 'arm64',
      tags: { Env: 'dev', Owner: 'me' },
    });
    const c = fake.addImage({ region, name: 'debian-12', state: 'pending', public: true });
    const client = ec2({ region });
    const ids = async (Filters: { Name: string; Values: string[] }[]) =>
      (await client.send(new DescribeImagesCommand({ Filters }))).Images?.map((i) => i.ImageId).sort();
    expect(await ids([{ Name: 'name', Values: ['ubuntu-*'] }])).toEqual([a.imageId, b.imageId].sort());
    expect(await ids([{ Name: 'name', Values: ['ubuntu-24.04-a?d64-*'] }])).toEqual([a.imageId]);
    expect(await ids([{ Name: 'name', Values: ['UBUNTU-*'] }])).toEqual([]);
    expect(await ids([{ Name: 'name', Values: ['debian-12', 'ubuntu-24.04-arm64*'] }])).toEqual(
      [b.imageId, c.imageId].sort(),
    );
    expect(await ids([{ Name: 'architecture', Values: ['arm64'] }])).toEqual([b.imageId]);
    expect(await ids([{ Name: 'state', Values: ['pending'] }])).toEqual([c.imageId]);
    expect(await ids([{ Name: 'is-public', Values: ['true'] }])).toEqual([c.imageId]);
    expect(await ids([{ Name: 'owner-id', Values: [ME] }])).toHaveLength(3);
    expect(await ids([{ Name: 'image-id', Values: [a.imageId] }])).toEqual([a.imageId]);
    expect(await ids([{ Name: 'tag:Env', Values: ['prod'] }])).toEqual([a.imageId]);
    expect(await ids([{ Name: 'tag:Env', Values: ['*'] }])).toEqual([a.imageId, b.imageId].sort());
    expect(await ids([{ Name: 'tag-key', Values: ['Owner'] }])).toEqual([b.imageId]);
    expect(await ids([{ Name: 'description', Values: ['*Noble'] }])).toEqual([a.imageId]);
    expect(
      await ids([
        { Name: 'name', Values: ['ubuntu-*'] },
        { Name: 'tag:Env', Values: ['dev'] },
      ]),
    ).toEqual([b.imageId]);
    const error = await failure(
      client.send(new DescribeImagesCommand({ Filters: [{ Name: 'colour', Values: ['x'] }] })),
    );
    expect(error.name).toBe('InvalidParameterValue');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('filters on owner-alias', async () => {
    const region = 'eu-north-1';
    const amazon = fake.addImage({
      region,
      ownerId: '137112412989',
      imageOwnerAlias: 'amazon',
      public: true,
    });
    fake.addImage({ region });
    const out = await ec2({ region }).send(
      new DescribeImagesCommand({ Filters: [{ Name: 'owner-alias', Values: ['amazon'] }] }),
    );
    expect(out.Images?.map((i) => i.ImageId)).toEqual([amazon.imageId]);
  });

  it('answers named image ids and rejects missing or malformed ones', async () => {
    const region = 'eu-west-3';
    const image = fake.addImage({ region });
    const hidden = fake.addImage({ region, ownerId: OTHER });
    const client = ec2({ region });
    const out = await client.send(new DescribeImagesCommand({ ImageIds: [image.imageId] }));
    expect(out.Images?.map((i) => i.ImageId)).toEqual([image.imageId]);

    const missing = await failure(
      client.send(new DescribeImagesCommand({ ImageIds: [image.imageId, 'ami-0123456789abcdef0'] })),
    );
    expect(missing.name).toBe('InvalidAMIID.NotFound');
    expect(missing.message).toContain('ami-0123456789abcdef0');
    expect(missing.$metadata.httpStatusCode).toBe(400);

    const notMine = await failure(client.send(new DescribeImagesCommand({ ImageIds: [hidden.imageId] })));
    expect(notMine.name).toBe('InvalidAMIID.NotFound');

    const malformed = await failure(client.send(new DescribeImagesCommand({ ImageIds: ['ami-xyz'] })));
    expect(malformed.name).toBe('InvalidAMIID.Malformed');

    const combination = await failure(
      client.send(new DescribeImagesCommand({ ImageIds: [image.imageId], MaxResults: 5 })),
    );
    expect(combination.name).toBe('InvalidParameterCombination');

    for (const MaxResults of [4, 1001]) {
      const range = await failure(client.send(new DescribeImagesCommand({ MaxResults })));
      expect(range.name).toBe('InvalidParameterValue');
    }
  });

  it('hides deprecated images from other accounts unless asked, and disabled ones unless asked', async () => {
    const region = 'us-west-1';
    const deprecated = fake.addImage({
      region,
      ownerId: OTHER,
      public: true,
      name: 'old',
      deprecationTime: '2026-11-01T00:00:00.000Z',
    });
    const deprecatesLater = fake.addImage({
      region,
      ownerId: OTHER,
      public: true,
      name: 'later',
      deprecationTime: '2027-01-01T00:00:00.000Z',
    });
    const myDeprecated = fake.addImage({
      region,
      name: 'my-old',
      deprecationTime: '2026-01-01T00:00:00.000Z',
    });
    const disabled = fake.addImage({ region, name: 'disabled', state: 'disabled' });
    const client = ec2({ region });
    const names = async (input: DescribeImagesCommandInput) =>
      (await client.send(new DescribeImagesCommand(input))).Images?.map((i) => i.Name).sort();

    expect(await names({})).toEqual(['later', 'my-old']);
    expect(await names({ IncludeDeprecated: true })).toEqual(['later', 'my-old', 'old']);
    expect(await names({ ImageIds: [deprecated.imageId] })).toEqual(['old']);
    expect(await names({ IncludeDisabled: true })).toEqual(['disabled', 'later', 'my-old']);
    // Time passes: the second image becomes deprecated too.
    now = new Date('2027-02-01T00:00:00.000Z');
    expect(await names({})).toEqual(['my-old']);
    const out = await client.send(new DescribeImagesCommand({ ImageIds: [deprecatesLater.imageId] }));
    expect(out.Images?.[0]?.DeprecationTime).toBe('2027-01-01T00:00:00.000Z');
    expect(myDeprecated.state).toBe('available');
    expect(disabled.state).toBe('disabled');
  });

  it('paginates with MaxResults/NextToken through the SDK paginator', async () => {
    const region = 'ap-northeast-3';
    const created = fake.addImages(23, { region, name: 'page-test' });
    fake.addImage({ region, name: 'not-matching' });
    const client = ec2({ region });
    const pages: string[][] = [];
    for await (const page of paginateDescribeImages(
      { client, pageSize: 5 },
      { Owners: ['self'], Filters: [{ Name: 'name', Values: ['page-test-*'] }] },
    )) {
      pages.push((page.Images ?? []).map((i) => i.ImageId as string));
    }
    expect(pages.map((p) => p.length)).toEqual([5, 5, 5, 5, 3]);
    expect(pages.flat()).toEqual(created.map((i) => i.imageId));
    const describeCalls = fake.callsOf('DescribeImages').filter((c) => c.region === region);
    expect(describeCalls).toHaveLength(5);
    expect(describeCalls[1]?.params['NextToken']).toEqual(expect.any(String));
    expect(describeCalls[0]?.params['MaxResults']).toBe('5');
  });

  it('answers an empty imagesSet', async () => {
    const out = await ec2({ region: 'me-south-1' }).send(new DescribeImagesCommand({ Owners: ['self'] }));
    expect(out.Images).toEqual([]);
  });

  it('rejects a bad NextToken', async () => {
    const error = await failure(
      ec2().send(new DescribeImagesCommand({ Owners: ['self'], MaxResults: 5, NextToken: 'garbage' })),
    );
    expect(error.name).toBe('InvalidPaginationToken');
  });
});

describe('DescribeImageAttribute', () => {
  it('lists launch permissions to the owner', async () => {
    const region = 'eu-central-1';
    const image = fake.addImage({
      region,
      public: true,
      lastLaunchedTime: '2026-11-20T10:00:00.000Z',
      launchPermission: {
        accounts: ['222222222222'],
        organizations: ['arn:aws:organizations::999999999999:organization/o-abcdefghij'],
        organizationalUnits: ['arn:aws:organizations::999999999999:ou/o-abcdefghij/ou-ab12-cdefgh34'],
      },
    });
    const client = ec2({ region });
    const out = await client.send(
      new DescribeImageAttributeCommand({ ImageId: image.imageId, Attribute: 'launchPermission' }),
    );
    expect(out.ImageId).toBe(image.imageId);
    expect(out.LaunchPermissions).toEqual([
      { Group: 'all' },
      { UserId: '222222222222' },
      { OrganizationArn: 'arn:aws:organizations::999999999999:organization/o-abcdefghij' },
      { OrganizationalUnitArn: 'arn:aws:organizations::999999999999:ou/o-abcdefghij/ou-ab12-cdefgh34' },
    ]);
    const launched = await client.send(
      new DescribeImageAttributeCommand({ ImageId: image.imageId, Attribute: 'lastLaunchedTime' }),
    );
    expect(launched.LastLaunchedTime?.Value).toBe('2026-11-20T10:00:00.000Z');

    const notOwner = await failure(
      ec2({ region, accessKeyId: 'AKIAOTHER' }).send(
        new DescribeImageAttributeCommand({ ImageId: image.imageId, Attribute: 'launchPermission' }),
      ),
    );
    expect(notOwner.name).toBe('AuthFailure');

    const empty = fake.addImage({ region });
    const none = await client.send(
      new DescribeImageAttributeCommand({ ImageId: empty.imageId, Attribute: 'launchPermission' }),
    );
    expect(none.LaunchPermissions).toEqual([]);
  });
});

describe('DescribeSnapshots', () => {
  it('describes snapshots by id and owner, with encryption details', async () => {
    const region = 'us-east-2';
    const key = fake.addKmsKey({ region, alias: 'alias/amibot' });
    const image = fake.addImage({
      region,
      blockDevices: [{ volumeSize: 30, encrypted: true, kmsKeyId: 'alias/amibot' }],
    });
    const snapshotId = image.blockDevices[0]?.snapshotId as string;
    const client = ec2({ region });
    const out = await client.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }));
    expect(out.Snapshots).toHaveLength(1);
    expect(out.Snapshots?.[0]).toMatchObject({
      SnapshotId: snapshotId,
      OwnerId: ME,
      VolumeSize: 30,
      Encrypted: true,
      KmsKeyId: key.arn,
      State: 'completed',
      Progress: '100%',
    });
    expect(out.Snapshots?.[0]?.StartTime).toBeInstanceOf(Date);

    const own = await client.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }));
    expect(own.Snapshots?.map((s) => s.SnapshotId)).toContain(snapshotId);

    const missing = await failure(
      client.send(new DescribeSnapshotsCommand({ SnapshotIds: ['snap-0123456789abcdef0'] })),
    );
    expect(missing.name).toBe('InvalidSnapshot.NotFound');

    const encryptedDefault = fake.addImage({ region, blockDevices: [{ encrypted: true }] });
    const snapshot = fake.getSnapshot(region, encryptedDefault.blockDevices[0]?.snapshotId as string);
    expect(snapshot?.kmsKeyId).toBe(fake.getKmsKey('alias/aws/ebs', region)?.arn);
  });
});

describe('DescribeRegions', () => {
  it('lists the regions', async () => {
    const out = await ec2().send(new DescribeRegionsCommand({}));
    const names = out.Regions?.map((r) => r.RegionName);
    expect(names).toContain('us-east-1');
    expect(names).toContain('eu-west-1');
    expect(out.Regions?.find((r) => r.RegionName === 'eu-west-1')?.Endpoint).toBe(
      'ec2.eu-west-1.amazonaws.com',
    );
    const one = await ec2().send(new DescribeRegionsCommand({ RegionNames: ['eu-west-2'] }));
    expect(one.Regions?.map((r) => r.RegionName)).toEqual(['eu-west-2']);
  });
});

describe('STS', () => {
  it('tells the caller identity of default and registered access keys', async () => {
    const me = await sts().send(new GetCallerIdentityCommand({}));
    expect(me.Account).toBe(ME);
    expect(me.Arn).toBe(`arn:aws:iam::${ME}:user/sandbox`);
    expect(me.UserId).toMatch(/^AIDA/);
    const other = await sts('AKIAOTHER').send(new GetCallerIdentityCommand({}));
    expect(other.Account).toBe(OTHER);
  });

  it('assumes a role into another account, whose credentials then act as that account', async () => {
    const roleArn = 'arn:aws:iam::222222222222:role/amibot';
    const out = await sts().send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'amibot-test' }));
    const credentials = out.Credentials;
    expect(credentials?.AccessKeyId).toMatch(/^ASIA[0-9A-F]{16}$/);
    expect(credentials?.SecretAccessKey).toBeTruthy();
    expect(credentials?.SessionToken).toBeTruthy();
    expect(credentials?.Expiration?.toISOString()).toBe(new Date(T0.getTime() + 3600_000).toISOString());
    expect(out.AssumedRoleUser?.Arn).toBe('arn:aws:sts::222222222222:assumed-role/amibot/amibot-test');

    const session = {
      secretAccessKey: credentials?.SecretAccessKey as string,
      sessionToken: credentials?.SessionToken as string,
    };
    const who = await sts(credentials?.AccessKeyId as string, session).send(new GetCallerIdentityCommand({}));
    expect(who.Account).toBe('222222222222');
    expect(who.Arn).toBe('arn:aws:sts::222222222222:assumed-role/amibot/amibot-test');

    const theirs = fake.addImage({
      region: 'eu-south-1',
      ownerId: '222222222222',
      name: 'role-account-image',
    });
    const images = await ec2({
      region: 'eu-south-1',
      accessKeyId: credentials?.AccessKeyId as string,
      ...session,
    }).send(new DescribeImagesCommand({ Owners: ['self'] }));
    expect(images.Images?.map((i) => i.ImageId)).toEqual([theirs.imageId]);
    expect(fake.callsOf('DescribeImages').at(-1)?.accountId).toBe('222222222222');

    // Credentials expire on the fake's clock.
    now = new Date(T0.getTime() + 3601_000);
    const expired = await failure(
      sts(credentials?.AccessKeyId as string, session).send(new GetCallerIdentityCommand({})),
    );
    expect(expired.name).toBe('ExpiredToken');
  });

  it('honours DurationSeconds and denied roles', async () => {
    const out = await sts().send(
      new AssumeRoleCommand({
        RoleArn: 'arn:aws:iam::222222222222:role/amibot',
        RoleSessionName: 'short',
        DurationSeconds: 900,
      }),
    );
    expect(out.Credentials?.Expiration?.getTime()).toBe(T0.getTime() + 900_000);

    fake.denyRole('arn:aws:iam::444444444444:role/amibot');
    const denied = await failure(
      sts().send(
        new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::444444444444:role/amibot', RoleSessionName: 's1' }),
      ),
    );
    expect(denied.name).toBe('AccessDenied');
    expect(denied.$metadata.httpStatusCode).toBe(403);
    expect(denied.message).toContain('not authorized to perform: sts:AssumeRole');

    const invalid = await failure(
      sts().send(new AssumeRoleCommand({ RoleArn: 'not-an-arn', RoleSessionName: 's1' })),
    );
    expect(invalid.name).toBe('ValidationError');
  });
});

describe('faults and wire details', () => {
  it('throttles EC2 with RequestLimitExceeded, which the SDK classifies as throttling', async () => {
    fake.faults.throttleRatio = 1;
    const error = await failure(ec2().send(new DescribeImagesCommand({ Owners: ['self'] })));
    expect(error.name).toBe('RequestLimitExceeded');
    expect(error.$metadata.httpStatusCode).toBe(503);
    expect(isThrottlingError(error as unknown as Parameters<typeof isThrottlingError>[0])).toBe(true);
    // STS is not throttled by the EC2 ratio.
    await expect(sts().send(new GetCallerIdentityCommand({}))).resolves.toBeDefined();
  });

  it('throttles a deterministic fraction of calls for a given seed', async () => {
    const run = async () => {
      fake.faults.seed(42);
      fake.faults.throttleRatio = 0.5;
      const outcomes: boolean[] = [];
      for (let i = 0; i < 12; i++) {
        outcomes.push(
          await ec2()
            .send(new DescribeRegionsCommand({}))
            .then(
              () => true,
              () => false,
            ),
        );
      }
      return outcomes;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(first).toContain(true);
    expect(first).toContain(false);
  });

  it('fails the next calls of an action as asked, then recovers', async () => {
    fake.faults.failNext('DescribeImages', { code: 'InternalError', message: 'boom', times: 2 });
    const client = ec2();
    const first = await failure(client.send(new DescribeImagesCommand({ Owners: ['self'] })));
    expect(first.name).toBe('InternalError');
    expect(first.message).toBe('boom');
    expect(first.$metadata.httpStatusCode).toBe(500);
    await failure(client.send(new DescribeImagesCommand({ Owners: ['self'] })));
    await expect(client.send(new DescribeImagesCommand({ Owners: ['self'] }))).resolves.toBeDefined();

    fake.faults.setError('sts:GetCallerIdentity', { code: 'AccessDenied', message: 'nope' });
    const denied = await failure(sts().send(new GetCallerIdentityCommand({})));
    expect(denied.name).toBe('AccessDenied');
    expect(denied.$metadata.httpStatusCode).toBe(403);
    fake.faults.clearErrors();
    await expect(sts().send(new GetCallerIdentityCommand({}))).resolves.toBeDefined();
  });

  it('adds latency to every request', async () => {
    fake.faults.latencyMs = 60;
    const started = performance.now();
    await ec2().send(new DescribeRegionsCommand({}));
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('records calls with service, action, region, account, params and outcome', async () => {
    fake.resetCalls();
    await ec2({ region: 'eu-west-2' }).send(new DescribeImagesCommand({ Owners: ['self'], MaxResults: 5 }));
    await failure(ec2({ region: 'eu-west-2' }).send(new DescribeImagesCommand({ ImageIds: ['bad'] })));
    await sts('AKIAOTHER').send(new GetCallerIdentityCommand({}));
    expect(
      fake.calls.map((c) => [c.service, c.action, c.region, c.accountId, c.status, c.errorCode]),
    ).toEqual([
      ['ec2', 'DescribeImages', 'eu-west-2', ME, 200, undefined],
      ['ec2', 'DescribeImages', 'eu-west-2', ME, 400, 'InvalidAMIID.Malformed'],
      ['sts', 'GetCallerIdentity', 'us-east-1', OTHER, 200, undefined],
    ]);
    expect(fake.calls[0]?.params).toMatchObject({
      Action: 'DescribeImages',
      'Owner.1': 'self',
      MaxResults: '5',
    });
    expect(fake.calls[0]?.accessKeyId).toBe('AKIAME');
  });

  it('requires a SigV4 Authorization header', async () => {
    const response = await fetch(fake.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=DescribeImages&Version=2016-11-15',
    });
    expect(response.status).toBe(403);
    const text = await response.text();
    expect(text).toContain('<Code>MissingAuthenticationToken</Code>');
    expect(text).toContain('<Response><Errors><Error>');
  });
});
