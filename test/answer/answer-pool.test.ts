import { describe, expect, it } from 'vitest';
import type { AnswerTask } from '../../src/answer/answer.js';
import { type Answerer, answerThreadModule, ThreadAnswerer } from '../../src/answer/answer-pool.js';
import type { Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';

/** The pool of answer threads on its own: starting, restarting with backoff, giving up, falling back. */

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

function task(text: string): AnswerTask {
  return { kind: 'command', text, userId: 'U1', channelId: 'C1', responseUrl: 'http://127.0.0.1:9/r' };
}

function harness() {
  const lines: Array<{ level: string; msg: string; [k: string]: unknown }> = [];
  const logger = createLogger('debug', (l) => lines.push(JSON.parse(l)));
  const onMain: string[] = [];
  const fallback: Answerer = {
    answer: async (t) => {
      onMain.push(t.kind === 'command' ? t.text : t.value);
    },
    close: async () => {},
  };
  return { lines, logger, onMain, fallback };
}

const data = { config: {} as Config };

describe('answer threads', () => {
  it('start from TypeScript through the bootstrap and answer, with nothing on the main thread', async () => {
    const { logger, lines, onMain, fallback } = harness();
    expect(answerThreadModule(fixture('echo-thread.ts')).file.pathname).toMatch(/answer-thread-boot\.mjs$/);
    const pool = new ThreadAnswerer(data, 2, fallback, logger, { entry: fixture('echo-thread.ts') });
    try {
      expect(await pool.settled(20_000)).toBe(true);
      await Promise.all(['a', 'b', 'c', 'd'].map((t) => pool.answer(task(t))));
      expect(onMain).toEqual([]);
      expect(pool.size).toBe(2);
      expect(lines.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([]);
    } finally {
      await pool.close();
    }
  });

  it('compiled, the thread module is loaded as it is', () => {
    const js = new URL('file:///app/dist/answer/answer-thread.js');
    expect(answerThreadModule(js)).toEqual({ file: js });
  });

  it('a thread that cannot start is retried with backoff, then given up with one line; answers go to the main thread, said once', async () => {
    const { logger, lines, onMain, fallback } = harness();
    const started = Date.now();
    const pool = new ThreadAnswerer(data, 1, fallback, logger, {
      entry: fixture('broken-thread.mjs'),
      firstRetryMs: 50,
      maxFailures: 4,
    });
    try {
      expect(await pool.settled(20_000)).toBe(false);
      // 50 + 100 + 200 ms of backoff between the four tries.
      expect(Date.now() - started).toBeGreaterThanOrEqual(350);
      const retries = lines.filter((l) => l.msg === 'answer thread stopped; restarting it');
      expect(retries.map((l) => l.retryInMs)).toEqual([50, 100, 200]);
      const givenUp = lines.filter((l) => l.level === 'error');
      expect(givenUp).toHaveLength(1);
      expect(givenUp[0]?.msg).toMatch(/could not be started \(4 tries\)/);
      expect(JSON.stringify(givenUp[0]?.error)).toContain('this thread cannot start');
      expect(pool.size).toBe(0);

      await Promise.all(['a', 'b', 'c'].map((t) => pool.answer(task(t))));
      expect(onMain).toEqual(['a', 'b', 'c']);
      expect(lines.filter((l) => /answering on the main thread until/.test(l.msg))).toHaveLength(1);

      // No more tries once given up: nothing else is logged.
      const count = lines.length;
      await new Promise((r) => setTimeout(r, 600));
      expect(lines.length).toBe(count);
    } finally {
      await pool.close();
    }
  });

  it('a thread that dies on a task is restarted; the task it held is answered on the main thread', async () => {
    const { logger, lines, onMain, fallback } = harness();
    const pool = new ThreadAnswerer(data, 1, fallback, logger, {
      entry: fixture('crash-on-task-thread.mjs'),
      firstRetryMs: 50,
    });
    try {
      expect(await pool.settled(20_000)).toBe(true);
      await pool.answer(task('first'));
      expect(onMain).toEqual(['first']);
      expect(lines.filter((l) => l.msg === 'answer thread stopped; restarting it')).toHaveLength(1);
      expect(await pool.settled(20_000)).toBe(true);
      await pool.answer(task('second'));
      expect(onMain).toEqual(['first', 'second']);
      // Each restart follows a thread that was ready: the count of failures in a row starts again.
      expect(lines.filter((l) => l.level === 'error')).toHaveLength(0);
    } finally {
      await pool.close();
    }
  });
});
