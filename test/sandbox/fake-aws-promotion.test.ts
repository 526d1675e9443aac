import {
  CreateLaunchTemplateCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeSnapshotAttributeCommand,
  DisableImageBlockPublicAccessCommand,
  EC2Client,
  EnableImageBlockPublicAccessCommand,
  GetImageBlockPublicAccessStateCommand,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateGrantCommand,
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  KMSClient,
  ListGrantsCommand,
  PutKeyPolicyCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
} from '@aws-sdk/client-kms';
import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  GetParametersCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { isThrottlingError } from '@smithy/core/retry';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';

const ME = '111111111111';
const OTHER = '333333333333';
const T0 = new Date('2026-11-26T12:00:00.000Z');

let now = T0;
let fake: FakeAws;
const clients: { destroy(): void }[] = [];

const config = (region: string, accessKeyId: string) => ({
  endpoint: fake.url,
  region,
  credentials: { accessKeyId, secretAccessKey: 'secret' },
  maxAttempts: 1,
});

function ssm(region = 'us-east-1', accessKeyId = 'AKIAME'): SSMClient {
  const client = new SSMClient(config(region, accessKeyId));
  clients.push(client);
  return client;
}

function kms(region = 'us-east-1', accessKeyId = 'AKIAME'): KMSClient {
  const client = new KMSClient(config(region, accessKeyId));
  clients.push(client);
  return client;
}

function ec2(region = 'us-east-1', accessKeyId = 'AKIAME'): EC2Client {
  const client = new EC2Client(config(region, accessKeyId));
  clients.push(client);
  return client;
}

async function failure(
  promise: Promise<unknown>,
): Promise<Error & { $metadata: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { $metadata: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  fake = await FakeAws.start({ clock: () => now });
  fake.registerAccessKey('AKIAOTHER', OTHER);
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await fake.close();
});

afterEach(() => {
  now = T0;
  fake.faults.reset();
});

