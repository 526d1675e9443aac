/**
 * The in-use guard as the cleanup commands see it: one reading of what uses the images of an
 * account and region, then an answer per image. Every prune decision goes through here, so there
 * is exactly one notion of "in use".
 */

import { throwIfAborted } from '../aws/abort.js';
import type { AccountConfig } from '../config.js';
import type { Deps } from '../deps.js';
import type { UsageAnswer } from '../domain/retention.js';
import { toAppError } from '../errors.js';

export interface UsageCheck {
  answerFor(imageId: string): UsageAnswer;
}

/**
 * Reads what uses `imageIds` in the account and region. Never throws (except when the job is
 * interrupted): when usage cannot be determined, every answer is `unknown` (fail closed).
 */
export async function readUsage(
  deps: Pick<Deps, 'changes' | 'logger' | 'aws'>,
  account: AccountConfig,
  region: string,
  imageIds: readonly string[],
): Promise<UsageCheck> {
  const answers = new Map<string, UsageAnswer>();
  for (const imageId of imageIds) {
    try {
      const usage = await deps.changes.findImageUsage(account, region, imageId);
      const users = [
        ...usage.instances.map((i) => `instance \`${i.instanceId}\` (${i.state})`),
        ...usage.launchTemplates.map((t) => `launch template *${t.name}* version ${t.version}`),
      ];
      if (usage.instancesTruncated || usage.launchTemplatesTruncated) {
        answers.set(imageId, { state: 'unknown', reason: 'too many users to read them all', retry: false });
      } else {
        answers.set(imageId, users.length > 0 ? { state: 'in-use', users } : { state: 'unused' });
      }
    } catch (err) {
      throwIfAborted();
      const e = toAppError(err);
      answers.set(imageId, { state: 'unknown', reason: e.userMessage.replace(/\.\s*$/, ''), retry: e.retry });
    }
  }
  return {
    answerFor(imageId) {
      return answers.get(imageId) ?? { state: 'unknown', reason: 'it was not looked at', retry: false };
    },
  };
}
