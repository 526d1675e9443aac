import { AwsError, type JsonObject } from './errors.js';
import type { IdGenerator } from './ids.js';

/** A KMS key as the fake knows it; `arn` is `arn:aws:kms:REGION:ACCOUNT:key/KEY_ID`. */
export interface FakeKmsKey {
  keyId: string;
  arn: string;
  region: string;
  accountId: string;
  /** Alias names including the `alias/` prefix. */
  aliases: string[];
  enabled: boolean;
  keyState: 'Enabled' | 'Disabled' | 'PendingDeletion' | 'PendingImport' | 'Unavailable';
  description: string;
  keyManager: 'CUSTOMER' | 'AWS';
  keySpec: string;
  keyUsage: string;
  creationDate: Date;
}

export interface AddKmsKeyInput {
  region?: string;
  accountId?: string;
  /** Defaults to a random UUID. */
  keyId?: string;
  /** `alias/name` or just `name`; one alias or several. */
  alias?: string | string[];
  enabled?: boolean;
  keyState?: FakeKmsKey['keyState'];
  description?: string;
  keyManager?: FakeKmsKey['keyManager'];
}

function aliasName(alias: string): string {
  return alias.startsWith('alias/') ? alias : `alias/${alias}`;
}

const KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):key\/(.+)$/;
const ALIAS_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):(alias\/.+)$/;

/** KMS keys per account and region, and the resolution rules of KMS `KeyId` parameters. */
export class KmsStore {
  private readonly byArn = new Map<string, FakeKmsKey>();
  /** `region|account|alias/name` → key. */
  private readonly byAlias = new Map<string, FakeKmsKey>();

  constructor(
    private readonly ids: IdGenerator,
    private readonly now: () => Date,
    private readonly defaults: { region: string; accountId: string },
  ) {}

  add(input: AddKmsKeyInput = {}): FakeKmsKey {
    const region = input.region ?? this.defaults.region;
    const accountId = input.accountId ?? this.defaults.accountId;
    const keyId = input.keyId ?? this.ids.uuid();
    const enabled = input.enabled ?? (input.keyState ? input.keyState === 'Enabled' : true);
    const key: FakeKmsKey = {
      keyId,
      arn: `arn:aws:kms:${region}:${accountId}:key/${keyId}`,
      region,
      accountId,
      aliases: [],
      enabled,
      keyState: input.keyState ?? (enabled ? 'Enabled' : 'Disabled'),
      description: input.description ?? '',
      keyManager: input.keyManager ?? 'CUSTOMER',
      keySpec: 'SYMMETRIC_DEFAULT',
      keyUsage: 'ENCRYPT_DECRYPT',
      creationDate: this.now(),
    };
    if (this.byArn.has(key.arn)) throw new Error(`KMS key ${key.arn} already exists`);
    this.byArn.set(key.arn, key);
    const aliases = input.alias === undefined ? [] : Array.isArray(input.alias) ? input.alias : [input.alias];
    for (const alias of aliases) this.addAlias(key, alias);
    return key;
  }

  addAlias(key: FakeKmsKey, alias: string): void {
    const name = aliasName(alias);
    this.byAlias.set(`${key.region}|${key.accountId}|${name}`, key);
    key.aliases.push(name);
  }

  /** Enables or disables a key (`KeyState` Enabled/Disabled). */
  setEnabled(key: FakeKmsKey, enabled: boolean): void {
    key.enabled = enabled;
    key.keyState = enabled ? 'Enabled' : 'Disabled';
  }

  keys(): FakeKmsKey[] {
    return [...this.byArn.values()];
  }

  /**
   * Resolves a `KeyId` as KMS does: a key id or alias name in the caller's account and region, or
   * a key or alias ARN (which may name another account, but must be in the caller's region).
   * `alias/aws/ebs` always exists: it is created on first use, as AWS does.
   */
  resolve(ref: string, region: string, accountId: string): FakeKmsKey | undefined {
    const keyArn = KEY_ARN.exec(ref);
    if (keyArn) return keyArn[1] === region ? this.byArn.get(ref) : undefined;
    const aliasArn = ALIAS_ARN.exec(ref);
    if (aliasArn) {
      if (aliasArn[1] !== region) return undefined;
      return this.lookupAlias(region, aliasArn[2] as string, aliasArn[3] as string);
    }
    if (ref.startsWith('alias/')) return this.lookupAlias(region, accountId, ref);
    return this.byArn.get(`arn:aws:kms:${region}:${accountId}:key/${ref}`);
  }

  private lookupAlias(region: string, accountId: string, alias: string): FakeKmsKey | undefined {
    const key = this.byAlias.get(`${region}|${accountId}|${alias}`);
    if (key || alias !== 'alias/aws/ebs') return key;
    return this.defaultEbsKey(region, accountId);
  }

  /** The AWS managed key `alias/aws/ebs` of an account in a region. */
  defaultEbsKey(region: string, accountId: string): FakeKmsKey {
    const existing = this.byAlias.get(`${region}|${accountId}|alias/aws/ebs`);
    if (existing) return existing;
    return this.add({
      region,
      accountId,
      alias: 'alias/aws/ebs',
      keyManager: 'AWS',
      description: 'Default key that protects my EBS volumes when no other key is defined',
    });
  }

  /** The KMS `DescribeKey` action. */
  describeKey(body: Record<string, unknown>, region: string, accountId: string): JsonObject {
    const ref = body['KeyId'];
    if (typeof ref !== 'string' || ref === '') {
      throw new AwsError(
        'ValidationException',
        "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null",
      );
    }
    const key = this.resolve(ref, region, accountId);
    if (!key) {
      const message = ref.includes('alias/')
        ? `Alias ${ref.startsWith('arn:') ? ref : `arn:aws:kms:${region}:${accountId}:${ref}`} is not found.`
        : `Key '${ref.startsWith('arn:') ? ref : `arn:aws:kms:${region}:${accountId}:key/${ref}`}' does not exist`;
      throw new AwsError('NotFoundException', message);
    }
    return {
      KeyMetadata: {
        AWSAccountId: key.accountId,
        KeyId: key.keyId,
        Arn: key.arn,
        CreationDate: key.creationDate.getTime() / 1000,
        Enabled: key.enabled,
        Description: key.description,
        KeyUsage: key.keyUsage,
        KeyState: key.keyState,
        Origin: 'AWS_KMS',
        KeyManager: key.keyManager,
        CustomerMasterKeySpec: key.keySpec,
        KeySpec: key.keySpec,
        EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
        MultiRegion: false,
      },
    };
  }
}

export function handleKms(
  store: KmsStore,
  action: string,
  body: Record<string, unknown>,
  region: string,
  accountId: string,
): JsonObject {
  switch (action) {
    case 'DescribeKey':
      return store.describeKey(body, region, accountId);
    default:
      throw new AwsError(
        'UnknownOperationException',
        `The operation ${action} is not supported by this fake`,
      );
  }
}
