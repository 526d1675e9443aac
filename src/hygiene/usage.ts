/**
 * The in-use guard (`requests/in-use-guard.ts`) as the cleanup commands ask it: one reading of what
 * uses the images of an account and region — instances in any state but terminated, every launch
 * template version, Auto Scaling groups and launch configurations — then an answer per image, in
 * the words retention needs. Prune uses no other notion of "in use".
 */
import type { AccountConfig } from '../config.js';
import type { Deps } from '../deps.js';
import { describeUser, sortUsers } from '../domain/image-usage.js';
import type { UsageAnswer } from '../domain/retention.js';
import { buildUsageGuard } from '../requests/in-use-guard.js';

export interface UsageCheck {
  answerFor(imageId: string): UsageAnswer;
}

/** Above this many images, one reading of every live instance beats filtering instances by image. */
const NARROW_UP_TO = 500;

/**
 * Reads what uses `imageIds` in the account and region, once. Never throws (except when the job
 * is interrupted): when usage cannot be determined, every answer is `unknown` (fail closed).
 */
export async function readUsage(
  deps: Pick<Deps, 'aws' | 'logger'>,
  account: AccountConfig,
  region: string,
  imageIds: readonly string[],
): Promise<UsageCheck> {
  if (imageIds.length === 0) return { answerFor: () => ({ state: 'unused' }) };
  const guard = await buildUsageGuard(
    deps,
    account,
    region,
    imageIds.length <= NARROW_UP_TO ? imageIds : undefined,
  );
  return {
    answerFor(imageId) {
      const v = guard.verdictFor(imageId);
      if (v.state === 'in-use') return { state: 'in-use', users: sortUsers(v.users).map(describeUser) };
      if (v.state === 'unknown') return { state: 'unknown', reason: v.reason, retry: v.retry };
      return { state: 'unused' };
    },
  };
}
