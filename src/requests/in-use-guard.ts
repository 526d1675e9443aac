/**
 * The one in-use guard for every path that removes or replaces an image: `/ami deregister` (when
 * filed and again when it runs), `encrypt --replace` (when filed, and before the original is
 * retired), the expiry sweep's `request-deregister` policy, and any cleanup of many images (build
 * one {@link UsageGuard} per account and region, then ask it about each image).
 *
 * It fails closed: when usage cannot be determined (an AWS error after retries, an answer cut
 * short, a cap reached, a filter the backend refuses), the verdict is `unknown` and the
 * destructive step does not happen. Only a person can get past it, with `/ami deregister --force`.
 */

import { ImageUsageReader, ImageUsageUnknown, type UsageLimits } from '../aws/image-usage.js';
import type { AccountConfig } from '../config.js';
import type { Deps } from '../deps.js';
import {
  countUsers,
  deregisterExecutionRefusal,
  deregisterForcedWarning,
  deregisterRefusal,
  policyRefusal,
  replaceRefusal,
  type UsageVerdict,
} from '../domain/image-usage.js';
import { AppError, rethrowInterruption, toAppError } from '../errors.js';

/** Verdicts for the images of one account and region, from one reading of what uses them. */
export interface UsageGuard {
  verdictFor(imageId: string): UsageVerdict;
}

/**
 * Reads what uses images in one account and region once. `imageIds` narrows the instance lookup
 * to those images (and the guard answers only for them); without it every live instance is read,
 * for a cleanup that asks about many images. Never throws except when the job is interrupted: a
 * failed reading makes every verdict `unknown`.
 */
export async function buildUsageGuard(
  deps: Pick<Deps, 'aws' | 'logger'>,
  account: AccountConfig,
  region: string,
  imageIds?: readonly string[],
  limits?: Partial<UsageLimits>,
): Promise<UsageGuard> {
  try {
    const index = await new ImageUsageReader(deps.aws, limits).index(account, region, imageIds);
    deps.logger.debug('image usage read', { account: account.alias, region, ...index.coverage });
    return {
      verdictFor(imageId) {
        const users = index.usersOf(imageId);
        return users.length > 0
          ? { state: 'in-use', users, coverage: index.coverage }
          : { state: 'unused', coverage: index.coverage };
      },
    };
  } catch (err) {
    rethrowInterruption(err);
    const e = toAppError(err);
    const reason = err instanceof ImageUsageUnknown ? err.reason : e.userMessage.replace(/\.\s*$/, '');
    deps.logger.warn('image usage could not be determined', {
      account: account.alias,
      region,
      code: e.code,
      reason,
    });
    const verdict: UsageVerdict = { state: 'unknown', reason, retry: e.retry };
    return { verdictFor: () => verdict };
  }
}

/** The verdict for one image (one reading). */
export async function imageUsageVerdict(
  deps: Pick<Deps, 'aws' | 'logger'>,
  account: AccountConfig,
  region: string,
  imageId: string,
): Promise<UsageVerdict> {
  return (await buildUsageGuard(deps, account, region, [imageId])).verdictFor(imageId);
}

function refusalError(message: string, verdict: UsageVerdict): AppError {
  return verdict.state === 'unknown'
    ? new AppError('aws_unavailable', message, { retry: verdict.retry })
    : new AppError('conflict', message);
}

/**
 * `/ami deregister` being filed: throws the refusal when the image is in use or its use cannot be
 * checked, unless `force`; with `force`, returns the warning for the approvers (if any).
 */
export async function checkDeregisterFiling(
  deps: Pick<Deps, 'aws' | 'logger'>,
  account: AccountConfig,
  region: string,
  imageId: string,
  force: boolean,
): Promise<string | undefined> {
  const verdict = await imageUsageVerdict(deps, account, region, imageId);
  if (force) return deregisterForcedWarning(verdict);
  const refusal = deregisterRefusal(imageId, verdict);
  if (refusal) throw refusalError(refusal, verdict);
  return undefined;
}

/** `/ami encrypt --replace` being filed: throws when the original is in use or cannot be checked. */
export async function checkReplaceFiling(
  deps: Pick<Deps, 'aws' | 'logger'>,
  account: AccountConfig,
  region: string,
  imageId: string,
): Promise<void> {
  const verdict = await imageUsageVerdict(deps, account, region, imageId);
  const refusal = replaceRefusal(imageId, verdict);
  if (refusal) throw refusalError(refusal, verdict);
}

/** The expiry sweep's policy asking for a deregistration: throws when it must not. */
export async function checkPolicyDeregistration(
  deps: Pick<Deps, 'aws' | 'logger'>,
  account: AccountConfig,
  region: string,
  imageId: string,
): Promise<void> {
  const verdict = await imageUsageVerdict(deps, account, region, imageId);
  const refusal = policyRefusal(imageId, verdict);
  if (refusal) throw refusalError(refusal, verdict);
}

/**
 * A deregistration about to run (not forced): the failure to report instead, or undefined to go
 * ahead. When trying again later may help and the job has attempts left, it throws a retryable
 * error instead, so the job retries; the last attempt reports it.
 */
export async function checkDeregisterExecution(
  deps: Pick<Deps, 'aws' | 'logger'>,
  account: AccountConfig,
  region: string,
  imageId: string,
): Promise<string | undefined> {
  const verdict = await imageUsageVerdict(deps, account, region, imageId);
  const refusal = deregisterExecutionRefusal(imageId, verdict);
  if (refusal && verdict.state === 'unknown' && verdict.retry) throw refusalError(refusal, verdict);
  if (refusal) {
    deps.logger.info('deregistration refused by the in-use guard', {
      imageId,
      state: verdict.state,
      users: verdict.state === 'in-use' ? countUsers(verdict.users) : undefined,
    });
  }
  return refusal;
}
