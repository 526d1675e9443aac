/**
 * `/ami why <ami> --for <account>`: from what amibot could read about an image (facts, or why a
 * read failed), the checklist of what an account needs to launch it, with the fix for each
 * problem. Pure. A fact that could not be read is ❔ with the reason — never a ✅.
 */

import { grantFor, type KeyGrant, keyPolicyAllows, keyPolicyStatement } from './golden.js';
import type { ShareTarget } from './grammar/index.js';
import type { AmiImage, LaunchPermissions } from './image.js';

export type Mark = 'ok' | 'fail' | 'unknown' | 'info';

/** A change that fixes a ❌; the button carries ids only and files the matching request. */
export type WhyAction =
  | { kind: 'share'; account: string; region: string; imageId: string; targetAccount: string }
  | { kind: 'enable'; account: string; region: string; imageId: string }
  | { kind: 'copy'; account: string; fromRegion: string; imageId: string; toRegion: string };

export interface WhyCheck {
  id: string;
  mark: Mark;
  /** mrkdwn, escaped by the caller's renderer where it holds AWS text. */
  title: string;
  detail?: string;
  fix?: string;
  action?: WhyAction;
}

/** A read that worked, or why it did not. */
export type Read<T> = { ok: true; value: T } | { ok: false; error: string };

export interface KeyFacts {
  keyId: string;
  /** Read with DescribeKey. */
  key: Read<{ arn: string; manager?: string; enabled: boolean; state: string; ownerAccountId: string }>;
  policy?: Read<string>;
  grants?: Read<KeyGrant[]>;
}

export interface SnapshotFacts {
  snapshotId: string;
  encrypted: boolean;
  key?: KeyFacts;
  createVolume?: Read<{ public: boolean; accounts: string[] }>;
}

export interface LaunchFacts {
  /** Account alias amibot read the image with, and its id. */
  account: string;
  ownerAccountId: string;
  region: string;
  imageId: string;
  forAccount: string;
  now: Date;
  image: Read<AmiImage | undefined>;
  /** Where the image (or a copy of it) exists when it is not in `region`. */
  elsewhere?: Array<{ region: string; imageId: string; copy: boolean }>;
  permissions?: Read<LaunchPermissions>;
  blockPublicAccess?: Read<string>;
  snapshots?: Read<SnapshotFacts[]>;
}

const CHECK = 'ok';

