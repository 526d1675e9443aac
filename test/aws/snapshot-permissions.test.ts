import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { AwsClients } from '../../src/aws/clients.js';
import { SnapshotPermissions } from '../../src/aws/snapshot-permissions.js';
import { type AccountConfig, accountSchema } from '../../src/config.js';
import { AppError } from '../../src/errors.js';

const REGION = 'us-east-1';
const OWN = '111111111111';
const OTHER = '222222222222';
const account: AccountConfig = accountSchema.parse({ alias: 'default', default: true });

let fake: FakeAws;
let clients: AwsClients;
let perms: SnapshotPermissions;

beforeAll(async () => {
  fake = await FakeAws.start();
  clients = new AwsClients({
    endpoint: fake.url,
    maxAttempts: 1,
    retryMode: 'standard',
    credentials: { accessKeyId: 'AKIAAMIBOTTEST000001', secretAccessKey: 'x' },
  });
  perms = new SnapshotPermissions(clients);
});

afterAll(async () => {
  clients.destroy();
  await fake.close();
});

describe('SnapshotPermissions.publicStatus', () => {
  it.each([
    ['own private snapshot', OWN, false, [], false],
    ['own public snapshot', OWN, true, [], true],
    ['own snapshot shared with one account', OWN, false, [OTHER], false],
    ['foreign public snapshot', OTHER, true, [], true],
    ['foreign snapshot shared with us', OTHER, false, [OWN], false],
  ])('%s → %s', async (_label, ownerId, isPublic, accounts, expected) => {
    const snap = fake.addSnapshot({ ownerId, createVolumePermission: { public: isPublic, accounts } });
    const status = await perms.publicStatus(account, REGION, [snap.snapshotId]);
    expect(status.get(snap.snapshotId)).toBe(expected);
  });

  it('treats a foreign snapshot it cannot see as not public, and answers for each id once', async () => {
    const hidden = fake.addSnapshot({ ownerId: OTHER });
    const own = fake.addSnapshot({ ownerId: OWN, createVolumePermission: { public: true } });
    const status = await perms.publicStatus(account, REGION, [
      hidden.snapshotId,
      own.snapshotId,
      own.snapshotId,
    ]);
    expect([...status.entries()]).toEqual([
      [hidden.snapshotId, false],
      [own.snapshotId, true],
    ]);
  });

  it('throws throttling so the job retries', async () => {
    const snap = fake.addSnapshot({ ownerId: OWN });
    fake.faults.failNext('DescribeSnapshotAttribute', { code: 'RequestLimitExceeded' });
    const err = await perms.publicStatus(account, REGION, [snap.snapshotId]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('aws_throttled');
    expect((err as AppError).retry).toBe(true);
  });
});
