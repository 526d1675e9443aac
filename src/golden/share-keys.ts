import type { AccountConfig } from '../config.js';
import type { Deps } from '../deps.js';
import { keyPolicyMentionsOrg, keyPolicyStatement } from '../domain/golden.js';
import type { ShareTarget } from '../domain/grammar/index.js';
import type { AmiImage } from '../domain/image.js';
import type { PlannedGrant } from '../domain/request.js';
import { AppError } from '../errors.js';
import { createGrantOrExplain } from './promote-region.js';

/**
 * The KMS side of sharing an encrypted image, checked before the request is filed: every encrypted
 * snapshot's key is described. A snapshot on the AWS-managed `aws/ebs` key makes the share
 * impossible (no other account can ever use that key): refused, with the fix. On a customer-managed
 * key of the account, each account shared with gets a KMS grant (listed for the approvers, made by
 * the job); organizations and OUs cannot be granted to, so the key policy must already allow them.
 */
export async function planShareGrants(
  deps: Deps,
  account: AccountConfig,
  region: string,
  image: AmiImage,
  targets: readonly ShareTarget[],
): Promise<{ grants: PlannedGrant[]; warnings: string[] }> {
  const snapshotIds = image.blockDevices.flatMap((d) => (d.snapshotId && d.encrypted ? [d.snapshotId] : []));
  if (snapshotIds.length === 0) return { grants: [], warnings: [] };
  const infos = await deps.imageAccess.describeSnapshots(account, region, snapshotIds, image.imageId);
  const keyRefs = [
    ...new Set(
      snapshotIds.map(
        (id) =>
          infos.find((s) => s.snapshotId === id)?.kmsKeyId ??
          image.blockDevices.find((d) => d.snapshotId === id)?.kmsKeyId ??
          '',
      ),
    ),
  ];
  const ownId = await deps.aws.accountId(account, region);
  const accounts = targets.flatMap((t) => (t.kind === 'account' ? [t.accountId] : []));
  const orgs = targets.filter((t) => t.kind === 'organization' || t.kind === 'ou');
  const grants: PlannedGrant[] = [];
  const warnings: string[] = [];
  for (const ref of keyRefs) {
    if (!ref) {
      throw new AppError(
        'conflict',
        `EC2 did not say which KMS key encrypts the snapshots of \`${image.imageId}\`, so amibot cannot tell whether the accounts could use it. Nothing was requested.`,
      );
    }
    const key = await deps.kms.describeKey(account, region, ref);
    if (key.manager === 'AWS') {
      throw new AppError(
        'bad_input',
        `\`${image.imageId}\` is encrypted with the AWS-managed key \`aws/ebs\`, which no other account can ever use, so sharing it would give them an image they cannot launch. Fix: make a copy encrypted with a customer-managed key and share that: \`/ami copy ${image.imageId} --to ${region} --kms-key <customer key>\` (or \`/ami encrypt ${image.imageId} --kms-key <customer key>\`), then \`/ami share <the copy> --with …\`.`,
      );
    }
    if (targets.some((t) => t.kind === 'public')) {
      throw new AppError(
        'bad_input',
        `\`${image.imageId}\` is encrypted: AWS does not allow encrypted images to be public. Share it with accounts or an organization instead.`,
      );
    }
    const keyOwner = /:(\d{12}):key\//.exec(key.arn)?.[1];
    if (keyOwner && keyOwner !== ownId) {
      warnings.push(
        `The snapshots are encrypted with key \`${key.arn}\` of account \`${keyOwner}\`: amibot cannot grant its use; that account’s key policy must allow ${accounts.map((a) => `\`${a}\``).join(', ') || 'the targets'}.`,
      );
      continue;
    }
    if (orgs.length > 0) {
      const policy = await deps.kmsAccess.getKeyPolicy(account, region, key.arn);
      for (const o of orgs) {
        if (!keyPolicyMentionsOrg(policy, o)) {
          throw new AppError(
            'bad_input',
            `KMS key \`${key.arn}\` does not let ${o.kind === 'ou' ? 'OU' : 'organization'} \`${'arn' in o ? o.arn : ''}\` use it, and KMS grants cannot name an organization. Add this statement to the key policy, then share again:\n\`\`\`${keyPolicyStatement(o)}\`\`\``,
          );
        }
      }
    }
    for (const a of accounts) grants.push({ region, keyArn: key.arn, accountId: a });
    if (accounts.length > 0) {
      warnings.push(
        `The snapshots are encrypted with customer-managed key \`${key.arn}\`: KMS grants will be made on it for ${accounts.map((a) => `\`${a}\``).join(', ')} so they can launch the image.`,
      );
    }
  }
  return { grants, warnings };
}

/** Makes the grants a share planned (idempotent: grants are named per account). */
export async function makeShareGrants(
  deps: Deps,
  account: AccountConfig,
  grants: readonly PlannedGrant[],
): Promise<string[]> {
  const made: string[] = [];
  for (const g of grants) {
    await createGrantOrExplain(deps, account, g.region, g.keyArn, g.accountId);
    made.push(`KMS grant on \`${g.keyArn}\` for \`${g.accountId}\``);
  }
  return made;
}
