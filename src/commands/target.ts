import { type AccountConfig, type Config, resolveAccount } from '../config.js';
import { isRegion } from '../domain/ids.js';
import { AppError } from '../errors.js';

export interface Target {
  account: AccountConfig;
  region: string;
}

/**
 * The account and region a command acts on: the flags when given, else the defaults. Values are
 * checked against the configuration, so nothing typed in Slack (or sent back by a button) picks
 * an account or region the operator did not configure.
 */
export function resolveTarget(
  config: Pick<Config, 'accounts' | 'defaultRegion'>,
  accountFlag?: string,
  regionFlag?: string,
): Target {
  const account = resolveAccount(config, accountFlag);
  if (!account) {
    const known = config.accounts.map((a) => `\`${a.alias}\``).join(', ');
    throw new AppError('bad_input', `Unknown account \`${accountFlag}\`. Configured accounts: ${known}.`);
  }
  const region =
    regionFlag ?? (account.regions.length === 1 ? account.regions[0] : undefined) ?? config.defaultRegion;
  if (!isRegion(region)) {
    throw new AppError('bad_input', `\`${region}\` is not an AWS region (for example \`us-east-1\`).`);
  }
  if (account.regions.length > 0 && !account.regions.includes(region)) {
    throw new AppError(
      'bad_input',
      `Account *${account.alias}* is configured for ${account.regions.map((r) => `\`${r}\``).join(', ')} only, not \`${region}\`.`,
    );
  }
  return { account, region };
}
