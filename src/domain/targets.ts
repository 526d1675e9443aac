import type { AccountConfig, Config } from '../config.js';

/** One account in one region: what sweeps, audits and reports walk over. */
export interface AccountRegion {
  account: AccountConfig;
  region: string;
}

/**
 * Every configured account × region (the account's regions, else the default region), narrowed to
 * one account and/or one region when a command names them.
 */
export function accountRegions(
  config: Pick<Config, 'accounts' | 'defaultRegion'>,
  filter: { account?: AccountConfig; region?: string } = {},
): AccountRegion[] {
  const out: AccountRegion[] = [];
  for (const account of filter.account ? [filter.account] : config.accounts) {
    const regions = filter.region
      ? [filter.region]
      : account.regions.length > 0
        ? account.regions
        : [config.defaultRegion];
    for (const region of regions) out.push({ account, region });
  }
  return out;
}
