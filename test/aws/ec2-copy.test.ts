import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import type { AwsClients } from '../../src/aws/clients.js';
import { Ec2Copies } from '../../src/aws/ec2-copy.js';
import { clientsFor, failure, testAccount } from './support.js';

const SOURCE = 'us-east-1';
const DEST = 'eu-west-1';
const T0 = new Date('2026-11-26T12:00:00.000Z');
const account = testAccount;

let now = T0;
let fake: FakeAws;
let clients: AwsClients;
let copies: Ec2Copies;
let counter = 0;

function uniqueName(prefix = 'copy'): string {
  counter++;
  return `${prefix}-${counter}`;
}

beforeAll(async () => {
  fake = await FakeAws.start({ clock: () => now, copyDurationMs: 2000 });
  clients = clientsFor(fake);
  copies = new Ec2Copies(clients);
});

afterAll(async () => {
  clients.destroy();
  await fake.close();
});

afterEach(() => {
  now = T0;
  fake.faults.reset();
  fake.failCopies(false);
  fake.resetCalls();
});

describe('copyImage', () => {
  it('calls CopyImage in the destination region with the source region', async () => {
    const source = fake.addImage({ region: SOURCE, name: 'golden' });
    const name = uniqueName();
    const { imageId } = await copies.copyImage(account, DEST, {
      sourceRegion: SOURCE,
      sourceImageId: source.imageId,
      name,
      description: 'copied by amibot',
      clientToken: `req-${name}`,
    });
    const copy = fake.getImage(DEST, imageId);
    expect(copy).toMatchObject({
      name,
      description: 'copied by amibot',
      state: 'pending',
      sourceImageId: source.imageId,
      sourceImageRegion: SOURCE,
    });
    expect(fake.getImage(SOURCE, imageId)).toBeUndefined();
    const calls = fake.callsOf('CopyImage');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.region).toBe(DEST);
    expect(calls[0]?.params).toMatchObject({ SourceRegion: SOURCE, ClientToken: `req-${name}` });
  });

  it('is idempotent on the client token: the same token twice makes one image', async () => {
    const source = fake.addImage({ region: SOURCE });
    const name = uniqueName();
    const input = { sourceRegion: SOURCE, sourceImageId: source.imageId, name, clientToken: `req-${name}` };
    const before = fake.images(DEST).length;
    const first = await copies.copyImage(account, DEST, input);
    const second = await copies.copyImage(account, DEST, input);
    expect(second.imageId).toBe(first.imageId);
    expect(fake.images(DEST).length).toBe(before + 1);
  });

  it('turns a reused token with other parameters into a conflict', async () => {
    const source = fake.addImage({ region: SOURCE });
    const name = uniqueName();
    const token = `req-${name}`;
    await copies.copyImage(account, DEST, {
      sourceRegion: SOURCE,
      sourceImageId: source.imageId,
      name,
      clientToken: token,
    });
    const err = await failure(
      copies.copyImage(account, DEST, {
        sourceRegion: SOURCE,
        sourceImageId: source.imageId,
        name: `${name}-other`,
        clientToken: token,
      }),
    );
    expect(err.code).toBe('conflict');
  });

  it('turns a duplicate name into a conflict so the caller can retry with a suffix', async () => {
    const source = fake.addImage({ region: SOURCE });
    const existing = fake.addImage({ region: DEST, name: 'taken-name' });
    const err = await failure(
      copies.copyImage(account, DEST, {
        sourceRegion: SOURCE,
        sourceImageId: source.imageId,
        name: 'taken-name',
        clientToken: uniqueName('tok'),
      }),
    );
    expect(err.code).toBe('conflict');
    expect(err.userMessage).toContain('`taken-name`');
    expect(err.userMessage).toContain(DEST);
    expect(err.userMessage).toContain(existing.imageId);
  });

  it('encrypts with the given key and tags the image and its snapshots', async () => {
    const key = fake.addKmsKey({ region: DEST, alias: 'alias/amibot' });
    const source = fake.addImage({ region: SOURCE, tags: { Team: 'platform', Os: 'ubuntu' } });
    const { imageId } = await copies.copyImage(account, DEST, {
      sourceRegion: SOURCE,
      sourceImageId: source.imageId,
      name: uniqueName(),
      kmsKeyId: 'alias/amibot',
      copyImageTags: true,
      tags: { 'amibot:request': 'req-abc123', Os: 'ubuntu-24.04' },
      clientToken: uniqueName('tok'),
    });
    const copy = fake.getImage(DEST, imageId);
    expect(copy?.tags).toEqual({ Team: 'platform', Os: 'ubuntu-24.04', 'amibot:request': 'req-abc123' });
    const snap = fake.getSnapshot(DEST, copy?.blockDevices[0]?.snapshotId as string);
    expect(snap?.encrypted).toBe(true);
    expect(snap?.kmsKeyId).toBe(key.arn);
    expect(snap?.tags).toEqual({ 'amibot:request': 'req-abc123', Os: 'ubuntu-24.04' });
    expect(fake.callsOf('CopyImage')[0]?.params).toMatchObject({ Encrypted: 'true' });
  });

  it('reports a missing source image as not found in the source region', async () => {
    const err = await failure(
      copies.copyImage(account, DEST, {
        sourceRegion: SOURCE,
        sourceImageId: 'ami-0123456789abcdef0',
        name: uniqueName(),
        clientToken: uniqueName('tok'),
      }),
    );
    expect(err.code).toBe('not_found');
    expect(err.userMessage).toContain('ami-0123456789abcdef0');
    expect(err.userMessage).toContain(SOURCE);
  });

  it('names ec2:CopyImage when refused', async () => {
    const source = fake.addImage({ region: SOURCE });
    fake.faults.failNext('CopyImage', { code: 'UnauthorizedOperation' });
    const err = await failure(
      copies.copyImage(account, DEST, {
        sourceRegion: SOURCE,
        sourceImageId: source.imageId,
        name: uniqueName(),
        clientToken: uniqueName('tok'),
      }),
    );
    expect(err.code).toBe('aws_access_denied');
    expect(err.userMessage).toContain('`ec2:CopyImage`');
    expect(err.userMessage).toContain(DEST);
  });
});

