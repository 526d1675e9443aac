import { describe, expect, it } from 'vitest';
import { createLogger, redact } from '../src/logger.js';

describe('redact', () => {
  it.each([
    ['xoxb-1234-5678-abcdef', 'xox?-[redacted]'],
    ['token xapp-1-A0-1-abcdef here', 'token xapp-[redacted] here'],
    ['key AKIAIOSFODNN7EXAMPLE used', 'key AKIA[redacted] used'],
    [`sig v0=${'a'.repeat(64)}`, 'sig v0=[redacted]'],
  ])('masks %s', (input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it('masks secret-looking keys at any depth and keeps the rest', () => {
    const out = redact({
      user: 'U1',
      nested: { signingSecret: 'shh', headers: { authorization: 'Bearer xoxb-1' }, list: ['xoxb-2-3'] },
      credentials: { accessKeyId: 'AKIA…' },
    });
    expect(out).toEqual({
      user: 'U1',
      nested: {
        signingSecret: '[redacted]',
        headers: { authorization: '[redacted]' },
        list: ['xox?-[redacted]'],
      },
      credentials: '[redacted]',
    });
  });
});

describe('createLogger', () => {
  it('writes one JSON line per event, above the level, with secrets removed', () => {
    const lines: string[] = [];
    const log = createLogger('info', (l) => lines.push(l)).child({ role: 'web' });
    log.debug('hidden');
    log.info('posted with xoxb-9-9-secret', { token: 'xoxb-9', error: new Error('boom xoxb-1-2') });
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] as string);
    expect(entry).toMatchObject({
      level: 'info',
      role: 'web',
      msg: 'posted with xox?-[redacted]',
      token: '[redacted]',
    });
    expect(entry.error.message).toBe('boom xox?-[redacted]');
    expect(lines[0]).not.toContain('secret');
  });
});
