import {
  CopyImageCommand,
  CreateImageCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';

const ME = '111111111111';
const CANONICAL = '099720109477';
const T0 = new Date('2026-11-26T12:00:00.000Z');

let now = T0;
let fake: FakeAws;
const clients: { destroy(): void }[] = [];

function ec2(region: string, credentials = { accessKeyId: 'AKIAME', secretAccessKey: 'secret' }): EC2Client {
  const client = new EC2Client({ endpoint: fake.url, region, credentials, maxAttempts: 1 });
  clients.push(client);
  return client;
}

function advance(ms: number): void {
  now = new Date(now.getTime() + ms);
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  fake = await FakeAws.start({ clock: () => now, copyDurationMs: 2000 });
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await fake.close();
});

afterEach(() => {
  now = T0;
  fake.failCopies(false);
});

describe('CopyImage', () => {
  it('copies a public image across regions: pending with rising snapshot progress, then available', async () => {
    const source = fake.addImage({
      region: 'us-east-1',
      ownerId: CANONICAL,
      public: true,
      name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261101',
      description: 'Canonical, Ubuntu, 24.04',
      launchPermission: { accounts: ['555555555555'] },
      deprecationTime: '2028-01-01T00:00:00.000Z',
      tags: { Vendor: 'canonical' },
      imdsSupport: 'v2.0',
      blockDevices: [{ volumeSize: 10 }],
    });
    const dest = ec2('eu-west-1');
    const { ImageId } = await dest.send(
      new CopyImageCommand({
        SourceRegion: 'us-east-1',
        SourceImageId: source.imageId,
        Name: 'ubuntu-noble-base',
        ClientToken: 'req-1-eu-west-1',
        TagSpecifications: [
          { ResourceType: 'image', Tags: [{ Key: 'amibot:request', Value: 'req-1' }] },
          { ResourceType: 'snapshot', Tags: [{ Key: 'amibot:request', Value: 'req-1' }] },
        ],
      }),
    );
    expect(ImageId).toMatch(/^ami-[0-9a-f]{17}$/);

    const describe = async () =>
      (await dest.send(new DescribeImagesCommand({ ImageIds: [ImageId as string] }))).Images?.[0];
    const snapshotOf = async (snapshotId: string) =>
      (await dest.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }))).Snapshots?.[0];

    const pending = await describe();
    expect(pending).toMatchObject({
      State: 'pending',
      OwnerId: ME,
      Name: 'ubuntu-noble-base',
      Description: `[Copied ${source.imageId} from us-east-1] Canonical, Ubuntu, 24.04`,
      SourceImageId: source.imageId,
      SourceImageRegion: 'us-east-1',
      Public: false,
      ImdsSupport: 'v2.0',
      Tags: [{ Key: 'amibot:request', Value: 'req-1' }],
    });
    expect(pending?.DeprecationTime).toBeUndefined();
    const snapshotId = pending?.BlockDeviceMappings?.[0]?.Ebs?.SnapshotId as string;
    expect(snapshotId).not.toBe(source.blockDevices[0]?.snapshotId);
    expect(await snapshotOf(snapshotId)).toMatchObject({
      State: 'pending',
      Progress: '0%',
      VolumeSize: 10,
      OwnerId: ME,
    });

    advance(1000);
    expect((await snapshotOf(snapshotId))?.Progress).toBe('50%');
    expect((await describe())?.State).toBe('pending');

    advance(1000);
    expect((await describe())?.State).toBe('available');
    expect(await snapshotOf(snapshotId)).toMatchObject({
      State: 'completed',
      Progress: '100%',
      Tags: [{ Key: 'amibot:request', Value: 'req-1' }],
    });
    const copy = fake.getImage('eu-west-1', ImageId as string);
    expect(copy?.launchPermission.accounts).toEqual([]);
  });

  it('copies the source tags when asked', async () => {
    const source = fake.addImage({
      region: 'us-east-1',
      name: 'tagged-source',
      tags: { Team: 'platform', Cost: 'x' },
    });
    const { ImageId } = await ec2('us-east-2').send(
      new CopyImageCommand({
        SourceRegion: 'us-east-1',
        SourceImageId: source.imageId,
        Name: 'tagged-copy',
        Description: 'mine',
        CopyImageTags: true,
      }),
    );
    const copy = fake.getImage('us-east-2', ImageId as string);
    expect(copy?.tags).toEqual({ Team: 'platform', Cost: 'x' });
    expect(copy?.description).toBe('mine');
  });

  it('is idempotent per ClientToken, and refuses duplicate names', async () => {
    const source = fake.addImage({ region: 'us-east-1', name: 'idem-source' });
    const dest = ec2('ap-south-1');
    const input = {
      SourceRegion: 'us-east-1',
      SourceImageId: source.imageId,
      Name: 'idem-copy',
      ClientToken: 'tok-1',
    };
    const first = await dest.send(new CopyImageCommand(input));
    const retry = await dest.send(new CopyImageCommand(input));
    expect(retry.ImageId).toBe(first.ImageId);
    expect(fake.images('ap-south-1').filter((i) => i.name === 'idem-copy')).toHaveLength(1);

    const mismatch = await failure(dest.send(new CopyImageCommand({ ...input, Name: 'other-name' })));
    expect(mismatch.name).toBe('IdempotentParameterMismatch');

    const duplicate = await failure(dest.send(new CopyImageCommand({ ...input, ClientToken: 'tok-2' })));
    expect(duplicate.name).toBe('InvalidAMIName.Duplicate');
    expect(duplicate.message).toContain(first.ImageId as string);
  });

  it('encrypts with the asked key, and keeps an encrypted source encrypted', async () => {
    const key = fake.addKmsKey({ region: 'eu-central-1', alias: 'alias/amibot-copies' });
    const plain = fake.addImage({ region: 'us-east-1', name: 'plain-source' });
    const dest = ec2('eu-central-1');
    const encrypted = await dest.send(
      new CopyImageCommand({
        SourceRegion: 'us-east-1',
        SourceImageId: plain.imageId,
        Name: 'encrypted-copy',
        Encrypted: true,
        KmsKeyId: 'alias/amibot-copies',
      }),
    );
    const copy = fake.getImage('eu-central-1', encrypted.ImageId as string);
    const snapshot = fake.getSnapshot('eu-central-1', copy?.blockDevices[0]?.snapshotId as string);
    expect(snapshot).toMatchObject({ encrypted: true, kmsKeyId: key.arn });
    expect(copy?.blockDevices[0]?.encrypted).toBe(true);

    const secret = fake.addImage({
      region: 'us-east-1',
      name: 'secret-source',
      blockDevices: [{ encrypted: true }],
    });
    const inherited = await dest.send(
      new CopyImageCommand({
        SourceRegion: 'us-east-1',
        SourceImageId: secret.imageId,
        Name: 'inherited-copy',
      }),
    );
    const inheritedCopy = fake.getImage('eu-central-1', inherited.ImageId as string);
    const inheritedSnapshot = fake.getSnapshot(
      'eu-central-1',
      inheritedCopy?.blockDevices[0]?.snapshotId as string,
    );
    expect(inheritedSnapshot?.encrypted).toBe(true);
    expect(inheritedSnapshot?.kmsKeyId).toBe(fake.getKmsKey('alias/aws/ebs', 'eu-central-1', ME)?.arn);

    const dependency = await failure(
      dest.send(
        new CopyImageCommand({
          SourceRegion: 'us-east-1',
          SourceImageId: plain.imageId,
          Name: 'no-flag',
          KmsKeyId: key.arn,
        }),
      ),
    );
    expect(dependency.name).toBe('InvalidParameterDependency');
  });

  it('fails a copy whose key is disabled', async () => {
    const key = fake.addKmsKey({ region: 'eu-north-1', alias: 'alias/off', enabled: false });
    const source = fake.addImage({ region: 'us-east-1', name: 'to-bad-key' });
    const { ImageId } = await ec2('eu-north-1').send(
      new CopyImageCommand({
        SourceRegion: 'us-east-1',
        SourceImageId: source.imageId,
        Name: 'bad-key-copy',
        Encrypted: true,
        KmsKeyId: key.keyId,
      }),
    );
    advance(2000);
    const image = (await ec2('eu-north-1').send(new DescribeImagesCommand({ ImageIds: [ImageId as string] })))
      .Images?.[0];
    expect(image?.State).toBe('failed');
    expect(image?.StateReason?.Code).toBe('Client.InvalidKMSKey.InvalidState');
  });

  it('fails copies on demand, all of them or one', async () => {
    const source = fake.addImage({ region: 'us-east-1', name: 'fail-source' });
    const dest = ec2('us-west-1');
    fake.failCopies({ reason: 'Snapshot copy failed: quota exceeded' });
    const doomed = await dest.send(
      new CopyImageCommand({ SourceRegion: 'us-east-1', SourceImageId: source.imageId, Name: 'doomed' }),
    );
    fake.failCopies(false);
    const single = await dest.send(
      new CopyImageCommand({ SourceRegion: 'us-east-1', SourceImageId: source.imageId, Name: 'single' }),
    );
    const healthy = await dest.send(
      new CopyImageCommand({ SourceRegion: 'us-east-1', SourceImageId: source.imageId, Name: 'healthy' }),
    );
    fake.failCopy(single.ImageId as string, { reason: 'injected', code: 'Client.InternalError' });
    advance(2500);
    const out = await dest.send(
      new DescribeImagesCommand({ ImageIds: [doomed.ImageId, single.ImageId, healthy.ImageId] as string[] }),
    );
    const byName = Object.fromEntries((out.Images ?? []).map((i) => [i.Name, i]));
    expect(byName['doomed']?.State).toBe('failed');
    expect(byName['doomed']?.StateReason?.Message).toBe('Snapshot copy failed: quota exceeded');
    expect(byName['single']?.StateReason).toEqual({ Code: 'Client.InternalError', Message: 'injected' });
    expect(byName['healthy']?.State).toBe('available');
    const snapshotId = fake.getImage('us-west-1', doomed.ImageId as string)?.blockDevices[0]
      ?.snapshotId as string;
    expect(fake.getSnapshot('us-west-1', snapshotId)?.state).toBe('error');
  });

  it('copies only images the caller may launch, into the assumed account', async () => {
    const hidden = fake.addImage({ region: 'us-east-1', ownerId: '333333333333', name: 'hidden' });
    const dest = ec2('eu-west-1');
    const notFound = await failure(
      dest.send(
        new CopyImageCommand({ SourceRegion: 'us-east-1', SourceImageId: hidden.imageId, Name: 'nope' }),
      ),
    );
    expect(notFound.name).toBe('InvalidAMIID.NotFound');

    const sts = new STSClient({
      endpoint: fake.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIAME', secretAccessKey: 'secret' },
    });
    clients.push(sts);
    const role = await sts.send(
      new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/amibot', RoleSessionName: 'copy' }),
    );
    const shared = fake.addImage({
      region: 'us-east-1',
      name: 'shared-to-222',
      launchPermission: { accounts: ['222222222222'] },
    });
    const asRole = ec2('eu-west-1', {
      accessKeyId: role.Credentials?.AccessKeyId as string,
      secretAccessKey: role.Credentials?.SecretAccessKey as string,
      sessionToken: role.Credentials?.SessionToken as string,
    } as { accessKeyId: string; secretAccessKey: string });
    const { ImageId } = await asRole.send(
      new CopyImageCommand({ SourceRegion: 'us-east-1', SourceImageId: shared.imageId, Name: 'into-222' }),
    );
    expect(fake.getImage('eu-west-1', ImageId as string)?.ownerId).toBe('222222222222');
  });
});

