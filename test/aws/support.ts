import { expect } from 'vitest';
import type { FakeAws } from '../../dev/fake-aws/index.js';
import { AwsClients } from '../../src/aws/clients.js';
import { type AccountConfig, accountSchema } from '../../src/config.js';
import { AppError } from '../../src/errors.js';

/** The default account, parsed so fields with defaults (policy, …) are filled as the app's config would. */
export const testAccount: AccountConfig = accountSchema.parse({ alias: 'default', default: true });

/** Real SDK clients pointed at the fake, with static credentials (the fake's default account). */
export function clientsFor(fake: FakeAws): AwsClients {
  return new AwsClients({
    endpoint: fake.url,
    maxAttempts: 2,
    retryMode: 'standard',
    credentials: { accessKeyId: 'AKIAAMIBOTTEST000001', secretAccessKey: 'x' },
  });
}

/** The AppError a call fails with; fails the test when it succeeds or throws something else. */
export async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected the call to fail');
}