describe('SSM Parameter Store', () => {
  it('puts versions with Overwrite, gets by name, ARN and name:version, and keeps the history', async () => {
    const client = ssm();
    const first = await client.send(
      new PutParameterCommand({ Name: '/golden/web', Value: 'v1', Type: 'String', Description: 'web image' }),
    );
    expect(first).toMatchObject({ Version: 1, Tier: 'Standard' });
    const again = await failure(
      client.send(new PutParameterCommand({ Name: '/golden/web', Value: 'v2', Type: 'String' })),
    );
    expect(again.name).toBe('ParameterAlreadyExists');
    now = new Date(T0.getTime() + 60_000);
    expect(
      (await client.send(new PutParameterCommand({ Name: '/golden/web', Value: 'v2', Overwrite: true })))
        .Version,
    ).toBe(2);

    const latest = await client.send(new GetParameterCommand({ Name: '/golden/web' }));
    expect(latest.Parameter).toMatchObject({
      Name: '/golden/web',
      Type: 'String',
      Value: 'v2',
      Version: 2,
      DataType: 'text',
      ARN: `arn:aws:ssm:us-east-1:${ME}:parameter/golden/web`,
    });
    expect(latest.Parameter?.LastModifiedDate?.toISOString()).toBe('2026-11-26T12:01:00.000Z');
    const byArn = await client.send(
      new GetParameterCommand({ Name: `arn:aws:ssm:us-east-1:${ME}:parameter/golden/web` }),
    );
    expect(byArn.Parameter?.Value).toBe('v2');
    const v1 = await client.send(new GetParameterCommand({ Name: '/golden/web:1' }));
    expect(v1.Parameter).toMatchObject({ Value: 'v1', Version: 1, Selector: ':1' });
    const v9 = await failure(client.send(new GetParameterCommand({ Name: '/golden/web:9' })));
    expect(v9.name).toBe('ParameterVersionNotFound');

    const history = await client.send(new GetParameterHistoryCommand({ Name: '/golden/web' }));
    expect(history.Parameters?.map((p) => [p.Version, p.Value, p.Description])).toEqual([
      [1, 'v1', 'web image'],
      [2, 'v2', 'web image'],
    ]);
    expect(history.Parameters?.[0]?.LastModifiedUser).toBe(`arn:aws:iam::${ME}:user/sandbox`);

    const many = await client.send(new GetParametersCommand({ Names: ['/golden/web', '/golden/none'] }));
    expect(many.Parameters?.map((p) => p.Name)).toEqual(['/golden/web']);
    expect(many.InvalidParameters).toEqual(['/golden/none']);

    // Parameters are per account and region.
    expect(
      (await failure(ssm('eu-west-1').send(new GetParameterCommand({ Name: '/golden/web' })))).name,
    ).toBe('ParameterNotFound');
    expect(
      (await failure(ssm('us-east-1', 'AKIAOTHER').send(new GetParameterCommand({ Name: '/golden/web' }))))
        .name,
    ).toBe('ParameterNotFound');

    await client.send(new DeleteParameterCommand({ Name: '/golden/web' }));
    expect((await failure(client.send(new GetParameterCommand({ Name: '/golden/web' })))).name).toBe(
      'ParameterNotFound',
    );
    expect((await failure(client.send(new DeleteParameterCommand({ Name: '/golden/web' })))).name).toBe(
      'ParameterNotFound',
    );
  });

  it('pages the history, keeps the last 100 versions, and refuses bad names and types', async () => {
    const client = ssm();
    await client.send(new PutParameterCommand({ Name: 'counter', Value: '1', Type: 'String' }));
    for (let i = 2; i <= 105; i++) {
      await client.send(new PutParameterCommand({ Name: 'counter', Value: String(i), Overwrite: true }));
    }
    const versions: number[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new GetParameterHistoryCommand({ Name: 'counter', MaxResults: 50, NextToken: token }),
      );
      versions.push(...(page.Parameters ?? []).map((p) => p.Version ?? 0));
      token = page.NextToken;
    } while (token);
    expect(versions).toEqual(Array.from({ length: 100 }, (_, i) => i + 6));

    const cases: [Partial<ConstructorParameters<typeof PutParameterCommand>[0]>, string][] = [
      [{ Name: 'no-type', Value: 'x' }, 'ValidationException'],
      [{ Name: 'aws-reserved', Value: 'x', Type: 'String' }, 'ValidationException'],
      [{ Name: '/ssm/reserved', Value: 'x', Type: 'String' }, 'ValidationException'],
      [{ Name: 'bad*name', Value: 'x', Type: 'String' }, 'ParameterPatternMismatchException'],
      [{ Name: 'a/b', Value: 'x', Type: 'String' }, 'ValidationException'],
      [
        { Name: `/${Array.from({ length: 16 }, (_, i) => `l${i}`).join('/')}`, Value: 'x', Type: 'String' },
        'HierarchyLevelLimitExceededException',
      ],
      [{ Name: 'typed', Value: 'x', Type: 'String', DataType: 'aws:ec2:imagex' }, 'ValidationException'],
      [
        { Name: 'list', Value: 'ami-0123456789abcdef0', Type: 'StringList', DataType: 'aws:ec2:image' },
        'ValidationException',
      ],
      [
        { Name: 'pattern', Value: 'abc', Type: 'String', AllowedPattern: '^\\d+$' },
        'ParameterPatternMismatchException',
      ],
      [{ Name: 'huge', Value: 'x'.repeat(4097), Type: 'String' }, 'ValidationException'],
    ];
    for (const [input, code] of cases) {
      const error = await failure(
        client.send(new PutParameterCommand(input as ConstructorParameters<typeof PutParameterCommand>[0])),
      );
      expect([input.Name, error.name]).toEqual([input.Name, code]);
    }
    await client.send(new PutParameterCommand({ Name: 'secret', Value: 's3cret', Type: 'SecureString' }));
    const change = await failure(
      client.send(new PutParameterCommand({ Name: 'secret', Value: 'x', Type: 'String', Overwrite: true })),
    );
    expect(change.name).toBe('HierarchyTypeMismatchException');
  });

  it('encrypts SecureString values unless asked WithDecryption, with alias/aws/ssm by default', async () => {
    const client = ssm();
    const key = fake.addKmsKey({ alias: 'alias/params' });
    await client.send(
      new PutParameterCommand({ Name: 'db-password', Value: 'hunter2', Type: 'SecureString' }),
    );
    await client.send(
      new PutParameterCommand({ Name: 'api-key', Value: 'k', Type: 'SecureString', KeyId: key.arn }),
    );
    const hidden = await client.send(new GetParameterCommand({ Name: 'db-password' }));
    expect(hidden.Parameter?.Type).toBe('SecureString');
    expect(hidden.Parameter?.Value).not.toContain('hunter2');
    const shown = await client.send(new GetParameterCommand({ Name: 'db-password', WithDecryption: true }));
    expect(shown.Parameter?.Value).toBe('hunter2');
    const history = await client.send(new GetParameterHistoryCommand({ Name: 'api-key' }));
    expect(history.Parameters?.[0]?.KeyId).toBe(key.arn);
    const missingKey = await failure(
      client.send(
        new PutParameterCommand({ Name: 'other', Value: 'x', Type: 'SecureString', KeyId: 'alias/none' }),
      ),
    );
    expect(missingKey.name).toBe('InvalidKeyId');
    const managed = await kms().send(new DescribeKeyCommand({ KeyId: 'alias/aws/ssm' }));
    expect(managed.KeyMetadata?.KeyManager).toBe('AWS');
  });

  it('validates aws:ec2:image values asynchronously: 200 either way, stored only for a usable AMI', async () => {
    const client = ssm();
    const image = fake.addImage({ name: 'golden-2026-11' });
    const pending = fake.addImage({ name: 'golden-pending', state: 'pending' });
    const shared = fake.addImage({ ownerId: OTHER, launchPermission: { accounts: [ME] } });
    const put = (value: string, overwrite = true) =>
      client.send(
        new PutParameterCommand({
          Name: '/golden/ami',
          Value: value,
          Type: 'String',
          DataType: 'aws:ec2:image',
          Overwrite: overwrite,
        }),
      );
    expect((await put(image.imageId, false)).Version).toBe(1);
    expect((await client.send(new GetParameterCommand({ Name: '/golden/ami' }))).Parameter).toMatchObject({
      Value: image.imageId,
      DataType: 'aws:ec2:image',
    });
    for (const bad of ['ami-12345', 'ami-0123456789abcdef0', pending.imageId]) {
      expect((await put(bad)).Version).toBe(2);
      expect((await client.send(new GetParameterCommand({ Name: '/golden/ami' }))).Parameter?.Value).toBe(
        image.imageId,
      );
    }
    expect(fake.parameterValidationFailures.map((f) => f.value)).toEqual([
      'ami-12345',
      'ami-0123456789abcdef0',
      pending.imageId,
    ]);
    expect((await put(shared.imageId)).Version).toBe(2);
    expect((await client.send(new GetParameterCommand({ Name: '/golden/ami' }))).Parameter).toMatchObject({
      Value: shared.imageId,
      Version: 2,
    });
    const toText = await failure(
      client.send(
        new PutParameterCommand({ Name: '/golden/ami', Value: 'x', DataType: 'text', Overwrite: true }),
      ),
    );
    expect(toText.name).toBe('ValidationException');
  });

  it('answers faults in SSM words: injected errors, throttling, page faults', async () => {
    const client = ssm();
    fake.addParameter({ name: 'faulty', value: 'a' });
    fake.addParameter({ name: 'faulty', value: 'b' });
    fake.faults.failNext('ssm:GetParameter', { code: 'InternalServerError' });
    expect((await failure(client.send(new GetParameterCommand({ Name: 'faulty' })))).name).toBe(
      'InternalServerError',
    );
    fake.faults.failPage('GetParameterHistory', 2, { code: 'InternalServerError' });
    const first = await client.send(new GetParameterHistoryCommand({ Name: 'faulty', MaxResults: 1 }));
    expect(first.Parameters).toHaveLength(1);
    const second = await failure(
      client.send(
        new GetParameterHistoryCommand({ Name: 'faulty', MaxResults: 1, NextToken: first.NextToken }),
      ),
    );
    expect(second.name).toBe('InternalServerError');
    fake.faults.throttleRatio = 1;
    const throttled = await failure(client.send(new GetParameterCommand({ Name: 'faulty' })));
    expect(throttled.name).toBe('ThrottlingException');
    expect(isThrottlingError(throttled as unknown as Parameters<typeof isThrottlingError>[0])).toBe(true);
  });

  it('resolves resolve:ssm: launch template image ids when asked to (ResolveAlias)', async () => {
    const image = fake.addImage({ name: 'golden-resolve' });
    fake.addParameter({ name: '/golden/resolve', value: image.imageId, dataType: 'aws:ec2:image' });
    const client = ec2();
    const created = await client.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: 'resolve-me',
        LaunchTemplateData: { ImageId: 'resolve:ssm:/golden/resolve' },
      }),
    );
    const id = created.LaunchTemplate?.LaunchTemplateId;
    const raw = await client.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: id }));
    expect(raw.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.ImageId).toBe('resolve:ssm:/golden/resolve');
    const resolved = await client.send(
      new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: id, ResolveAlias: true }),
    );
    expect(resolved.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.ImageId).toBe(image.imageId);
  });
});

