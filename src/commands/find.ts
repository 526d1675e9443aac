import { renderFindResults } from '../blocks/find-results.js';
import { interpretFindQuery } from '../domain/find-query.js';
import type { FindCommand } from '../domain/grammar/index.js';
import type { AmiImage } from '../domain/image.js';
import { resolveTarget } from './target.js';
import { trustChecker } from './trust.js';
import type { CommandContext, CommandReply } from './types.js';

interface CachedFind {
  images: AmiImage[];
  scanned: number;
}

/** `/ami find`: newest matching images, from the Redis cache when a fresh answer is there. */
export async function findCommand(cmd: FindCommand, { deps }: CommandContext): Promise<CommandReply> {
  const { account, region } = resolveTarget(deps.config, cmd.account, cmd.region);
  const plan = interpretFindQuery(cmd, deps.config.trustedOwners);
  const query = {
    owners: plan.owners,
    namePatterns: plan.namePatterns,
    arch: plan.arch,
    filters: plan.extraFilters,
    includeDeprecated: cmd.includeDeprecated,
    freeText: plan.freeText,
  };
  const cacheKey = { v: 1, account: account.alias, region, query, limit: cmd.limit };

  let cached = false;
  let result = await deps.cache.get<CachedFind>('find', cacheKey).catch((err: unknown) => {
    deps.logger.warn('find cache read failed; asking AWS', { error: err });
    return undefined;
  });
  if (result) {
    cached = true;
  } else {
    // Identical finds arriving together share one EC2 walk (and one cache write).
    const flight = await deps.singleFlight.run(JSON.stringify(cacheKey), async () => {
      const found = await deps.images.findNewest(account, region, query, cmd.limit);
      const fresh: CachedFind = { images: found.images, scanned: found.scanned };
      await deps.cache.set('find', cacheKey, fresh, deps.config.cacheTtlSeconds).catch((err: unknown) => {
        deps.logger.warn('find cache write failed', { error: err });
      });
      return fresh;
    });
    result = flight.value;
  }

  const isTrusted = await trustChecker(deps, account, region);
  return {
    message: renderFindResults({
      query: cmd.words.join(' '),
      planDescription: [plan.description, ...plan.notes].join(' · '),
      account: account.alias,
      region,
      results: result.images.map((image) => ({ image, trusted: isTrusted(image) })),
      scanned: result.scanned,
      cached,
      now: deps.clock(),
      limit: cmd.limit,
    }),
  };
}