/** The checklist for `facts`, in the order an engineer would look. */
export function diagnoseLaunch(facts: LaunchFacts): WhyCheck[] {
  const out: WhyCheck[] = [];
  const { imageId, region, forAccount, account } = facts;
  // 1. The image exists in the region.
  if (!facts.image.ok) {
    out.push({
      id: 'exists',
      mark: 'unknown',
      title: `Could not look \`${imageId}\` up in \`${region}\``,
      detail: facts.image.error,
    });
    return out;
  }
  const image = facts.image.value;
  if (!image || image.state === 'deregistered') {
    const where = facts.elsewhere ?? [];
    const first = where[0];
    out.push({
      id: 'exists',
      mark: 'fail',
      title: `\`${imageId}\` does not exist in \`${region}\`${image ? ' (it was deregistered)' : ''}`,
      detail:
        where.length > 0
          ? `Found in: ${where.map((w) => `\`${w.imageId}\` in \`${w.region}\`${w.copy ? ' (a copy)' : ''}`).join(', ')}. AMIs are regional.`
          : 'It is not in any of the configured regions either. AMIs are regional: check the id and the region.',
      ...(first && !first.copy
        ? {
            fix: `Copy it to \`${region}\`: \`/ami copy ${first.imageId} --region ${first.region} --to ${region}\`, then share the copy.`,
            action: {
              kind: 'copy',
              account,
              fromRegion: first.region,
              imageId: first.imageId,
              toRegion: region,
            },
          }
        : first
          ? {
              fix: `Launch \`${first.imageId}\` in \`${first.region}\` instead, or copy it to \`${region}\`.`,
            }
          : {}),
    });
    return out;
  }
  out.push({ id: 'exists', mark: CHECK, title: `\`${imageId}\` exists in \`${region}\`` });

  // 2. State.
  const owned = image.ownerId === facts.ownerAccountId;
  if (image.state === 'available') {
    const deprecated = image.deprecationTime && Date.parse(image.deprecationTime) <= facts.now.getTime();
    out.push({
      id: 'state',
      mark: CHECK,
      title: 'The image is available',
      ...(deprecated
        ? {
            detail: `Deprecated since ${image.deprecationTime}: it still launches by id, but searches hide it.`,
          }
        : {}),
    });
  } else if (image.state === 'disabled') {
    out.push({
      id: 'state',
      mark: 'fail',
      title: 'The image is disabled: nobody can launch it',
      fix: owned
        ? `Re-enable it: \`/ami enable ${imageId} --region ${region}\` (then share it again: disabling removed its sharing).`
        : 'Ask its owner to re-enable it.',
      ...(owned ? { action: { kind: 'enable' as const, account, region, imageId } } : {}),
    });
  } else {
    out.push({
      id: 'state',
      mark: 'fail',
      title: `The image is ${image.state}, not available`,
      detail: image.stateReason,
      fix:
        image.state === 'pending'
          ? 'Wait for it to become available.'
          : 'Use another image: this one cannot be launched.',
    });
  }

  // 3. Launch permission for the account.
  if (image.ownerId === forAccount) {
    out.push({ id: 'permission', mark: CHECK, title: `Account \`${forAccount}\` owns the image` });
  } else if (!owned) {
    out.push({
      id: 'permission',
      mark: image.public ? CHECK : 'unknown',
      title: image.public ? 'The image is public' : `Launch permission of account \`${forAccount}\``,
      ...(image.public
        ? {}
        : {
            detail: `The image belongs to \`${image.ownerId}\`; only its owner can read who it is shared with.`,
          }),
    });
  } else if (!facts.permissions?.ok) {
    out.push({
      id: 'permission',
      mark: 'unknown',
      title: `Launch permission of account \`${forAccount}\``,
      detail: facts.permissions?.error ?? 'not read',
    });
  } else {
    const p = facts.permissions.value;
    if (p.accounts.includes(forAccount)) {
      out.push({ id: 'permission', mark: CHECK, title: `Shared directly with account \`${forAccount}\`` });
    } else if (p.public) {
      const bpa = facts.blockPublicAccess;
      out.push({
        id: 'permission',
        mark: CHECK,
        title: 'The image is public',
        detail: !bpa?.ok
          ? `Block public access for AMIs in \`${region}\`: could not be read (${bpa?.error ?? 'not read'}).`
          : bpa.value === 'block-new-sharing'
            ? `Block public access for AMIs is on in \`${region}\`: the image stays public, but could not be made public again.`
            : `Block public access for AMIs is off in \`${region}\`.`,
      });
    } else if (p.organizations.length > 0 || p.organizationalUnits.length > 0) {
      out.push({
        id: 'permission',
        mark: 'unknown',
        title: `Not shared with account \`${forAccount}\` directly`,
        detail: `It is shared with ${[...p.organizations, ...p.organizationalUnits].map((a) => `\`${a}\``).join(', ')}; amibot cannot tell whether the account belongs to them.`,
        fix: `If it does not, share the image with it directly: \`/ami share ${imageId} --with ${forAccount} --region ${region}\`.`,
        action: { kind: 'share', account, region, imageId, targetAccount: forAccount },
      });
    } else {
      const bpa = facts.blockPublicAccess;
      out.push({
        id: 'permission',
        mark: 'fail',
        title: `Not shared with account \`${forAccount}\``,
        detail:
          bpa?.ok && bpa.value === 'block-new-sharing'
            ? `Block public access for AMIs is on in \`${region}\`, so it cannot be made public either; share it with the account.`
            : undefined,
        fix: `Share it: \`/ami share ${imageId} --with ${forAccount} --region ${region}\` (amibot also makes the KMS grants the account needs).`,
        action: { kind: 'share', account, region, imageId, targetAccount: forAccount },
      });
    }
  }

  // 4. Snapshots: keys, and create-volume permission where it matters.
  if (!facts.snapshots) {
    // Nothing to check (an instance-store image).
  } else if (!facts.snapshots.ok) {
    out.push({
      id: 'snapshots',
      mark: 'unknown',
      title: 'The image’s snapshots',
      detail: facts.snapshots.error,
    });
  } else {
    for (const s of facts.snapshots.value) out.push(...snapshotChecks(facts, s, owned));
    // Whether it may also be copied matters only once it can be launched.
    const copy = out.some((c) => c.mark === 'fail')
      ? undefined
      : copyPermission(facts, facts.snapshots.value);
    if (copy) out.push(copy);
  }

  // 5. Hints.
  out.push(...hints(image));
  return out;
}

