import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { type GuardedProcess, installProcessGuards } from '../src/process-guards.js';

describe('installProcessGuards', () => {
  it('logs one redacted JSON line per unhandled rejection or uncaught exception, without a stack', () => {
    const lines: string[] = [];
    const proc = new EventEmitter();
    const remove = installProcessGuards(
      createLogger('info', (l) => lines.push(l)),
      proc as unknown as GuardedProcess,
    );
    proc.emit('unhandledRejection', new TypeError('bad token xoxb-1-2-3 for AKIAIOSFODNN7EXAMPLE'));
    proc.emit('uncaughtException', new Error('boom with v0=' + 'a'.repeat(64)), 'uncaughtException');
    proc.emit('unhandledRejection', 'a plain string reason');
    expect(lines).toHaveLength(3);
    const [first, second, third] = lines.map((l) => JSON.parse(l));
    expect(first).toMatchObject({ level: 'error', source: 'process', error: { name: 'TypeError' } });
    expect(first.msg).toMatch(/still serving/);
    expect(second).toMatchObject({
      origin: 'uncaughtException',
      error: { message: 'boom with v0=[redacted]' },
    });
    expect(third.error).toBe('a plain string reason');
    for (const line of lines) {
      expect(line).not.toMatch(/xoxb-1|AKIAIOSFODNN7EXAMPLE|aaaaaaaa|\n|\s+at /);
    }
    remove();
    expect(proc.listenerCount('unhandledRejection')).toBe(0);
    expect(proc.listenerCount('uncaughtException')).toBe(0);
  });
});
