import { AwsError, type JsonObject } from './errors.js';
import type { IdGenerator } from './ids.js';
import { paginate } from './paginate.js';

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
  /** The key policy (JSON text), the `default` policy of KMS. */
  policy: string;
  grants: FakeGrant[];
}

/** A KMS grant (CreateGrant): who may use the key for which operations until retired or revoked. */
export interface FakeGrant {
  grantId: string;
  grantToken: string;
  keyArn: string;
  name?: string;
  granteePrincipal: string;
  retiringPrincipal?: string;
  operations: string[];
  constraints?: JsonObject;
  /** The account that created the grant. */
  issuingAccount: string;
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
  /** Key policy JSON; defaults to KMS's default policy (the account root may do anything). */
  policy?: string;
}

/** The policy KMS gives a customer managed key created without one. */
export function defaultKeyPolicy(accountId: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  });
}

/** The policy of an AWS managed key such as aws/ebs: usable only through the service, by the account. */
export function awsManagedKeyPolicy(accountId: string, region: string, service: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: `auto-${service}-2`,
    Statement: [
      {
        Sid: `Allow access through ${service.toUpperCase()} for all principals in the account that are authorized to use ${service.toUpperCase()}`,
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: [
          'kms:Encrypt',
          'kms:Decrypt',
          'kms:ReEncrypt*',
          'kms:GenerateDataKey*',
          'kms:CreateGrant',
          'kms:DescribeKey',
        ],
        Resource: '*',
        Condition: {
          StringEquals: {
            'kms:ViaService': `${service}.${region}.amazonaws.com`,
            'kms:CallerAccount': accountId,
          },
        },
      },
      {
        Sid: 'Allow direct access to key metadata to the account',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: ['kms:Describe*', 'kms:Get*', 'kms:List*', 'kms:RevokeGrant'],
        Resource: '*',
      },
    ],
  });
}

const GRANT_OPERATIONS = new Set([
  'Decrypt',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'ReEncryptFrom',
  'ReEncryptTo',
  'Sign',
  'Verify',
  'GetPublicKey',
  'CreateGrant',
  'RetireGrant',
  'DescribeKey',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'GenerateMac',
  'VerifyMac',
  'DeriveSharedSecret',
]);

function aliasName(alias: string): string {
  return alias.startsWith('alias/') ? alias : `alias/${alias}`;
}

/** AWS managed key aliases the fake creates on first use, and the service each key is used through. */
const AWS_MANAGED_ALIASES: Readonly<Record<string, string>> = {
  'alias/aws/ebs': 'ec2',
  'alias/aws/ssm': 'ssm',
};
const AWS_MANAGED_DESCRIPTIONS: Readonly<Record<string, string>> = {
  'alias/aws/ebs': 'Default key that protects my EBS volumes when no other key is defined',
  'alias/aws/ssm': 'Default key that protects my SSM parameters when no other key is defined',
};

const KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):key\/(.+)$/;
const ALIAS_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):(alias\/.+)$/;

/** KMS keys per account and region, and the resolution rules of KMS `KeyId` parameters. */
export class KmsStore {
  private readonly byArn = new Map<string, FakeKmsKey>();
  /** `region|account|alias/name` → key. */
  private readonly byAlias = new Map<string, FakeKmsKey>();

  constructor(
    readonly ids: IdGenerator,
    readonly now: () => Date,
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
      policy: input.policy ?? defaultKeyPolicy(accountId),
      grants: [],
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
    if (key) return key;
    const service = AWS_MANAGED_ALIASES[alias];
    return service ? this.awsManagedKey(region, accountId, alias, service) : undefined;
  }

  /** The AWS managed key `alias/aws/ebs` of an account in a region. */
  defaultEbsKey(region: string, accountId: string): FakeKmsKey {
    return this.awsManagedKey(region, accountId, 'alias/aws/ebs', 'ec2');
  }

