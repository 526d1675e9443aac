import { describe, expect, it } from 'vitest';
import {
  countUsers,
  deregisterExecutionRefusal,
  deregisterForcedWarning,
  deregisterRefusal,
  describeUser,
  describeUsers,
  type ImageUser,
  policyRefusal,
  replaceKeptNote,
  replaceRefusal,
  type UsageVerdict,
} from '../../src/domain/image-usage.js';

const IMG = 'ami-0abc1234def567890';
const coverage = {
  instances: 1,
  launchTemplates: 1,
  launchTemplateVersions: 3,
  autoScalingGroups: 1,
  launchConfigurations: 0,
  calls: 6,
};

const instance: ImageUser = { kind: 'instance', instanceId: 'i-0123456789abcdef0', state: 'stopped' };
const version: ImageUser = {
  kind: 'launch-template',
  launchTemplateId: 'lt-0123456789abcdef0',
  name: 'web',
  version: 1,
  isDefault: false,
  isLatest: false,
};
const group: ImageUser = {
  kind: 'auto-scaling-group',
  name: 'web-*asg*`x`',
  via: { kind: 'launch-template', name: 'spot', version: 4, override: true },
};

describe('describing users', () => {
  it('names each kind, marks default and latest versions, and keeps AWS names inert', () => {
    expect(describeUser(instance)).toBe('instance `i-0123456789abcdef0` (stopped)');
    expect(describeUser(version)).toBe('launch template *web* version 1');
    expect(describeUser({ ...version, version: 2, isDefault: true, isLatest: true })).toBe(
      'launch template *web* version 2 (default, latest)',
    );
    expect(describeUser(group)).toBe(
      'Auto Scaling group *web-∗asg∗ˋxˋ* (through launch template *spot* version 4, a mixed instances policy override)',
    );
    expect(describeUser({ kind: 'launch-configuration', name: 'legacy' })).toBe(
      'launch configuration *legacy*',
    );
  });

  it('lists groups first, caps the list and counts the rest', () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ ...instance, instanceId: `i-0${i}` }));
    const text = describeUsers([...many, group], 3);
    expect(text.startsWith('Auto Scaling group')).toBe(true);
    expect(text.endsWith('and 10 more')).toBe(true);
    expect(countUsers([...many, version, group])).toBe(
      '12 instances, 1 launch template version and 1 Auto Scaling group',
    );
  });
});

describe('the guard’s answers', () => {
  const inUse: UsageVerdict = { state: 'in-use', users: [instance, version], coverage };
  const unknown: UsageVerdict = {
    state: 'unknown',
    reason: 'the instances (`ec2:DescribeInstances`, page 2): AWS is busy',
    retry: true,
  };
  const unused: UsageVerdict = { state: 'unused', coverage };

  it('says nothing when nothing uses the image', () => {
    for (const f of [
      deregisterRefusal,
      deregisterExecutionRefusal,
      replaceRefusal,
      replaceKeptNote,
      policyRefusal,
    ]) {
      expect(f(IMG, unused)).toBeUndefined();
    }
    expect(deregisterForcedWarning(unused)).toBeUndefined();
  });

  it('offers --force only to a person filing /ami deregister', () => {
    expect(deregisterRefusal(IMG, inUse)).toMatch(/add `--force` if you are sure/);
    expect(deregisterRefusal(IMG, unknown)).toMatch(
      /could not check .*Try again in a minute.*`\/ami deregister ami-0abc1234def567890 --force`/,
    );
    expect(replaceRefusal(IMG, inUse)).not.toMatch(/--force/);
    expect(replaceKeptNote(IMG, unknown)).not.toMatch(/--force/);
    // The policy never forces; its note tells a person what they can do.
    expect(policyRefusal(IMG, unknown)).toMatch(/A person can file/);
  });

  it('names the users and what could not be checked', () => {
    for (const text of [
      deregisterRefusal(IMG, inUse),
      deregisterExecutionRefusal(IMG, inUse),
      replaceKeptNote(IMG, inUse),
    ]) {
      expect(text).toContain('instance `i-0123456789abcdef0` (stopped)');
      expect(text).toContain('launch template *web* version 1');
    }
    for (const text of [
      deregisterExecutionRefusal(IMG, unknown),
      deregisterForcedWarning(unknown),
      policyRefusal(IMG, unknown),
    ]) {
      expect(text).toContain('`ec2:DescribeInstances`, page 2');
    }
  });
});
