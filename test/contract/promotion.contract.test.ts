import {
  DescribeSnapshotAttributeCommand,
  GetImageBlockPublicAccessStateCommand,
  ModifySnapshotAttributeCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateGrantCommand,
  DescribeKeyCommand,
  GetKeyPolicyCommand,
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
import { beforeAll, expect, it } from 'vitest';
import { type Backend, describeContract, type SeededImage, unique } from './backends.js';
import { documented } from './deviations.js';

/** What golden-image promotion uses: SSM parameters, KMS key policies and grants, snapshot sharing. */

const REGION = 'us-east-2';
const OTHER_ACCOUNT = '222222222222';

async function awsError(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

describeContract('promotion inputs', (backend: () => Backend) => {
  let b: Backend;
  let ssm: SSMClient;
  let image: SeededImage;

  beforeAll(async () => {
    b = backend();
    ssm = new SSMClient({ endpoint: b.url, region: REGION, credentials: b.credentials, maxAttempts: 1 });
    image = await b.seedImage(REGION, { name: unique('contract-promote') });
    return () => ssm.destroy();
  });

  it('SSM: PutParameter versions, Overwrite, GetParameter by name and name:version, history, delete', async () => {
    const name = `/${unique('contract')}/golden`;
    expect(
      (await ssm.send(new PutParameterCommand({ Name: name, Value: 'one', Type: 'String' }))).Version,
    ).toBe(1);
    const clash = await awsError(
      ssm.send(new PutParameterCommand({ Name: name, Value: 'two', Type: 'String' })),
    );
    expect(clash.name).toBe('ParameterAlreadyExists');
    expect(
      (await ssm.send(new PutParameterCommand({ Name: name, Value: 'two', Type: 'String', Overwrite: true })))
        .Version,
    ).toBe(2);

    const latest = await ssm.send(new GetParameterCommand({ Name: name }));
    expect(latest.Parameter).toMatchObject({
      Name: name,
      Type: 'String',
      Value: 'two',
      Version: 2,
      DataType: 'text',
    });
    expect(latest.Parameter?.ARN).toBe(`arn:aws:ssm:${REGION}:${b.accountId}:parameter${name}`);
    const first = await ssm.send(new GetParameterCommand({ Name: `${name}:1` }));
    expect(first.Parameter).toMatchObject({ Value: 'one', Version: 1 });
    const noVersion = await awsError(ssm.send(new GetParameterCommand({ Name: `${name}:7` })));
    expect(noVersion.name).toBe('ParameterVersionNotFound');

    const history = await ssm.send(new GetParameterHistoryCommand({ Name: name }));
    expect(history.Parameters?.map((p) => [p.Version, p.Value])).toEqual([
      [1, 'one'],
      [2, 'two'],
    ]);
    const both = await ssm.send(new GetParametersCommand({ Names: [name, `${name}-missing`] }));
    expect(both.Parameters?.map((p) => p.Value)).toEqual(['two']);
    expect(both.InvalidParameters).toEqual([`${name}-missing`]);

    await ssm.send(new DeleteParameterCommand({ Name: name }));
    expect((await awsError(ssm.send(new GetParameterCommand({ Name: name })))).name).toBe(
      'ParameterNotFound',
    );
    expect((await awsError(ssm.send(new DeleteParameterCommand({ Name: name })))).name).toBe(
      'ParameterNotFound',
    );
  });

  it('SSM: a type is needed to create; names may not start with aws or ssm', async () => {
    const untyped = await awsError(
      ssm.send(new PutParameterCommand({ Name: unique('contract-untyped'), Value: 'x' })),
    );
    expect(untyped.name).toBe('ValidationException');
    const reserved = await awsError(
      ssm.send(new PutParameterCommand({ Name: unique('ssm-contract'), Value: 'x', Type: 'String' })),
    );
    expect(reserved.name).toBe('ValidationException');
  });

  it('SSM: SecureString values are returned only WithDecryption', async () => {
    const name = unique('contract-secret');
    await ssm.send(new PutParameterCommand({ Name: name, Value: 'hunter2', Type: 'SecureString' }));
    const hidden = await ssm.send(new GetParameterCommand({ Name: name }));
    expect(hidden.Parameter?.Type).toBe('SecureString');
    expect(hidden.Parameter?.Value).not.toBe('hunter2');
    expect(
      (await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter?.Value,
    ).toBe('hunter2');
    const change = ssm.send(
      new PutParameterCommand({ Name: name, Value: 'plain', Type: 'String', Overwrite: true }),
    );
    if (documented(b, 'ssm.type-change')) {
      expect((await awsError(change)).name).toBe('HierarchyTypeMismatchException');
    } else {
      expect((await change).Version).toBe(2);
    }
  });

  it('SSM: aws:ec2:image holds an AMI of the account; a value that is not one is not stored', async () => {
    const name = `/${unique('contract')}/ami`;
    await ssm.send(
      new PutParameterCommand({
        Name: name,
        Value: image.imageId,
        Type: 'String',
        DataType: 'aws:ec2:image',
      }),
    );
    expect((await ssm.send(new GetParameterCommand({ Name: name }))).Parameter).toMatchObject({
      Value: image.imageId,
      DataType: 'aws:ec2:image',
      Version: 1,
    });
    // AWS validates asynchronously: the call succeeds either way.
    const bad = await ssm.send(
      new PutParameterCommand({
        Name: name,
        Value: 'ami-0123456789abcdef0',
        Type: 'String',
        DataType: 'aws:ec2:image',
        Overwrite: true,
      }),
    );
    expect(bad.Version).toBe(2);
    const after = await ssm.send(new GetParameterCommand({ Name: name }));
    if (documented(b, 'ssm.ec2-image-validation')) {
      expect(after.Parameter).toMatchObject({ Value: image.imageId, Version: 1 });
    } else {
      expect(after.Parameter).toMatchObject({ Value: 'ami-0123456789abcdef0', Version: 2 });
    }
  });

  it('KMS: a customer key has the default policy; PutKeyPolicy replaces it', async () => {
    const key = await b.seedKey(REGION);
    const kms = b.kms(REGION);
    const policy = JSON.parse(
      (await kms.send(new GetKeyPolicyCommand({ KeyId: key.keyId, PolicyName: 'default' }))).Policy ?? '{}',
    );
    expect(JSON.stringify(policy.Statement)).toContain(`arn:aws:iam::${b.accountId}:root`);
    const shared = {
      Version: '2012-10-17',
      Statement: [
        ...policy.Statement,
        {
          Sid: 'Allow the other account',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:root` },
          Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:CreateGrant'],
          Resource: '*',
        },
      ],
    };
    await kms.send(
      new PutKeyPolicyCommand({ KeyId: key.keyId, PolicyName: 'default', Policy: JSON.stringify(shared) }),
    );
    const after = JSON.parse(
      (await kms.send(new GetKeyPolicyCommand({ KeyId: key.arn, PolicyName: 'default' }))).Policy ?? '{}',
    );
    expect(after).toEqual(shared);
  });

  it('KMS: the AWS managed EBS key policy cannot be replaced', async () => {
    const kms = b.kms(REGION);
    const ebs = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/ebs' }));
    const attempt = kms.send(
      new PutKeyPolicyCommand({
        KeyId: ebs.KeyMetadata?.KeyId,
        PolicyName: 'default',
        Policy: JSON.stringify({ Version: '2012-10-17', Statement: [] }),
      }),
    );
    if (documented(b, 'kms.aws-managed-key-policy')) {
      expect((await awsError(attempt)).name).toBe('AccessDeniedException');
    } else {
      await expect(attempt).resolves.toBeDefined();
    }
  });

  it('KMS: grants are created, listed by grantee, revoked and retired', async () => {
    const key = await b.seedKey(REGION);
    const kms = b.kms(REGION);
    const grantee = `arn:aws:iam::${OTHER_ACCOUNT}:root`;
    const created = await kms.send(
      new CreateGrantCommand({
        KeyId: key.keyId,
        GranteePrincipal: grantee,
        Operations: ['Decrypt', 'DescribeKey'],
        Name: 'contract-copy',
      }),
    );
    expect(created.GrantId).toEqual(expect.any(String));
    expect(created.GrantToken).toEqual(expect.any(String));
    const retiring = await kms.send(
      new CreateGrantCommand({
        KeyId: key.arn,
        GranteePrincipal: `arn:aws:iam::${b.accountId}:role/contract`,
        Operations: ['Encrypt'],
      }),
    );
    const listed = await kms.send(new ListGrantsCommand({ KeyId: key.keyId }));
    expect(listed.Grants?.map((g) => g.GrantId).sort()).toEqual([created.GrantId, retiring.GrantId].sort());
    const mine = listed.Grants?.find((g) => g.GrantId === created.GrantId);
    expect(mine).toMatchObject({ GranteePrincipal: grantee, Name: 'contract-copy' });
    expect([...(mine?.Operations ?? [])].sort()).toEqual(['Decrypt', 'DescribeKey']);

    await kms.send(new RevokeGrantCommand({ KeyId: key.keyId, GrantId: created.GrantId }));
    await kms.send(new RetireGrantCommand({ KeyId: key.arn, GrantId: retiring.GrantId }));
    expect((await kms.send(new ListGrantsCommand({ KeyId: key.keyId }))).Grants ?? []).toEqual([]);
  });

  it('snapshots: createVolumePermission for an account, added and removed (flat form)', async () => {
    const snapshotId = image.snapshotIds[0] as string;
    const ec2 = b.ec2(REGION);
    const read = async () =>
      (
        await ec2.send(
          new DescribeSnapshotAttributeCommand({
            SnapshotId: snapshotId,
            Attribute: 'createVolumePermission',
          }),
        )
      ).CreateVolumePermissions ?? [];
    await ec2.send(
      new ModifySnapshotAttributeCommand({
        SnapshotId: snapshotId,
        Attribute: 'createVolumePermission',
        OperationType: 'add',
        UserIds: [OTHER_ACCOUNT],
      }),
    );
    expect(await read()).toEqual([{ UserId: OTHER_ACCOUNT }]);
    await ec2.send(
      new ModifySnapshotAttributeCommand({
        SnapshotId: snapshotId,
        Attribute: 'createVolumePermission',
        OperationType: 'remove',
        UserIds: [OTHER_ACCOUNT],
      }),
    );
    expect(await read()).toEqual([]);
  });

  it('snapshots: the structured CreateVolumePermission form', async () => {
    const snapshotId = image.snapshotIds[0] as string;
    const ec2 = b.ec2(REGION);
    await ec2.send(
      new ModifySnapshotAttributeCommand({
        SnapshotId: snapshotId,
        Attribute: 'createVolumePermission',
        CreateVolumePermission: { Add: [{ UserId: OTHER_ACCOUNT }] },
      }),
    );
    const after =
      (
        await ec2.send(
          new DescribeSnapshotAttributeCommand({
            SnapshotId: snapshotId,
            Attribute: 'createVolumePermission',
          }),
        )
      ).CreateVolumePermissions ?? [];
    if (documented(b, 'modify-snapshot-attribute.structured')) {
      expect(after).toEqual([{ UserId: OTHER_ACCOUNT }]);
    } else {
      expect(after).toEqual([]);
    }
    await ec2.send(
      new ModifySnapshotAttributeCommand({
        SnapshotId: snapshotId,
        Attribute: 'createVolumePermission',
        OperationType: 'remove',
        UserIds: [OTHER_ACCOUNT],
      }),
    );
  });
});

describeContract('sharing and launch diagnosis', (backend: () => Backend) => {
  it('KMS: CreateGrant from another account needs the key policy to name it', async () => {
    const b = backend();
    const key = await b.seedKey(REGION);
    const other = await b.assumeRole(OTHER_ACCOUNT, unique('grantor'));
    const attempt = b.kms(REGION, other).send(
      new CreateGrantCommand({
        KeyId: key.arn,
        GranteePrincipal: `arn:aws:iam::${OTHER_ACCOUNT}:root`,
        Operations: ['Decrypt'],
      }),
    );
    if (!documented(b, 'kms.create-grant-policy')) {
      // moto keeps keys per account: another account's key ARN is not found (an HTML error page).
      const err = (await awsError(attempt)) as Error & { $metadata?: { httpStatusCode?: number } };
      expect(err.name).not.toBe('AccessDeniedException');
      expect(err.$metadata?.httpStatusCode ?? 0).toBeGreaterThanOrEqual(400);
      return;
    }
    expect((await awsError(attempt)).name).toBe('AccessDeniedException');
    // Named in the policy, the same call works everywhere.
    const kms = b.kms(REGION);
    const policy = JSON.parse(
      (await kms.send(new GetKeyPolicyCommand({ KeyId: key.keyId, PolicyName: 'default' }))).Policy ?? '{}',
    );
    policy.Statement.push({
      Sid: 'AllowSharedImagesForOther',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:root` },
      Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:CreateGrant'],
      Resource: '*',
    });
    await kms.send(
      new PutKeyPolicyCommand({ KeyId: key.keyId, PolicyName: 'default', Policy: JSON.stringify(policy) }),
    );
    const granted = await b.kms(REGION, other).send(
      new CreateGrantCommand({
        KeyId: key.arn,
        GranteePrincipal: `arn:aws:iam::${OTHER_ACCOUNT}:root`,
        Operations: ['Decrypt'],
      }),
    );
    expect(granted.GrantId).toBeTruthy();
  });

  it('EC2: GetImageBlockPublicAccessState answers the region’s setting', async () => {
    const b = backend();
    const out = b.ec2(REGION).send(new GetImageBlockPublicAccessStateCommand({}));
    if (documented(b, 'ec2.image-block-public-access')) {
      expect(['unblocked', 'block-new-sharing']).toContain((await out).ImageBlockPublicAccessState);
    } else {
      const err = await awsError(out);
      expect(err.name).toBeTruthy();
    }
  });
});
