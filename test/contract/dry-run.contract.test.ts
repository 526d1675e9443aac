import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { beforeAll, expect, it } from 'vitest';
import { EC2_DRY_RUN_PROBES, PermissionProbe } from '../../src/aws/permission-probe.js';
import { type Backend, describeContract, unique } from './backends.js';
import { documented } from './deviations.js';

/** EC2 DryRun, as `npm run doctor` probes permissions with it (src/aws/permission-probe.ts). */

const REGION = 'us-east-1';

/**
 * What moto 5.2.1 answers to each probe: `allowed` (DryRunOperation), `ran` (the call was made, DryRun
 * ignored: only reads do that) or `unknown` (an error: not implemented) (moto enforces no IAM by default).
 */
const MOTO_DRY_RUN: Record<string, string> = {
  'ec2:DescribeImages': 'allowed',
  'ec2:DescribeImageAttribute': 'ran',
  'ec2:DescribeSnapshots': 'ran',
  'ec2:DescribeSnapshotAttribute': 'ran',
  'ec2:DescribeInstances': 'allowed',
  'ec2:DescribeLaunchTemplates': 'allowed',
  'ec2:DescribeLaunchTemplateVersions': 'allowed',
  'ec2:ModifyImageAttribute': 'allowed',
  'ec2:EnableImageDeprecation': 'unknown',
  'ec2:DisableImageDeprecation': 'unknown',
  'ec2:EnableImage': 'unknown',
  'ec2:DisableImage': 'unknown',
  'ec2:DeregisterImage': 'allowed',
  'ec2:DeleteSnapshot': 'allowed',
  'ec2:CopyImage': 'allowed',
  'ec2:CreateTags': 'allowed',
  'ec2:GetImageBlockPublicAccessState': 'unknown',
  'ec2:ModifySnapshotAttribute': 'allowed',
};

describeContract('EC2 DryRun', (backend: () => Backend) => {
  let b: Backend;

  beforeAll(() => {
    b = backend();
  });

  it('every probed action answers DryRunOperation (HTTP 412) and changes nothing', async () => {
    const image = await b.seedImage(REGION, { name: unique('dry-run') });
    const probe = new PermissionProbe(b.clients);
    const target = {
      region: REGION,
      accountId: b.accountId,
      imageId: image.imageId,
      snapshotId: image.snapshotIds[0] as string,
    };
    const outcomes = await probe.probeEc2(b.account, target);
    expect(outcomes.map((o) => o.action)).toEqual(Object.keys(EC2_DRY_RUN_PROBES));
    const seen = Object.fromEntries(
      outcomes.map((o) => [o.action, o.result === 'unknown' && o.code === 'NoDryRun' ? 'ran' : o.result]),
    );
    if (documented(b, 'ec2.dry-run')) {
      expect(seen).toEqual(Object.fromEntries(Object.keys(EC2_DRY_RUN_PROBES).map((a) => [a, 'allowed'])));
    } else {
      expect(seen).toEqual(MOTO_DRY_RUN);
    }
    // The dry runs of the changing calls left the image as it was (not deregistered, not disabled).
    const after = await b.ec2(REGION).send(new DescribeImagesCommand({ ImageIds: [image.imageId] }));
    expect(after.Images?.[0]?.State).toBe('available');
  });
});
