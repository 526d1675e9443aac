import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logger.js';
import type { Cache } from '../store/cache.js';

const CACHE_TTL_SECONDS = 300;

/**
 * Members of Slack user groups (`S…` ids), for policies that name a group as approvers or
 * requesters. Answers are cached in Redis for five minutes. A group that cannot be read counts as
 * empty: a policy check then refuses rather than guesses.
 */
export class UserGroups {
  constructor(
    private readonly client: WebClient,
    private readonly cache: Cache,
    private readonly logger: Logger,
  ) {}

  async members(groupIds: readonly string[]): Promise<Map<string, Set<string>>> {
    const out = new Map<string, Set<string>>();
    await Promise.all(
      [...new Set(groupIds)].map(async (id) => {
        out.set(id, new Set(await this.membersOf(id)));
      }),
    );
    return out;
  }

  private async membersOf(id: string): Promise<string[]> {
    const cached = await this.cache.get<string[]>('usergroup', id).catch(() => undefined);
    if (cached) return cached;
    try {
      const res = await this.client.usergroups.users.list({ usergroup: id });
      const users = res.users ?? [];
      await this.cache.set('usergroup', id, users, CACHE_TTL_SECONDS).catch(() => {});
      return users;
    } catch (err) {
      this.logger.warn('could not read user group members; treating the group as empty', {
        group: id,
        error: err,
      });
      return [];
    }
  }
}