describe('CreateImage', () => {
  it('images a running or stopped instance: pending until its snapshots complete, then available', async () => {
    const region = 'ap-northeast-1';
    const source = fake.addImage({
      region,
      architecture: 'arm64',
      blockDevices: [{ volumeSize: 12, encrypted: true }, { volumeSize: 50 }],
    });
    const instance = fake.addInstance({ region, imageId: source.imageId, state: 'stopped' });
    const client = ec2(region);
    const { ImageId } = await client.send(
      new CreateImageCommand({
        InstanceId: instance.instanceId,
        Name: 'web-golden-2026-11-26',
        Description: 'golden',
        TagSpecifications: [
          { ResourceType: 'image', Tags: [{ Key: 'Stage', Value: 'candidate' }] },
          { ResourceType: 'snapshot', Tags: [{ Key: 'Stage', Value: 'candidate' }] },
        ],
      }),
    );
    const describe = async () =>
      (await client.send(new DescribeImagesCommand({ ImageIds: [ImageId as string] }))).Images?.[0];
    const pending = await describe();
    expect(pending).toMatchObject({
      State: 'pending',
      OwnerId: ME,
      Name: 'web-golden-2026-11-26',
      Description: 'golden',
      Architecture: 'arm64',
      Tags: [{ Key: 'Stage', Value: 'candidate' }],
    });
    const snapshotIds = (pending?.BlockDeviceMappings ?? []).map((b) => b.Ebs?.SnapshotId as string);
    expect(snapshotIds).toHaveLength(2);
    expect(snapshotIds).not.toContain(source.blockDevices[0]?.snapshotId);
    advance(2000);
    expect((await describe())?.State).toBe('available');
    const snaps = await client.send(new DescribeSnapshotsCommand({ SnapshotIds: snapshotIds }));
    expect(snaps.Snapshots?.map((s) => [s.VolumeSize, s.Encrypted, s.State, s.Tags?.[0]?.Value])).toEqual([
      [12, true, 'completed', 'candidate'],
      [50, false, 'completed', 'candidate'],
    ]);
    expect(snaps.Snapshots?.[0]?.Description).toBe(
      `Created by CreateImage(${instance.instanceId}) for ${ImageId}`,
    );

    const duplicate = await failure(
      client.send(new CreateImageCommand({ InstanceId: instance.instanceId, Name: 'web-golden-2026-11-26' })),
    );
    expect(duplicate.name).toBe('InvalidAMIName.Duplicate');
  });

  it('refuses unknown, malformed, other accounts’ and terminated instances', async () => {
    const region = 'ap-northeast-2';
    const source = fake.addImage({ region });
    const client = ec2(region);
    const terminated = fake.addInstance({ region, imageId: source.imageId, state: 'terminated' });
    const theirs = fake.addInstance({ region, imageId: source.imageId, accountId: '333333333333' });
    const cases: [string, string][] = [
      ['i-0123456789abcdef0', 'InvalidInstanceID.NotFound'],
      ['instance-1', 'InvalidInstanceID.Malformed'],
      [theirs.instanceId, 'InvalidInstanceID.NotFound'],
      [terminated.instanceId, 'IncorrectInstanceState'],
    ];
    for (const [InstanceId, code] of cases) {
      const error = await failure(client.send(new CreateImageCommand({ InstanceId, Name: 'never-created' })));
      expect(error.name).toBe(code);
    }
  });
});