function snapshotChecks(facts: LaunchFacts, s: SnapshotFacts, owned: boolean): WhyCheck[] {
  const { forAccount, imageId, region, account } = facts;
  const id = `snapshot:${s.snapshotId}`;
  const snap = `Snapshot \`${s.snapshotId}\``;
  if (!s.encrypted) return [{ id, mark: CHECK, title: `${snap} is not encrypted` }];
  if (!s.key)
    return [
      { id, mark: 'unknown', title: `${snap} is encrypted`, detail: 'EC2 did not say with which key.' },
    ];
  const key = s.key;
  if (!key.key.ok) {
    return [
      {
        id,
        mark: 'unknown',
        title: `${snap}: key \`${key.keyId}\``,
        detail: `Could not describe the key: ${key.key.error}`,
      },
    ];
  }
  const k = key.key.value;
  if (!k.enabled) {
    return [
      {
        id,
        mark: 'fail',
        title: `${snap}: key \`${k.arn}\` is ${k.state}`,
        fix: 'Nobody can launch the image until the key is enabled again (KMS console, or `aws kms enable-key`).',
      },
    ];
  }
  if (k.manager === 'AWS') {
    if (forAccount === facts.ownerAccountId)
      return [{ id, mark: CHECK, title: `${snap} uses the account’s own \`aws/ebs\` key` }];
    return [
      {
        id,
        mark: 'fail',
        title: `${snap} is encrypted with the AWS-managed key \`aws/ebs\`, which other accounts can never use`,
        fix: `Make a copy encrypted with a customer-managed key, then share that: \`/ami copy ${imageId} --to ${region} --kms-key <customer key>\` (or \`/ami encrypt ${imageId} --kms-key <customer key> --region ${region}\`).`,
      },
    ];
  }
  if (forAccount === k.ownerAccountId)
    return [{ id, mark: CHECK, title: `${snap}: key \`${k.arn}\` belongs to the account` }];
  if (k.ownerAccountId !== facts.ownerAccountId) {
    return [
      {
        id,
        mark: 'unknown',
        title: `${snap}: key \`${k.arn}\``,
        detail: `The key belongs to account \`${k.ownerAccountId}\`; amibot cannot read its policy or grants.`,
      },
    ];
  }
  const grant = key.grants?.ok ? grantFor(key.grants.value, forAccount) : undefined;
  if (grant)
    return [
      { id, mark: CHECK, title: `${snap}: account \`${forAccount}\` has a KMS grant on key \`${k.arn}\`` },
    ];
  const verdict = key.policy?.ok ? keyPolicyAllows(key.policy.value, forAccount) : undefined;
  if (verdict?.allowed === true)
    return [{ id, mark: CHECK, title: `${snap}: ${verdict.how} for key \`${k.arn}\`` }];
  if (!key.policy?.ok || !key.grants?.ok) {
    return [
      {
        id,
        mark: 'unknown',
        title: `${snap}: whether account \`${forAccount}\` may use key \`${k.arn}\``,
        detail: [
          !key.policy?.ok ? `key policy: ${key.policy?.error ?? 'not read'}` : '',
          !key.grants?.ok ? `grants: ${key.grants?.error ?? 'not read'}` : '',
        ]
          .filter(Boolean)
          .join('; '),
      },
    ];
  }
  if (verdict?.allowed === 'conditional') {
    return [
      {
        id,
        mark: 'unknown',
        title: `${snap}: key \`${k.arn}\` allows it only under conditions`,
        detail: `${verdict.how}; amibot cannot check the conditions.`,
      },
    ];
  }
  const target: ShareTarget = { kind: 'account', accountId: forAccount };
  return [
    {
      id,
      mark: 'fail',
      title: `${snap}: account \`${forAccount}\` may not use key \`${k.arn}\``,
      fix: owned
        ? `Share the image with the account again: \`/ami share ${imageId} --with ${forAccount} --region ${region}\` makes the KMS grant. Or add to the key policy:\n\`\`\`${keyPolicyStatement(target)}\`\`\``
        : `Ask the key’s owner to add to the key policy:\n\`\`\`${keyPolicyStatement(target)}\`\`\``,
      ...(owned
        ? { action: { kind: 'share' as const, account, region, imageId, targetAccount: forAccount } }
        : {}),
    },
  ];
}

