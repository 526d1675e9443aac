import { type AccountConfig, type Config, resolveAccount } from '../config.js';
import type { GoldenFamily } from '../domain/golden.js';
import { AppError } from '../errors.js';

/** A family and the account that holds its images. */
export interface FamilyRef {
  family: GoldenFamily;
  account: AccountConfig;
}

/** The configured family named `name`, or a friendly error listing the families there are. */
export function findFamily(config: Pick<Config, 'golden' | 'accounts'>, name: string): FamilyRef {
  const family = config.golden.families.find((f) => f.name === name);
  if (!family) {
    const known = config.golden.families.map((f) => `\`${f.name}\``);
    throw new AppError(
      'not_found',
      known.length > 0
        ? `There is no golden-image family \`${name}\`. Configured families: ${known.join(', ')}.`
        : 'No golden-image families are configured. An amibot admin adds them under `golden.families` in the configuration (see docs/golden.md).',
    );
  }
  return { family, account: familyAccount(config, family) };
}

/** The account holding a family's images: its `account`, else the default account. */
export function familyAccount(config: Pick<Config, 'accounts'>, family: GoldenFamily): AccountConfig {
  const account = resolveAccount(config, family.account);
  // Checked at boot (config.ts); kept as a guard for configurations patched at run time.
  if (!account)
    throw new AppError('bad_input', `Family \`${family.name}\` names an account that is not configured.`);
  return account;
}
