import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { AwsClients } from '../../src/aws/clients.js';
import { Ec2Images } from '../../src/aws/ec2.js';
import { accountSchema } from '../../src/config.js';

let fake: FakeAws;
const saved = { ...process.env };

beforeAll(async () => {
  fake = await FakeAws.start();
});

afterAll(async () => {
  process.env = saved;
  await fake.close();
});

describe("the SDK's standard endpoint settings", () => {
  it('AWS_ENDPOINT_URL_EC2 points the bot at any emulator when no endpoint is configured', async () => {
    process.env.AWS_ENDPOINT_URL_EC2 = fake.url;
    const image = fake.addImage({ name: 'via-env-endpoint' });
    const clients = new AwsClients({
      maxAttempts: 1,
      retryMode: 'standard',
      credentials: { accessKeyId: 'AKIAENDPOINTTEST0001', secretAccessKey: 'x' },
    });
    try {
      const account = accountSchema.parse({ alias: 'default', default: true });
      const found = await new Ec2Images(clients).getImage(account, 'us-east-1', image.imageId);
      expect(found.name).toBe('via-env-endpoint');
      expect(fake.callsOf('DescribeImages')).toHaveLength(1);
    } finally {
      clients.destroy();
      delete process.env.AWS_ENDPOINT_URL_EC2;
    }
  });
});