describe('describeCopy', () => {
  it('reports progress rising with the clock, then available at 100', async () => {
    const source = fake.addImage({ region: SOURCE, blockDevices: [{}, { volumeSize: 100 }] });
    const { imageId } = await copies.copyImage(account, DEST, {
      sourceRegion: SOURCE,
      sourceImageId: source.imageId,
      name: uniqueName(),
      clientToken: uniqueName('tok'),
    });
    const start = await copies.describeCopy(account, DEST, imageId);
    expect(start).toMatchObject({ state: 'pending', percent: 0 });
    expect(start.snapshotIds).toHaveLength(2);
    expect(start.reason).toBeUndefined();

    now = new Date(T0.getTime() + 500);
    const quarter = await copies.describeCopy(account, DEST, imageId);
    expect(quarter).toMatchObject({ state: 'pending', percent: 25 });

    now = new Date(T0.getTime() + 1500);
    const most = await copies.describeCopy(account, DEST, imageId);
    expect(most.percent).toBe(75);

    now = new Date(T0.getTime() + 2000);
    const done = await copies.describeCopy(account, DEST, imageId);
    expect(done).toEqual({ state: 'available', percent: 100, snapshotIds: start.snapshotIds });
  });

  it('reports a failed copy with its reason', async () => {
    const source = fake.addImage({ region: SOURCE });
    fake.failCopies({ reason: 'The source snapshot is unavailable' });
    const { imageId } = await copies.copyImage(account, DEST, {
      sourceRegion: SOURCE,
      sourceImageId: source.imageId,
      name: uniqueName(),
      clientToken: uniqueName('tok'),
    });
    now = new Date(T0.getTime() + 2000);
    const status = await copies.describeCopy(account, DEST, imageId);
    expect(status.state).toBe('failed');
    expect(status.reason).toBe('The source snapshot is unavailable');
  });

  it('fails a copy to a disabled key with the KMS reason', async () => {
    const key = fake.addKmsKey({ region: DEST, enabled: false });
    const source = fake.addImage({ region: SOURCE });
    const { imageId } = await copies.copyImage(account, DEST, {
      sourceRegion: SOURCE,
      sourceImageId: source.imageId,
      name: uniqueName(),
      kmsKeyId: key.arn,
      clientToken: uniqueName('tok'),
    });
    now = new Date(T0.getTime() + 2000);
    const status = await copies.describeCopy(account, DEST, imageId);
    expect(status.state).toBe('failed');
    expect(status.reason).toContain('disabled');
  });

  it('treats a brand-new copy EC2 does not know yet as pending when told it was just created', async () => {
    fake.faults.failNext('DescribeImages', { code: 'InvalidAMIID.NotFound' });
    const status = await copies.describeCopy(account, DEST, 'ami-0123456789abcdef0', { justCreated: true });
    expect(status).toEqual({ state: 'pending', percent: 0, snapshotIds: [] });
  });

  it('reports an unknown image as not found otherwise', async () => {
    const err = await failure(copies.describeCopy(account, DEST, 'ami-0123456789abcdef0'));
    expect(err.code).toBe('not_found');
    expect(err.userMessage).toContain('ami-0123456789abcdef0');
  });

  it('names ec2:DescribeSnapshots when it may not read progress', async () => {
    const source = fake.addImage({ region: SOURCE });
    const { imageId } = await copies.copyImage(account, DEST, {
      sourceRegion: SOURCE,
      sourceImageId: source.imageId,
      name: uniqueName(),
      clientToken: uniqueName('tok'),
    });
    fake.faults.failNext('DescribeSnapshots', { code: 'UnauthorizedOperation' });
    const err = await failure(copies.describeCopy(account, DEST, imageId));
    expect(err.userMessage).toContain('`ec2:DescribeSnapshots`');
  });
});
