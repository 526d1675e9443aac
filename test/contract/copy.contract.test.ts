import { DescribeImagesCommand, DescribeSnapshotsCommand } from '@aws-sdk/client-ec2';
import { beforeAll, expect, it } from 'vitest';
import { Ec2Copies } from '../../src/aws/ec2-copy.js';
import { failure } from '../aws/support.js';
import { waitFor } from '../support/wait.js';
import { type Backend, describeContract, type SeededImage, unique } from './backends.js';
import { documented } from './deviations.js';

/** CopyImage across regions through the product's copy layer: idempotency, encryption, errors. */

const SOURCE = 'us-east-1';
const DEST = 'eu-west-1';

describeContract('copies', (backend: () => Backend) => {
  let b: Backend;
  let copies: Ec2Copies;
  let source: SeededImage;

  beforeAll(async () => {
    b = backend();
    copies = new Ec2Copies(b.clients);
    source = await b.seedImage(SOURCE, { name: unique('contract-copy-src'), tags: { Team: 'platform' } });
  });

  const copyInput = (
    name: string,
    token: string,
    extra: Partial<Parameters<Ec2Copies['copyImage']>[2]> = {},
  ) => ({
    sourceRegion: SOURCE,
    sourceImageId: source.imageId,
    name,
    clientToken: token,
    ...extra,
  });

  const untilDone = (imageId: string) =>
    waitFor(`copy ${imageId} done`, async () => {
      const status = await copies.describeCopy(b.account, DEST, imageId, { justCreated: true });
      return status.state === 'pending' ? undefined : status;
    });

  it('CopyImage: a copy in the destination region owned by the account, pending until done', async () => {
    const name = unique('contract-copy');
    const { imageId } = await copies.copyImage(b.account, DEST, copyInput(name, unique('tok')));
    const first = await copies.describeCopy(b.account, DEST, imageId, { justCreated: true });
    if (documented(b, 'copy-image.pending')) {
      expect(first.state).toBe('pending');
      expect(first.percent).toBeLessThan(100);
    } else {
      expect(first).toMatchObject({ state: 'available', percent: 100 });
    }
    const done = await untilDone(imageId);
    expect(done).toMatchObject({ state: 'available', percent: 100 });
    const image = (await b.ec2(DEST).send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images?.[0];
    expect(image).toMatchObject({ Name: name, OwnerId: b.accountId, State: 'available' });
    // Launch permissions and tags do not come with a copy unless asked.
    expect(image?.Public).toBe(false);
    expect(image?.Tags ?? []).toEqual([]);
  });

  it('CopyImage: the same ClientToken and parameters return the same image', async () => {
    const name = unique('contract-copy');
    const token = unique('tok');
    const first = await copies.copyImage(b.account, DEST, copyInput(name, token));
    const again = copies.copyImage(b.account, DEST, copyInput(name, token));
    if (documented(b, 'copy-image.client-token')) {
      expect((await again).imageId).toBe(first.imageId);
    } else {
      // moto ignores the token: the retry is a new copy.
      const second = await again;
      expect(second.imageId).not.toBe(first.imageId);
    }
  });

  it('CopyImage: the same ClientToken with other parameters is refused', async () => {
    const token = unique('tok');
    await copies.copyImage(b.account, DEST, copyInput(unique('contract-copy'), token));
    const other = copies.copyImage(b.account, DEST, copyInput(unique('contract-copy'), token));
    if (documented(b, 'copy-image.client-token')) {
      const error = await failure(other);
      expect(error.code).toBe('conflict');
      expect(error.context['awsCode']).toBe('IdempotentParameterMismatch');
    } else {
      expect((await other).imageId).toMatch(/^ami-/);
    }
  });

  it('CopyImage: Encrypted with a KmsKeyId encrypts the copy snapshots with that key', async () => {
    const key = await b.seedKey(DEST, `alias/${unique('contract-copy')}`);
    const { imageId } = await copies.copyImage(
      b.account,
      DEST,
      copyInput(unique('contract-copy'), unique('tok'), { encrypted: true, kmsKeyId: key.arn }),
    );
    const done = await untilDone(imageId);
    const snaps = await b.ec2(DEST).send(new DescribeSnapshotsCommand({ SnapshotIds: done.snapshotIds }));
    expect(snaps.Snapshots?.length).toBeGreaterThan(0);
    for (const snapshot of snaps.Snapshots ?? []) {
      if (documented(b, 'copy-image.encryption')) {
        expect(snapshot).toMatchObject({ Encrypted: true, KmsKeyId: key.arn });
      } else {
        expect(snapshot.Encrypted).toBe(false);
      }
    }
  });

  it('CopyImage: a name the account already uses in the destination is refused', async () => {
    const name = unique('contract-copy');
    await copies.copyImage(b.account, DEST, copyInput(name, unique('tok')));
    const again = copies.copyImage(b.account, DEST, copyInput(name, unique('tok')));
    if (documented(b, 'copy-image.duplicate-name')) {
      expect((await failure(again)).code).toBe('conflict');
    } else {
      expect((await again).imageId).toMatch(/^ami-/);
    }
  });

  it('CopyImage: a public Amazon image copies into the account', async () => {
    const publicImage = await b.publicImage(DEST);
    const { imageId } = await copies.copyImage(b.account, SOURCE, {
      sourceRegion: DEST,
      sourceImageId: publicImage,
      name: unique('contract-copy-public'),
      clientToken: unique('tok'),
    });
    const done = await waitFor('public copy done', async () => {
      const status = await copies.describeCopy(b.account, SOURCE, imageId, { justCreated: true });
      return status.state === 'pending' ? undefined : status;
    });
    expect(done.state).toBe('available');
  });

  it('CopyImage: an unknown source image is not found', async () => {
    const error = await failure(
      copies.copyImage(b.account, DEST, {
        sourceRegion: SOURCE,
        sourceImageId: 'ami-0123456789abcdef0',
        name: unique('contract-copy'),
        clientToken: unique('tok'),
      }),
    );
    expect(error.code).toBe('not_found');
    expect(error.context['awsCode']).toBe('InvalidAMIID.NotFound');
  });
});