describe('KMS key policies and grants', () => {
  it('reads and replaces a customer key policy; the AWS managed key policy cannot be changed', async () => {
    const client = kms();
    const key = fake.addKmsKey({ alias: 'promotion' });
    const policy = JSON.parse(
      (await client.send(new GetKeyPolicyCommand({ KeyId: key.keyId }))).Policy ?? '{}',
    );
    expect(policy.Statement[0]).toMatchObject({
      Principal: { AWS: `arn:aws:iam::${ME}:root` },
      Action: 'kms:*',
    });
    const shared = {
      Version: '2012-10-17',
      Statement: [
        ...policy.Statement,
        {
          Sid: 'Allow use by the prod account',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${OTHER}:root` },
          Action: ['kms:Decrypt', 'kms:CreateGrant'],
          Resource: '*',
        },
      ],
    };
    await client.send(
      new PutKeyPolicyCommand({ KeyId: key.arn, PolicyName: 'default', Policy: JSON.stringify(shared) }),
    );
    expect(
      JSON.parse((await client.send(new GetKeyPolicyCommand({ KeyId: key.arn }))).Policy ?? '{}'),
    ).toEqual(shared);
    const malformed = await failure(
      client.send(new PutKeyPolicyCommand({ KeyId: key.keyId, Policy: 'not json' })),
    );
    expect(malformed.name).toBe('MalformedPolicyDocumentException');

    const ebs = await client.send(new DescribeKeyCommand({ KeyId: 'alias/aws/ebs' }));
    expect(ebs.KeyMetadata?.KeyManager).toBe('AWS');
    const ebsPolicy = JSON.parse(
      (await client.send(new GetKeyPolicyCommand({ KeyId: ebs.KeyMetadata?.KeyId }))).Policy ?? '{}',
    );
    expect(JSON.stringify(ebsPolicy)).toContain('kms:ViaService');
    const locked = await failure(
      client.send(new PutKeyPolicyCommand({ KeyId: ebs.KeyMetadata?.KeyId, Policy: JSON.stringify(shared) })),
    );
    expect(locked.name).toBe('AccessDeniedException');
    // Another account's key policy is not readable, even by ARN.
    const theirs = await failure(
      kms('us-east-1', 'AKIAOTHER').send(new GetKeyPolicyCommand({ KeyId: key.arn })),
    );
    expect(theirs.name).toBe('AccessDeniedException');
  });

  it('refuses CreateGrant on a customer key whose policy does not name the caller (own account or another)', async () => {
    const key = fake.addKmsKey({
      alias: 'no-delegation',
      policy: JSON.stringify({
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::999999999999:role/admin' },
            Action: 'kms:*',
            Resource: '*',
          },
        ],
      }),
    });
    const own = await failure(
      kms().send(
        new CreateGrantCommand({
          KeyId: key.keyId,
          GranteePrincipal: `arn:aws:iam::${OTHER}:root`,
          Operations: ['Decrypt'],
        }),
      ),
    );
    expect(own.name).toBe('AccessDeniedException');
    expect(own.message).toContain('kms:CreateGrant');
    const plain = fake.addKmsKey({ alias: 'default-policy' });
    const other = await failure(
      kms('us-east-1', 'AKIAOTHER').send(
        new CreateGrantCommand({
          KeyId: plain.arn,
          GranteePrincipal: `arn:aws:iam::${OTHER}:root`,
          Operations: ['Decrypt'],
        }),
      ),
    );
    expect(other.name).toBe('AccessDeniedException');
    expect(key.grants).toHaveLength(0);
    expect(plain.grants).toHaveLength(0);
  });

  it('creates, lists (paged), retires and revokes grants, also from another account by key ARN', async () => {
    const client = kms();
    // The other account may create grants on the key only because its policy says so.
    const key = fake.addKmsKey({
      alias: 'grants',
      policy: JSON.stringify({
        Statement: [
          { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ME}:root` }, Action: 'kms:*', Resource: '*' },
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${OTHER}:root` },
            Action: ['kms:CreateGrant', 'kms:Decrypt'],
            Resource: '*',
          },
        ],
      }),
    });
    const grantee = `arn:aws:iam::${OTHER}:root`;
    const created = await client.send(
      new CreateGrantCommand({
        KeyId: key.keyId,
        GranteePrincipal: grantee,
        Operations: ['Decrypt', 'CreateGrant'],
        Name: 'prod-copy',
      }),
    );
    expect(created.GrantId).toMatch(/^[0-9a-f]{64}$/);
    const same = await client.send(
      new CreateGrantCommand({
        KeyId: key.keyId,
        GranteePrincipal: grantee,
        Operations: ['CreateGrant', 'Decrypt'],
        Name: 'prod-copy',
      }),
    );
    expect(same.GrantId).toBe(created.GrantId);
    const fromOther = await kms('us-east-1', 'AKIAOTHER').send(
      new CreateGrantCommand({
        KeyId: key.arn,
        GranteePrincipal: `arn:aws:iam::${OTHER}:role/ec2`,
        Operations: ['Decrypt'],
        RetiringPrincipal: grantee,
      }),
    );
    for (let i = 0; i < 3; i++) {
      await client.send(
        new CreateGrantCommand({
          KeyId: key.keyId,
          GranteePrincipal: `arn:aws:iam::${ME}:role/r${i}`,
          Operations: ['Encrypt'],
        }),
      );
    }
    const listed: string[] = [];
    let marker: string | undefined;
    do {
      const page = await client.send(new ListGrantsCommand({ KeyId: key.arn, Limit: 2, Marker: marker }));
      expect(page.Truncated).toBe(page.NextMarker !== undefined);
      listed.push(...(page.Grants ?? []).map((g) => g.GrantId ?? ''));
      marker = page.NextMarker;
    } while (marker);
    expect(listed).toHaveLength(5);
    const mine = await client.send(new ListGrantsCommand({ KeyId: key.keyId, GranteePrincipal: grantee }));
    expect(mine.Grants?.[0]).toMatchObject({
      KeyId: key.arn,
      GrantId: created.GrantId,
      Name: 'prod-copy',
      Operations: ['Decrypt', 'CreateGrant'],
      IssuingAccount: `arn:aws:iam::${ME}:root`,
    });

    await client.send(new RevokeGrantCommand({ KeyId: key.keyId, GrantId: created.GrantId }));
    await client.send(new RetireGrantCommand({ GrantToken: fromOther.GrantToken }));
    expect(key.grants).toHaveLength(3);
    const gone = await failure(
      client.send(new RevokeGrantCommand({ KeyId: key.keyId, GrantId: created.GrantId })),
    );
    expect(gone.name).toBe('NotFoundException');
    const badOp = await failure(
      client.send(
        new CreateGrantCommand({
          KeyId: key.keyId,
          GranteePrincipal: grantee,
          Operations: ['Explode' as 'Decrypt'],
        }),
      ),
    );
    expect(badOp.name).toBe('ValidationException');
    fake.setKmsKeyEnabled(key, false);
    const disabled = await failure(
      client.send(
        new CreateGrantCommand({ KeyId: key.keyId, GranteePrincipal: grantee, Operations: ['Decrypt'] }),
      ),
    );
    expect(disabled.name).toBe('DisabledException');
  });
});

describe('block public access for AMIs and snapshot sharing', () => {
  it('blocks new public sharing of images while enabled, per account and region', async () => {
    const region = 'us-west-1';
    const client = ec2(region);
    const image = fake.addImage({ region });
    expect(await client.send(new GetImageBlockPublicAccessStateCommand({}))).toMatchObject({
      ImageBlockPublicAccessState: 'unblocked',
      ManagedBy: 'account',
    });
    await client.send(
      new EnableImageBlockPublicAccessCommand({ ImageBlockPublicAccessState: 'block-new-sharing' }),
    );
    expect(
      (await client.send(new GetImageBlockPublicAccessStateCommand({}))).ImageBlockPublicAccessState,
    ).toBe('block-new-sharing');
    expect(
      (await ec2('us-east-1').send(new GetImageBlockPublicAccessStateCommand({})))
        .ImageBlockPublicAccessState,
    ).toBe('unblocked');
    const blocked = await failure(
      client.send(
        new ModifyImageAttributeCommand({
          ImageId: image.imageId,
          LaunchPermission: { Add: [{ Group: 'all' }] },
        }),
      ),
    );
    expect(blocked.name).toBe('OperationNotPermitted');
    // Sharing with accounts stays possible.
    await client.send(
      new ModifyImageAttributeCommand({
        ImageId: image.imageId,
        LaunchPermission: { Add: [{ UserId: OTHER }] },
      }),
    );
    await client.send(new DisableImageBlockPublicAccessCommand({}));
    await client.send(
      new ModifyImageAttributeCommand({
        ImageId: image.imageId,
        LaunchPermission: { Add: [{ Group: 'all' }] },
      }),
    );
    expect(fake.getImage(region, image.imageId)?.public).toBe(true);
  });

  it('shares snapshots (structured and flat forms), never encrypted ones publicly or with the EBS default key', async () => {
    const region = 'us-east-2';
    const client = ec2(region);
    const plain = fake.addSnapshot({ region });
    await client.send(
      new ModifySnapshotAttributeCommand({
        SnapshotId: plain.snapshotId,
        Attribute: 'createVolumePermission',
        CreateVolumePermission: { Add: [{ UserId: OTHER }, { Group: 'all' }] },
      }),
    );
    const described = await client.send(
      new DescribeSnapshotAttributeCommand({
        SnapshotId: plain.snapshotId,
        Attribute: 'createVolumePermission',
      }),
    );
    expect(described.CreateVolumePermissions).toEqual([{ Group: 'all' }, { UserId: OTHER }]);
    await client.send(
      new ModifySnapshotAttributeCommand({
        SnapshotId: plain.snapshotId,
        Attribute: 'createVolumePermission',
        OperationType: 'remove',
        UserIds: [OTHER],
        GroupNames: ['all'],
      }),
    );
    expect(plain.createVolumePermission).toEqual({ public: false, accounts: [] });

    const key = fake.addKmsKey({ region, alias: 'snap-share' });
    const customer = fake.addSnapshot({ region, encrypted: true, kmsKeyId: key.arn });
    const byDefault = fake.addSnapshot({ region, encrypted: true });
    await client.send(
      new ModifySnapshotAttributeCommand({
        SnapshotId: customer.snapshotId,
        CreateVolumePermission: { Add: [{ UserId: OTHER }] },
      }),
    );
    expect(customer.createVolumePermission.accounts).toEqual([OTHER]);
    const publicly = await failure(
      client.send(
        new ModifySnapshotAttributeCommand({
          SnapshotId: customer.snapshotId,
          CreateVolumePermission: { Add: [{ Group: 'all' }] },
        }),
      ),
    );
    expect(publicly.name).toBe('OperationNotPermitted');
    const defaultKey = await failure(
      client.send(
        new ModifySnapshotAttributeCommand({
          SnapshotId: byDefault.snapshotId,
          CreateVolumePermission: { Add: [{ UserId: OTHER }] },
        }),
      ),
    );
    expect(defaultKey.name).toBe('OperationNotPermitted');
    const notMine = await failure(
      ec2(region, 'AKIAOTHER').send(
        new ModifySnapshotAttributeCommand({
          SnapshotId: customer.snapshotId,
          CreateVolumePermission: { Add: [{ UserId: ME }] },
        }),
      ),
    );
    expect(notMine.name).toBe('AuthFailure');
  });
});

describe('faults for one region', () => {
  it('fails an action in the named region only, until cleared', async () => {
    fake.faults.setError('ssm:PutParameter@eu-west-1', { code: 'AccessDeniedException', message: 'no' });
    try {
      const name = `/regional-fault/${Date.now()}`;
      await ssm('us-east-1').send(new PutParameterCommand({ Name: name, Value: 'x', Type: 'String' }));
      const err = await failure(
        ssm('eu-west-1').send(new PutParameterCommand({ Name: name, Value: 'x', Type: 'String' })),
      );
      expect(err.name).toBe('AccessDeniedException');
      fake.faults.failNext('PutParameter@us-west-2', { code: 'ThrottlingException' });
      expect(
        (
          await failure(
            ssm('us-west-2').send(new PutParameterCommand({ Name: name, Value: 'x', Type: 'String' })),
          )
        ).name,
      ).toBe('ThrottlingException');
      await ssm('us-west-2').send(new PutParameterCommand({ Name: name, Value: 'x', Type: 'String' }));
    } finally {
      fake.faults.clearErrors();
    }
    await ssm('eu-west-1').send(
      new PutParameterCommand({ Name: `/regional-fault/after-${Date.now()}`, Value: 'x', Type: 'String' }),
    );
  });
});