/**
 * Create-volume permission on the snapshots is not needed to launch a shared image, only to copy it
 * into the account: reported as a hint, and only when amibot could read it for every snapshot.
 */
function copyPermission(facts: LaunchFacts, snapshots: readonly SnapshotFacts[]): WhyCheck | undefined {
  const reads = snapshots.map((s) => s.createVolume);
  if (reads.length === 0 || reads.some((r) => !r?.ok)) return undefined;
  const missing = snapshots.filter(
    (s) =>
      s.createVolume?.ok &&
      !s.createVolume.value.public &&
      !s.createVolume.value.accounts.includes(facts.forAccount),
  );
  if (facts.forAccount === facts.ownerAccountId) return undefined;
  return missing.length === 0
    ? {
        id: 'copy',
        mark: 'info',
        title: `Account \`${facts.forAccount}\` may also copy the image (create-volume permission on its snapshots)`,
      }
    : {
        id: 'copy',
        mark: 'info',
        title: `Account \`${facts.forAccount}\` can launch the image but not copy it`,
        detail: `No create-volume permission on ${missing.map((s) => `\`${s.snapshotId}\``).join(', ')}; that is only needed to copy the image into the account (golden-image promotions give it).`,
      };
}

function hints(image: AmiImage): WhyCheck[] {
  const out: WhyCheck[] = [];
  const arch = image.architecture;
  out.push({
    id: 'arch',
    mark: 'info',
    title: `Architecture \`${arch}\``,
    detail: arch.startsWith('arm64')
      ? 'Needs an Arm (Graviton) instance type such as m7g, c7g or t4g.'
      : 'Needs an x86 instance type such as m7i, c7i or t3 (not a Graviton “g” type).',
  });
  if (image.bootMode) {
    out.push({
      id: 'boot',
      mark: 'info',
      title: `Boot mode \`${image.bootMode}\``,
      detail:
        image.bootMode === 'uefi'
          ? 'Needs an instance type that supports UEFI (all Graviton and most current x86 types).'
          : undefined,
    });
  }
  out.push({
    id: 'ena',
    mark: 'info',
    title: image.enaSupport ? 'ENA support: yes' : 'ENA support: no',
    detail: image.enaSupport
      ? undefined
      : 'Current-generation instance types need ENA: launch an older type (t2, m4) or rebuild the image with ENA.',
  });
  return out;
}
