import { DescribeKeyCommand, type KeyMetadata } from '@aws-sdk/client-kms';
import type { AccountConfig } from '../config.js';
import { kmsAliasOf } from '../domain/ids.js';
import { AppError } from '../errors.js';
import type { AwsClients } from './clients.js';
import { mapAwsError } from './errors.js';
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
      const out = await this.clients.kms(account, region).send(new DescribeKeyCommand({ KeyId: keyRef }));
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
