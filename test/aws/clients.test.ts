import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { AwsClients } from '../../src/aws/clients.js';
import { Ec2Images } from '../../src/aws/ec2.js';
import { type AccountConfig, accountSchema } from '../../src/config.js';
import { AppError } from '../../src/errors.js';

const TARGET = '222222222222';
const REGION = 'us-east-1';
const T0 = new Date('2026-11-26T12:00:00.000Z');
const MINUTE = 60_000;

let now = T0;
let fake: FakeAws;
const made: AwsClients[] = [];

function newClients(): AwsClients {
  const clients = new AwsClients({
    endpoint: fake.url,
    maxAttempts: 2,
    retryMode: 'standard',
    credentials: { accessKeyId: 'AKIAAMIBOTTEST000001', secretAccessKey: 'x' },
    clock: () => now,
  });
  made.push(clients);
  return clients;
}

function roleAccount(alias: string, roleArn: string): AccountConfig {
  return accountSchema.parse({ alias, roleArn });
}

beforeAll(async () => {
  fake = await FakeAws.start({ clock: () => now });
});

afterAll(async () => {
  for (const c of made) c.destroy();
  await fake.close();
});

afterEach(() => {
  now = T0;
  fake.faults.reset();
  fake.resetCalls();
});

describe('AwsClients with an assumed role', () => {
  it("acts as the target account's identity", async () => {
    const clients = newClients();
    const account = roleAccount('prod', `arn:aws:iam::${TARGET}:role/amibot`);
    expect(await clients.accountId(account, REGION)).toBe(TARGET);
    const image = fake.addImage({ ownerId: TARGET, name: 'prod-only' });
    const got = await new Ec2Images(clients).getImage(account, REGION, image.imageId);
    expect(got.ownerId).toBe(TARGET);
    const describe = fake.callsOf('DescribeImages');
    expect(describe[0]?.accountId).toBe(TARGET);
  });

  it('caches the credentials until shortly before they expire, then renews them', async () => {
    const clients = newClients();
    const account = roleAccount('stage', `arn:aws:iam::${TARGET}:role/amibot-stage`);
    const images = new Ec2Images(clients);
    const image = fake.addImage({ ownerId: TARGET });

    await images.getImage(account, REGION, image.imageId);
    await images.getImage(account, REGION, image.imageId);
    expect(fake.callsOf('AssumeRole')).toHaveLength(1);

    // 50 minutes later (credentials last 60, renewed 5 before the end): still the same ones.
    now = new Date(T0.getTime() + 50 * MINUTE);
    await images.getImage(account, REGION, image.imageId);
    expect(fake.callsOf('AssumeRole')).toHaveLength(1);
    const firstKey = fake.callsOf('DescribeImages')[0]?.accessKeyId;
    expect(fake.callsOf('DescribeImages').every((c) => c.accessKeyId === firstKey)).toBe(true);

    // Inside the refresh margin: renewed before EC2 could reject them as expired.
    now = new Date(T0.getTime() + 56 * MINUTE);
    await images.getImage(account, REGION, image.imageId);
    expect(fake.callsOf('AssumeRole')).toHaveLength(2);
    const last = fake.callsOf('DescribeImages').at(-1);
    expect(last?.accessKeyId).not.toBe(firstKey);
    expect(last?.errorCode).toBeUndefined();

    // The renewed credentials are cached again.
    now = new Date(T0.getTime() + 60 * MINUTE);
    await images.getImage(account, REGION, image.imageId);
    expect(fake.callsOf('AssumeRole')).toHaveLength(2);
  });

  it('assumes the role once for concurrent first calls', async () => {
    const clients = newClients();
    const account = roleAccount('burst', `arn:aws:iam::${TARGET}:role/amibot-burst`);
    const images = new Ec2Images(clients);
    const image = fake.addImage({ ownerId: TARGET });
    await Promise.all([1, 2, 3, 4].map(() => images.getImage(account, REGION, image.imageId)));
    expect(fake.callsOf('AssumeRole')).toHaveLength(1);
  });

  it('shares assumed credentials between regions and services of one account', async () => {
    const clients = newClients();
    const account = roleAccount('multi', `arn:aws:iam::${TARGET}:role/amibot-multi`);
    const images = new Ec2Images(clients);
    const a = fake.addImage({ ownerId: TARGET, region: 'us-east-1' });
    const b = fake.addImage({ ownerId: TARGET, region: 'eu-west-1' });
    await images.getImage(account, 'us-east-1', a.imageId);
    await images.getImage(account, 'eu-west-1', b.imageId);
    expect(fake.callsOf('AssumeRole')).toHaveLength(1);
  });

  it('names sts:AssumeRole when the role may not be assumed, and tries again on the next call', async () => {
    const clients = newClients();
    const roleArn = `arn:aws:iam::${TARGET}:role/amibot-denied`;
    const account = roleAccount('denied', roleArn);
    fake.denyRole(roleArn);
    const image = fake.addImage({ ownerId: TARGET });
    const images = new Ec2Images(clients);
    let caught: unknown;
    try {
      await images.getImage(account, REGION, image.imageId);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).code).toBe('aws_access_denied');
    expect((caught as AppError).userMessage).toContain('`sts:AssumeRole`');
    expect(fake.callsOf('DescribeImages')).toHaveLength(0);

    fake.allowRole(roleArn);
    const got = await images.getImage(account, REGION, image.imageId);
    expect(got.imageId).toBe(image.imageId);
  });
});

describe('AwsClients without a role', () => {
  it('uses the base credentials (the default account) and never calls AssumeRole', async () => {
    const clients = newClients();
    const account: AccountConfig = accountSchema.parse({ alias: 'default', default: true });
    expect(await clients.accountId(account, REGION)).toBe('111111111111');
    expect(fake.callsOf('AssumeRole')).toHaveLength(0);
  });

  it('hands out one client per account and region', () => {
    const clients = newClients();
    const account: AccountConfig = accountSchema.parse({ alias: 'default', default: true });
    expect(clients.ec2(account, REGION)).toBe(clients.ec2(account, REGION));
    expect(clients.ec2(account, REGION)).not.toBe(clients.ec2(account, 'eu-west-1'));
    expect(clients.kms(account, REGION)).toBe(clients.kms(account, REGION));
    expect(clients.sfn(account, REGION)).toBe(clients.sfn(account, REGION));
  });
});
