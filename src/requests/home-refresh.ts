import type { Deps } from '../deps.js';
import { matchesPrincipal, referencedGroups } from '../domain/policy.js';
import type { AmiRequest } from '../domain/request.js';
import { HomeUsers } from '../store/home-users.js';

/**
 * Who should see a request change on their App Home, and the debounced refresh of it: the
 * requester, whoever approved it, and the people its account's policy names as approvers — of
 * those, only the ones who have opened Home at least once. Each gets a `home-refresh` job delayed
 * by {@link HOME_REFRESH_DELAY_MS} under one id per person, so a burst of changes is one
 * `views.publish` per person; a change while that job runs marks the person again and the job
 * runs once more (see jobs/home-refresh.ts).
 */
export const HOME_REFRESH_DELAY_MS = 2_000;

export async function homeAudience(deps: Deps, request: AmiRequest): Promise<string[]> {
  const homes = new HomeUsers(deps.redis, deps.config.redis.keyPrefix);
  const direct = [request.requester, ...request.approvals.map((a) => a.userId)];
  const account = deps.config.accounts.find((a) => a.alias === request.account);
  const opened = await homes.all();
  let approvers: string[] = [];
  if (account && opened.length > 0) {
    const groups = await deps.userGroups.members(referencedGroups(account.policy));
    approvers = opened.filter((u) => matchesPrincipal(account.policy.approvers, u, groups));
  }
  const everyone = [...new Set([...direct, ...approvers])];
  const openedSet = new Set(opened);
  return everyone.filter((u) => openedSet.has(u));
}

/** Marks each person's Home as out of date and schedules its (debounced) refresh. */
export async function scheduleHomeRefresh(deps: Deps, userIds: readonly string[]): Promise<void> {
  const homes = new HomeUsers(deps.redis, deps.config.redis.keyPrefix);
  for (const userId of new Set(userIds)) {
    await homes.markDirty(userId);
    await deps.queues.enqueue('home-refresh', { userId }, { delayMs: HOME_REFRESH_DELAY_MS });
  }
}

/**
 * After a request changed: refresh the Homes that show it. Best effort (a Home a little out of
 * date is refreshed on the next change or open): a failure is logged, never thrown.
 */
export async function refreshHomesFor(deps: Deps, request: AmiRequest): Promise<void> {
  try {
    await scheduleHomeRefresh(deps, await homeAudience(deps, request));
  } catch (err) {
    deps.logger.warn('could not schedule App Home refreshes', { requestId: request.id, error: err });
  }
}
