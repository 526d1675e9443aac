import { describe, expect, it } from 'vitest';
import {
  ACTION_IDS,
  type AmiRef,
  actionIdPattern,
  baseActionId,
  decodeAmiRef,
  encodeAmiRef,
  numberedActionId,
} from '../../src/blocks/actions.js';

describe('action ids', () => {
  it('numbers and matches', () => {
    expect(ACTION_IDS.amiShow).toBe('ami_show');
    expect(numberedActionId('ami_show', 3)).toBe('ami_show:3');
    const p = actionIdPattern('ami_show');
    expect(p.test('ami_show')).toBe(true);
    expect(p.test('ami_show:12')).toBe(true);
    expect(p.test('ami_show_more')).toBe(false);
    expect(p.test('x_ami_show')).toBe(false);
    expect(baseActionId('ami_show:7')).toBe('ami_show');
  });
});

describe('AMI refs', () => {
  const AMI = 'ami-0abc1234def567890';
  it.each([
    [{ account: 'prod', region: 'us-east-1', imageId: AMI }, `prod/us-east-1/${AMI}`],
    [{ region: 'us-east-1', imageId: AMI }, `us-east-1/${AMI}`],
    [{ region: 'us-east-1', imageId: 'ami-1234abcd' }, 'us-east-1/ami-1234abcd'],
    [{ account: '123456789012', region: 'eu-west-1', imageId: AMI }, `123456789012/eu-west-1/${AMI}`],
    [{ account: 'bad/alias', region: 'eu-west-1', imageId: AMI }, `eu-west-1/${AMI}`],
  ])('%j ⇄ %s', (ref: AmiRef, value) => {
    expect(encodeAmiRef(ref)).toBe(value);
    const { account: _account, ...rest } = ref;
    expect(decodeAmiRef(value)).toEqual(value.split('/').length === 3 ? ref : rest);
  });

  it.each([
    '',
    AMI,
    'us-east-1/snap-0abc1234def567890',
    `a/b/c/${AMI}`,
    'us-east-1/ami-0ABC1234DEF567890',
    `x y/${AMI}`,
    // An AMI id has 8 or 17 hex digits, nothing in between or beyond.
    'us-east-1/ami-0abc',
    'prod/us-east-1/ami-0abc1234def56789',
    'us-east-1/ami-0abc1234def5678901',
  ])('rejects %j', (v) => {
    expect(decodeAmiRef(v)).toBeUndefined();
  });
});
