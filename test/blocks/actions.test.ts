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
  it.each([
    [{ account: 'prod', region: 'us-east-1', imageId: 'ami-0abc' }, 'prod/us-east-1/ami-0abc'],
    [{ region: 'us-east-1', imageId: 'ami-0abc' }, 'us-east-1/ami-0abc'],
    [
      { account: '123456789012', region: 'eu-west-1', imageId: 'ami-0abc' },
      '123456789012/eu-west-1/ami-0abc',
    ],
    [{ account: 'bad/alias', region: 'eu-west-1', imageId: 'ami-0abc' }, 'eu-west-1/ami-0abc'],
  ])('%j ⇄ %s', (ref: AmiRef, value) => {
    expect(encodeAmiRef(ref)).toBe(value);
    const { account: _account, ...rest } = ref;
    expect(decodeAmiRef(value)).toEqual(value.split('/').length === 3 ? ref : rest);
  });

  it.each(['', 'ami-0abc', 'us-east-1/snap-0abc', 'a/b/c/ami-0abc', 'us-east-1/ami-0ABC', 'x y/ami-0abc'])(
    'rejects %j',
    (v) => {
      expect(decodeAmiRef(v)).toBeUndefined();
    },
  );
});