  /** An AWS managed key (`alias/aws/<service>`), created on first use as AWS does. */
  private awsManagedKey(region: string, accountId: string, alias: string, service: string): FakeKmsKey {
    const existing = this.byAlias.get(`${region}|${accountId}|${alias}`);
    if (existing) return existing;
    return this.add({
      region,
      accountId,
      alias,
      keyManager: 'AWS',
      description: AWS_MANAGED_DESCRIPTIONS[alias] ?? `Default key for ${alias.slice('alias/aws/'.length)}`,
      policy: awsManagedKeyPolicy(accountId, region, service),
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
    return { KeyMetadata: metadata(key) };
  }
}

function requiredString(body: JsonObject, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '') {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value null at '${name[0]?.toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

function keyNotFound(ref: string, region: string, accountId: string): AwsError {
  return new AwsError(
    'NotFoundException',
    `Key '${ref.startsWith('arn:') ? ref : `arn:aws:kms:${region}:${accountId}:key/${ref}`}' does not exist`,
  );
}

function metadata(key: FakeKmsKey): JsonObject {
  return {
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
  };
}

/**
 * The KMS actions beyond DescribeKey: CreateKey and CreateAlias (so tests can seed keys the same
 * way on the fake and elsewhere), the `default` key policy, and grants. Policies are stored and
 * answered; the one place they are evaluated is CreateGrant on a customer managed key, which needs
 * an Allow statement for `kms:CreateGrant` naming the caller (its account root, its ARN, the bare
 * account id or `*`), as IAM policies only count when the key policy delegates to the account.
 */
class KmsActions {
  constructor(
    private readonly store: KmsStore,
    private readonly ids: IdGenerator,
    private readonly now: () => Date,
    private readonly region: string,
    private readonly accountId: string,
    private readonly callerArn: string,
    private readonly pageCap: number | undefined,
  ) {}

  /** A key named by key id or key ARN (`alias` too when `aliases`); other accounts' keys only by ARN. */
  private key(body: JsonObject, options: { aliases?: boolean; ownOnly?: boolean } = {}): FakeKmsKey {
    const ref = requiredString(body, 'KeyId');
    if (!options.aliases && (ref.startsWith('alias/') || ref.includes(':alias/'))) {
      throw new AwsError('NotFoundException', `Invalid keyId ${ref}`);
    }
    const key = this.store.resolve(ref, this.region, this.accountId);
    if (!key) throw keyNotFound(ref, this.region, this.accountId);
    if (options.ownOnly && key.accountId !== this.accountId) {
      throw new AwsError(
        'AccessDeniedException',
        `User: ${this.callerArn} is not authorized to perform this operation on ${key.arn}: it belongs to another account`,
      );
    }
    return key;
  }

  createKey(body: JsonObject): JsonObject {
    const policy = typeof body['Policy'] === 'string' ? body['Policy'] : undefined;
    if (policy !== undefined) parsePolicy(policy);
    const key = this.store.add({
      region: this.region,
      accountId: this.accountId,
      description: typeof body['Description'] === 'string' ? body['Description'] : '',
      ...(policy !== undefined ? { policy } : {}),
    });
    return { KeyMetadata: metadata(key) };
  }

  createAlias(body: JsonObject): JsonObject {
    const alias = requiredString(body, 'AliasName');
    if (!/^alias\/[a-zA-Z0-9/_-]+$/.test(alias)) {
      throw new AwsError('ValidationException', `Alias must start with the prefix "alias/": ${alias}`);
    }
    if (alias.startsWith('alias/aws/')) {
      throw new AwsError(
        'NotAuthorizedException',
        'Cannot create alias with prefix alias/aws/: it is reserved for AWS managed keys',
      );
    }
    if (this.store.resolve(alias, this.region, this.accountId)) {
      throw new AwsError(
        'AlreadyExistsException',
        `An alias with the name arn:aws:kms:${this.region}:${this.accountId}:${alias} already exists`,
      );
    }
    const key = this.key({ KeyId: requiredString(body, 'TargetKeyId') }, { ownOnly: true });
    this.store.addAlias(key, alias);
    return {};
  }

  getKeyPolicy(body: JsonObject): JsonObject {
    const key = this.key(body, { ownOnly: true });
    const name = typeof body['PolicyName'] === 'string' ? body['PolicyName'] : 'default';
    if (name !== 'default') throw new AwsError('NotFoundException', 'No such policy exists');
    return { Policy: key.policy, PolicyName: 'default' };
  }

  putKeyPolicy(body: JsonObject): JsonObject {
    const key = this.key(body, { ownOnly: true });
    const name = typeof body['PolicyName'] === 'string' ? body['PolicyName'] : 'default';
    if (name !== 'default') throw new AwsError('NotFoundException', 'No such policy exists');
    const policy = requiredString(body, 'Policy');
    parsePolicy(policy);
    if (key.keyManager === 'AWS') {
      throw new AwsError(
        'AccessDeniedException',
        `The key policy of the AWS managed key ${key.arn} cannot be changed`,
      );
    }
    key.policy = policy;
    return {};
  }

  createGrant(body: JsonObject): JsonObject {
    const key = this.key(body);
    const grantee = requiredString(body, 'GranteePrincipal');
    const operations = Array.isArray(body['Operations'])
      ? (body['Operations'] as unknown[]).filter((o): o is string => typeof o === 'string')
      : [];
    if (operations.length === 0) {
      throw new AwsError(
        'ValidationException',
        "1 validation error detected: Value null at 'operations' failed to satisfy constraint: Member must not be null",
      );
    }
    for (const operation of operations) {
      if (!GRANT_OPERATIONS.has(operation)) {
        throw new AwsError(
          'ValidationException',
          `1 validation error detected: Value '[${operations.join(', ')}]' at 'operations' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [${[...GRANT_OPERATIONS].join(', ')}]]`,
        );
      }
    }
    if (key.keyState !== 'Enabled') throw new AwsError('DisabledException', `${key.arn} is disabled.`);
    if (
      key.keyManager === 'CUSTOMER' &&
      !policyAllows(key.policy, 'kms:CreateGrant', this.accountId, this.callerArn)
    ) {
      throw new AwsError(
        'AccessDeniedException',
        `User: ${this.callerArn} is not authorized to perform: kms:CreateGrant on resource: ${key.arn} because no resource-based policy allows the kms:CreateGrant action`,
      );
    }
    const name = typeof body['Name'] === 'string' ? body['Name'] : undefined;
    const retiring = typeof body['RetiringPrincipal'] === 'string' ? body['RetiringPrincipal'] : undefined;
    const constraints =
      typeof body['Constraints'] === 'object' && body['Constraints'] !== null
        ? (body['Constraints'] as JsonObject)
        : undefined;
    const token = () => this.ids.secret(48).replace(/[^A-Za-z0-9]/g, '');
    // CreateGrant is idempotent on the grant name: the same grant again returns the same grant id.
    if (name !== undefined) {
      const same = key.grants.find(
        (g) =>
          g.name === name &&
          g.granteePrincipal === grantee &&
          g.retiringPrincipal === retiring &&
          JSON.stringify([...g.operations].sort()) === JSON.stringify([...operations].sort()) &&
          JSON.stringify(g.constraints) === JSON.stringify(constraints),
      );
      if (same) return { GrantId: same.grantId, GrantToken: token() };
    }
    const grant: FakeGrant = {
      grantId: this.ids.hex(64),
      grantToken: token(),
      keyArn: key.arn,
      granteePrincipal: grantee,
      operations,
      issuingAccount: `arn:aws:iam::${this.accountId}:root`,
      creationDate: this.now(),
    };
    if (name !== undefined) grant.name = name;
    if (retiring !== undefined) grant.retiringPrincipal = retiring;
    if (constraints !== undefined) grant.constraints = constraints;
    key.grants.push(grant);
    return { GrantId: grant.grantId, GrantToken: grant.grantToken };
  }

  listGrants(body: JsonObject): JsonObject {
    const key = this.key(body);
    const limit = typeof body['Limit'] === 'number' ? body['Limit'] : 50;
    if (limit < 1 || limit > 100) {
      throw new AwsError(
        'ValidationException',
        `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100`,
      );
    }
    const grantId = typeof body['GrantId'] === 'string' ? body['GrantId'] : undefined;
    const grantee = typeof body['GranteePrincipal'] === 'string' ? body['GranteePrincipal'] : undefined;
    const marker = typeof body['Marker'] === 'string' ? body['Marker'] : undefined;
    const page = paginate(
      [{ items: key.grants }],
      (g) =>
        (grantId === undefined || g.grantId === grantId) &&
        (grantee === undefined || g.granteePrincipal === grantee),
      limit,
      marker,
      {
        cap: this.pageCap,
        badToken: () =>
          new AwsError('InvalidMarkerException', 'The request was rejected because the marker is not valid.'),
      },
    );
    const out: JsonObject = {
      Grants: page.items.map((g) => ({
        KeyId: g.keyArn,
        GrantId: g.grantId,
        ...(g.name !== undefined ? { Name: g.name } : {}),
        CreationDate: g.creationDate.getTime() / 1000,
        GranteePrincipal: g.granteePrincipal,
        ...(g.retiringPrincipal !== undefined ? { RetiringPrincipal: g.retiringPrincipal } : {}),
        IssuingAccount: g.issuingAccount,
        Operations: g.operations,
        ...(g.constraints !== undefined ? { Constraints: g.constraints } : {}),
      })),
      Truncated: page.nextToken !== undefined,
    };
    if (page.nextToken) out['NextMarker'] = page.nextToken;
    return out;
  }

  private removeGrant(key: FakeKmsKey, grantId: string): void {
    const at = key.grants.findIndex((g) => g.grantId === grantId);
    if (at === -1) throw new AwsError('NotFoundException', `Grant ID ${grantId} not found`);
    key.grants.splice(at, 1);
  }

  revokeGrant(body: JsonObject): JsonObject {
    const key = this.key(body);
    this.removeGrant(key, requiredString(body, 'GrantId'));
    return {};
  }

  retireGrant(body: JsonObject): JsonObject {
    const token = typeof body['GrantToken'] === 'string' ? body['GrantToken'] : undefined;
    if (token !== undefined) {
      for (const key of this.store.keys()) {
        const grant = key.grants.find((g) => g.grantToken === token);
        if (grant) {
          this.removeGrant(key, grant.grantId);
          return {};
        }
      }
      throw new AwsError('InvalidGrantTokenException', 'The grant token is not valid.');
    }
    const key = this.key(body);
    this.removeGrant(key, requiredString(body, 'GrantId'));
    return {};
  }
}

/** Whether a key policy has an Allow statement for `action` naming the caller (conditions are not evaluated). */
export function policyAllows(policy: string, action: string, accountId: string, callerArn: string): boolean {
  let doc: { Statement?: unknown };
  try {
    doc = JSON.parse(policy) as { Statement?: unknown };
  } catch {
    return false;
  }
  const list = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  const asList = (v: unknown): string[] =>
    typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  return list.some((s) => {
    if (!s || typeof s !== 'object') return false;
    const st = s as Record<string, unknown>;
    if (st['Effect'] !== 'Allow') return false;
    const p = st['Principal'];
    const principals = p === '*' ? ['*'] : asList((p as Record<string, unknown> | undefined)?.['AWS']);
    const named = principals.some(
      (x) => x === '*' || x === accountId || x === `arn:aws:iam::${accountId}:root` || x === callerArn,
    );
    if (!named) return false;
    return asList(st['Action']).some((a) =>
      new RegExp(`^${a.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i').test(action),
    );
  });
}

function parsePolicy(policy: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(policy);
  } catch {
    throw new AwsError(
      'MalformedPolicyDocumentException',
      'The new key policy will not allow you to update the key policy in the future.',
    );
  }
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as JsonObject)['Statement'])) {
    throw new AwsError(
      'MalformedPolicyDocumentException',
      'The key policy must be a JSON object with a Statement list.',
    );
  }
}

export interface KmsCall {
  region: string;
  accountId: string;
  callerArn: string;
  pageCap?: number | undefined;
}

export function handleKms(
  store: KmsStore,
  action: string,
  body: Record<string, unknown>,
  call: KmsCall,
): JsonObject {
  const actions = new KmsActions(
    store,
    store.ids,
    store.now,
    call.region,
    call.accountId,
    call.callerArn,
    call.pageCap,
  );
  switch (action) {
    case 'DescribeKey':
      return store.describeKey(body, call.region, call.accountId);
    case 'CreateKey':
      return actions.createKey(body);
    case 'CreateAlias':
      return actions.createAlias(body);
    case 'GetKeyPolicy':
      return actions.getKeyPolicy(body);
    case 'PutKeyPolicy':
      return actions.putKeyPolicy(body);
    case 'CreateGrant':
      return actions.createGrant(body);
    case 'ListGrants':
      return actions.listGrants(body);
    case 'RevokeGrant':
      return actions.revokeGrant(body);
    case 'RetireGrant':
      return actions.retireGrant(body);
    default:
      throw new AwsError(
        'UnknownOperationException',
        `The operation ${action} is not supported by this fake`,
      );
  }
}
