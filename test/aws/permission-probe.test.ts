import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import type { AwsClients } from '../../src/aws/clients.js';
import {
  CALLED_ACTIONS,
  EC2_DRY_RUN_PROBES,
  NOT_PROBED_ACTIONS,
  PermissionProbe,
} from '../../src/aws/permission-probe.js';
import { clientsFor, failure, testAccount } from './support.js';

const REGION = 'us-east-1';
const MACHINE = `arn:aws:states:${REGION}:111111111111:stateMachine:amibot-deep-scan`;

/** Every action of iam/amibot-policy.json. */
function policyActions(): Set<string> {
  const policy = JSON.parse(readFileSync('iam/amibot-policy.json', 'utf8')) as {
    Statement: Array<{ Action: string | string[] }>;
  };
  return new Set(policy.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])));
}

describe('the permission lists kept in src/ (the image has no iam/ folder)', () => {
  it('cover every action of the policy file, each once: probed, not probed, or called', () => {
    const probed = Object.keys(EC2_DRY_RUN_PROBES);
    const all = [...probed, ...NOT_PROBED_ACTIONS, ...CALLED_ACTIONS];
    expect(new Set(all).size).toBe(all.length);
    expect([...new Set(all)].sort()).toEqual([...policyActions()].sort());
  });

  it('probe every EC2 action of the policy with a dry run', () => {
    const ec2 = [...policyActions()].filter((a) => a.startsWith('ec2:')).sort();
    expect(Object.keys(EC2_DRY_RUN_PROBES).sort()).toEqual(ec2);
  });
});

describe('PermissionProbe against the fake AWS', () => {
  let fake: FakeAws;
  let clients: AwsClients;
  let probe: PermissionProbe;

  beforeAll(async () => {
    fake = await FakeAws.start();
    clients = clientsFor(fake);
    probe = new PermissionProbe(clients);
  });
  afterAll(async () => {
    clients.destroy();
    await fake.close();
  });
  afterEach(() => {
    fake.faults.reset();
    fake.resetCalls();
  });

  it('reads every allowed action from its DryRunOperation answer (HTTP 412), changing nothing', async () => {
    const image = fake.addImage({ name: 'probe-target' });
    const target = await probe.target(testAccount, REGION, '111111111111');
    expect(target.imageId).toBe(image.imageId);
    fake.resetCalls();
    const outcomes = await probe.probeEc2(testAccount, target);
    expect(outcomes.map((o) => o.result)).toEqual(outcomes.map(() => 'allowed'));
    expect(outcomes.map((o) => o.action)).toEqual(Object.keys(EC2_DRY_RUN_PROBES));
    const calls = fake.calls.filter((c) => c.service === 'ec2');
    expect(calls).toHaveLength(outcomes.length);
    for (const c of calls) {
      expect(c.params['DryRun'], c.action).toBe('true');
      expect(c.status, c.action).toBe(412);
      expect(c.errorCode, c.action).toBe('DryRunOperation');
    }
    expect(fake.state.region(REGION).images.get(image.imageId)?.state).toBe('available');
  });

  it('names a denied action from its UnauthorizedOperation answer (HTTP 403)', async () => {
    fake.faults.deny('ec2:ModifyImageAttribute');
    fake.faults.deny('DeleteSnapshot');
    const target = await probe.target(testAccount, REGION, '111111111111');
    const outcomes = await probe.probeEc2(testAccount, target);
    const denied = outcomes.filter((o) => o.result === 'denied');
    expect(denied.map((o) => o.action)).toEqual(['ec2:ModifyImageAttribute', 'ec2:DeleteSnapshot']);
    expect(denied[0]?.result === 'denied' && denied[0].message).toContain('ec2:ModifyImageAttribute');
    const wire = fake.calls.find((c) => c.action === 'ModifyImageAttribute');
    expect(wire?.status).toBe(403);
    expect(wire?.errorCode).toBe('UnauthorizedOperation');
  });

  it('reports any other answer as unknown, with the message sanitised', async () => {
    fake.faults.setError('ec2:CopyImage', {
      code: 'InvalidParameterValue',
      message: 'token aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY rejected',
    });
    const target = await probe.target(testAccount, REGION, '111111111111');
    const copy = (await probe.probeEc2(testAccount, target)).find((o) => o.action === 'ec2:CopyImage');
    expect(copy?.result).toBe('unknown');
    if (copy?.result !== 'unknown') return;
    expect(copy.code).toBe('InvalidParameterValue');
    expect(copy.message).not.toContain('wJalrXUtnFEMI');
  });

  it('describes the scan state machine, and says when it does not exist', async () => {
    fake.scriptExecution(MACHINE, { status: 'SUCCEEDED' });
    await expect(probe.describeStateMachine(testAccount, REGION, MACHINE)).resolves.toEqual({
      status: 'ACTIVE',
      name: 'amibot-deep-scan',
    });
    const missing = await failure(probe.describeStateMachine(testAccount, REGION, `${MACHINE}-gone`));
    expect(missing.code).toBe('not_found');
    expect(missing.userMessage).toContain('SCAN_STATE_MACHINE_ARN');
  });
});
