/**
 * The retention rules (`retention.rules`): on their schedule, each rule's dry run is made in each
 * of its regions and, when something would go, one prune request is filed for it — approved like
 * any other (it runs without approval only when the account's policy auto-approves `prune`).
 * A family that already has an open prune request is left out until that request ends.
 */
import { resolveAccount } from '../config.js';
import type { Deps } from '../deps.js';
import { formatFamilySelector } from '../domain/families.js';
import { isFinal } from '../domain/request.js';
import { toAppError } from '../errors.js';
import { PrunePlanStore } from '../store/prune-plans.js';
import { filePrune } from './file-batch.js';
import { planPrune } from './prune-plan.js';

export interface RetentionStats {
  rules: number;
  /** Rule × region dry runs made. */
  planned: number;
  filed: string[];
  /** Images left out because their family has an open prune request. */
  heldBack: number;
  errors: string[];
}

export async function runRetention(deps: Deps): Promise<RetentionStats> {
  const settings = deps.config.retention;
  const store = new PrunePlanStore(deps.redis, deps.config.redis.keyPrefix);
  const stats: RetentionStats = {
    rules: settings.rules.length,
    planned: 0,
    filed: [],
    heldBack: 0,
    errors: [],
  };
  for (const [index, rule] of settings.rules.entries()) {
    const account = resolveAccount(deps.config, rule.account);
    if (!account) {
      stats.errors.push(`rule ${index + 1}: no account ${rule.account}`);
      continue;
    }
    const regions =
      rule.regions ?? (account.regions.length > 0 ? account.regions : [deps.config.defaultRegion]);
    const family = formatFamilySelector(rule.family);
    for (const region of regions) {
      try {
        const plan = await planPrune(
          deps,
          { account, region },
          {
            selector: rule.family,
            keep: rule.keep,
            ...(rule.olderThan !== undefined ? { olderThanMs: rule.olderThan } : {}),
          },
          {
            maxPerRequest: settings.maxPerRequest,
            pricePerGbMonth: deps.config.snapshotPricePerGbMonth,
            now: deps.clock(),
          },
        );
        stats.planned++;
        // Families with an open prune request wait for it to end.
        const open = new Set<string>();
        for (const f of new Set(plan.goes.map((i) => i.family))) {
          const holder = await store.holder(account.alias, region, f);
          const held = holder ? await deps.requests.get(holder) : undefined;
          if (held && !isFinal(held.state)) open.add(f);
        }
        const items = plan.goes.filter((i) => !open.has(i.family));
        stats.heldBack += plan.goes.length - items.length;
        if (items.length === 0) continue;
        const freedGiB = items.reduce((n, i) => n + i.freedGiB, 0);
        const request = await filePrune(deps, {
          requester: 'amibot',
          account,
          region,
          family,
          keep: rule.keep,
          ...(rule.olderThan !== undefined ? { olderThanMs: rule.olderThan } : {}),
          items,
          freedGiB,
          monthlyUsd: freedGiB * deps.config.snapshotPricePerGbMonth,
          rule: index,
          warnings: [
            `Filed by retention rule ${index + 1} (\`${family.slice(0, 100)}\`, keep ${rule.keep}${rule.olderThan !== undefined ? `, older than ${Math.round(rule.olderThan / 86_400_000)} days` : ''}).`,
          ],
        });
        stats.filed.push(request.id);
      } catch (err) {
        const e = toAppError(err);
        stats.errors.push(`rule ${index + 1} in ${account.alias}/${region}: ${e.userMessage}`);
        deps.logger.warn('retention rule could not file its prune', {
          rule: index + 1,
          account: account.alias,
          region,
          code: e.code,
          error: err,
        });
      }
    }
  }
  deps.logger.info('retention rules done', {
    ...stats,
    filed: stats.filed.length,
    errors: stats.errors.length,
  });
  return stats;
}
