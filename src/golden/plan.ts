import type { AccountConfig } from '../config.js';
import type { Deps } from '../deps.js';
import { formatUsd, monthlyStorageCost } from '../domain/cost.js';
import {
  familyTargets,
  followsNaming,
  GOLDEN_TAG,
  type GoldenFamily,
  keyPolicyAllows,
  keyPolicyMentionsOrg,
  keyPolicyStatement,
  parameterName,
} from '../domain/golden.js';
import type { AmiImage } from '../domain/image.js';
import type { OperationParams, PlannedGrant, PromotionRegionPlan } from '../domain/request.js';
import { AppError } from '../errors.js';
import { type ScanGate, scanGate } from './scan-gate.js';

export type PromotionFiling =
  | { ok: true; params: Extract<OperationParams, { kind: 'promote' }>; warnings: string[] }
  | { ok: false; scan: Extract<ScanGate, { ok: false }> };

function bad(message: string): never {
  throw new AppError('bad_input', message);
}

/**
 * Everything `/ami promote` checks before filing, and the plan the approvers see: the image is the
 * account's and available, it has a passing recent scan (else the caller offers one), it carries
 * the family's required tags and follows its naming convention, every region has a usable
 * customer-managed key (images on the AWS-managed `aws/ebs` key cannot be shared), organizations
 * and OUs are allowed by the key policies, and the family's current image in each region is known.
 */
export async function preparePromotion(
  deps: Deps,
  input: { account: AccountConfig; accountId: string; region: string; image: AmiImage; family: GoldenFamily },
): Promise<PromotionFiling> {
  const { account, accountId, region, image, family } = input;
  if (image.ownerId !== accountId) {
    bad(
      `\`${image.imageId}\` belongs to \`${image.ownerId}\`, not to account *${account.alias}*: only the account’s own images can be promoted. Copy it first (\`/ami copy ${image.imageId} --to ${region} --encrypt\`).`,
    );
  }
  if (image.state !== 'available')
    bad(`\`${image.imageId}\` is ${image.state}; only an available image can be promoted.`);
  const gate = await scanGate(deps, account, region, image.imageId);
  if (!gate.ok) return { ok: false, scan: gate };

  const missing = family.requiredTags.filter((k) => !(k in image.tags));
  if (missing.length > 0) {
    bad(
      `\`${image.imageId}\` lacks the tag${missing.length === 1 ? '' : 's'} family \`${family.name}\` requires: ${missing.map((k) => `\`${k}\``).join(', ')}. Tag the image, then promote it again.`,
    );
  }
  if (!followsNaming(family, image.name)) {
    bad(
      `The name of \`${image.imageId}\` (\`${image.name}\`) does not follow family \`${family.name}\`’s naming convention \`${family.namePattern}\`.`,
    );
  }

  const targets = familyTargets(family);
  const accounts = targets.flatMap((t) => (t.kind === 'account' ? [t.accountId] : []));
  const orgs = targets.filter((t) => t.kind === 'organization' || t.kind === 'ou');
  const warnings: string[] = [];
  const regions: PromotionRegionPlan[] = [];
  const grants: PlannedGrant[] = [];
  const current = new Map<string, string | undefined>();
  for (const r of family.regions) {
    const keyRef = family.kmsKeys[r] ?? 'alias/aws/ebs';
    const key = await deps.kms.describeKey(account, r, keyRef);
    if (!key.enabled)
      bad(
        `KMS key \`${keyRef}\` in \`${r}\` is ${key.state}, not enabled: the copy there could not be encrypted with it.`,
      );
    if (key.manager === 'AWS' && targets.length > 0) {
      bad(
        `Family \`${family.name}\` would encrypt its copy in \`${r}\` with the AWS-managed key \`aws/ebs\`, and images on that key cannot be shared with other accounts. Fix: create a customer-managed key in \`${r}\` and set \`golden.families[${family.name}].kmsKeys.${r}\` to it (key id, ARN or alias).`,
      );
    }
    if (orgs.length > 0) {
      const policy = await deps.kmsAccess.getKeyPolicy(account, r, key.arn);
      for (const o of orgs) {
        if (!keyPolicyMentionsOrg(policy, o)) {
          bad(
            `KMS key \`${keyRef}\` in \`${r}\` does not let ${o.kind === 'ou' ? 'OU' : 'organization'} \`${'arn' in o ? o.arn : ''}\` use it, and KMS grants cannot name an organization. Add this statement to the key policy, then promote again:\n\`\`\`${keyPolicyStatement(o)}\`\`\``,
          );
        }
      }
      if (accounts.length > 0 && keyPolicyAllows(policy, accountId).allowed === false) {
        warnings.push(
          `The policy of key \`${keyRef}\` in \`${r}\` does not name account \`${accountId}\`: creating the grants there may be refused.`,
        );
      }
    }
    for (const a of accounts) grants.push({ region: r, keyArn: key.arn, accountId: a });
    const parameter = parameterName(family, r);
    const value = await deps.ssm.get(account, r, parameter);
    current.set(r, value);
    regions.push({ region: r, keyArn: key.arn, parameter, ...(value ? { previousImageId: value } : {}) });
  }
  const monthly = monthlyStorageCost(image, deps.config.snapshotPricePerGbMonth) * family.regions.length;
  warnings.push(
    `Storage: about ${formatUsd(monthly)} per month for the ${family.regions.length} golden cop${family.regions.length === 1 ? 'y' : 'ies'}.`,
  );
  if (gate.scan.report?.deadlines.length) {
    warnings.push(
      `The scan passed with ${gate.scan.report.deadlines.length} finding(s) to fix by a deadline (scan \`${gate.scan.id}\`).`,
    );
  }
  return {
    ok: true,
    params: {
      kind: 'promote',
      family: family.name,
      regions,
      targets,
      kmsGrants: grants,
      tags: { ...family.tags, [GOLDEN_TAG]: family.name },
      deprecatePreviousAfterDays: deps.config.golden.deprecatePreviousAfterDays,
    },
    warnings,
  };
}
