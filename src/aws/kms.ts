import type { KeyMetadata, ListGrantsCommandOutput } from '@aws-sdk/client-kms';
import type { AccountConfig } from '../config.js';
import { accountRoot, GRANT_OPERATIONS, grantName, type KeyGrant } from '../domain/golden.js';
import { kmsAliasOf } from '../domain/ids.js';
import { AppError } from '../errors.js';
import type { AwsClients } from './clients.js';
import { mapAwsError } from './errors.js';
import { kmsSdk } from './sdk.js';
import { awsErrorCode } from './snapshots.js';

export interface KmsKeyInfo {
  keyId: string;
  arn: string;
  /** True only when the key can be used now (`KeyState` Enabled). */
  enabled: boolean;
  /** Enabled | Disabled | PendingDeletion | PendingImport | Unavailable | … */
  state: string;
  /** The alias the key was named by, when it was named by one (`alias/name`). */
  alias?: string;
  /** AWS (managed, e.g. `alias/aws/ebs`) or CUSTOMER. */
  manager?: string;
}

/** KMS keys, checked before a copy is asked to encrypt with them. */
export class KmsKeys {
  constructor(private readonly clients: AwsClients) {}

  /** Resolves a key id, key ARN, `alias/name` or alias ARN in the account and region. */
  async describeKey(account: AccountConfig, region: string, keyRef: string): Promise<KmsKeyInfo> {
    let meta: KeyMetadata | undefined;
    try {
      const out = await this.clients
        .kms(account, region)
        .send(new kmsSdk.DescribeKeyCommand({ KeyId: keyRef }));
      meta = out.KeyMetadata;
    } catch (err) {
      if (awsErrorCode(err) === 'NotFoundException') {
        throw new AppError(
          'not_found',
          `KMS key \`${keyRef}\` was not found in account *${account.alias}*, region *${region}*. KMS keys are regional: the key must be in the destination region.`,
          { cause: err, context: { awsCode: 'NotFoundException', action: 'kms:DescribeKey', region } },
        );
      }
      throw mapAwsError(err, { action: 'kms:DescribeKey', region, account: account.alias });
    }
    if (!meta?.KeyId || !meta.Arn) {
      throw new AppError('aws_error', `KMS did not describe key \`${keyRef}\` in region *${region}*.`);
    }
    const state = meta.KeyState ?? (meta.Enabled ? 'Enabled' : 'Disabled');
    const alias = kmsAliasOf(keyRef);
    return {
      keyId: meta.KeyId,
      arn: meta.Arn,
      enabled: state === 'Enabled' && meta.Enabled !== false,
      state,
      ...(alias ? { alias } : {}),
      ...(meta.KeyManager ? { manager: meta.KeyManager } : {}),
    };
  }
}

/** KMS key policies and grants: who may use a key that encrypts a shared image. */
export class KmsAccess {
  constructor(private readonly clients: AwsClients) {}

  /** The key's `default` policy (JSON text). */
  async getKeyPolicy(account: AccountConfig, region: string, keyId: string): Promise<string> {
    try {
      const out = await this.clients
        .kms(account, region)
        .send(new kmsSdk.GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }));
      return out.Policy ?? '{}';
    } catch (err) {
      throw mapAwsError(err, { action: 'kms:GetKeyPolicy', region, account: account.alias });
    }
  }

  /** Every grant on the key (all pages). */
  async listGrants(account: AccountConfig, region: string, keyId: string): Promise<KeyGrant[]> {
    const out: KeyGrant[] = [];
    let marker: string | undefined;
    for (let page = 0; page < 100; page++) {
      let res: ListGrantsCommandOutput;
      try {
        res = await this.clients
          .kms(account, region)
          .send(
            new kmsSdk.ListGrantsCommand({ KeyId: keyId, Limit: 100, ...(marker ? { Marker: marker } : {}) }),
          );
      } catch (err) {
        throw mapAwsError(err, { action: 'kms:ListGrants', region, account: account.alias });
      }
      for (const g of res.Grants ?? []) {
        if (!g.GrantId || !g.GranteePrincipal) continue;
        out.push({
          grantId: g.GrantId,
          ...(g.Name ? { name: g.Name } : {}),
          granteePrincipal: g.GranteePrincipal,
          operations: (g.Operations ?? []).map(String),
        });
      }
      if (!res.Truncated || !res.NextMarker) return out;
      marker = res.NextMarker;
    }
    return out;
  }

  /**
   * Lets `accountId` use the key for images shared with it (idempotent: the grant is named after
   * the account, and KMS returns the same grant for the same name and grantee). Access denied comes
   * back as an `aws_access_denied` AppError whose context says `kms:CreateGrant`.
   */
  async createGrant(
    account: AccountConfig,
    region: string,
    keyArn: string,
    accountId: string,
  ): Promise<string> {
    try {
      const out = await this.clients.kms(account, region).send(
        new kmsSdk.CreateGrantCommand({
          KeyId: keyArn,
          GranteePrincipal: accountRoot(accountId, partitionOf(keyArn)),
          Operations: [...GRANT_OPERATIONS],
          Name: grantName(accountId),
        }),
      );
      return out.GrantId ?? '';
    } catch (err) {
      throw mapAwsError(err, { action: 'kms:CreateGrant', region, account: account.alias });
    }
  }
}

function partitionOf(arn: string): string {
  return /^arn:(aws[a-z-]*):/.exec(arn)?.[1] ?? 'aws';
}
