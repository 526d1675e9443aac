import { describe, expect, it } from 'vitest';
import { currentCid, newCid, noteRequestCid, withCorrelation, withRequestCid } from '../src/correlation.js';
import { CID_FIELD, splitCidField, withCidField } from '../src/jobs/queues.js';
import { createLogger } from '../src/logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('debug', (l) => lines.push(JSON.parse(l) as Record<string, unknown>));
  return { lines, log };
}

describe('correlation ids', () => {
  it('are 12 url-safe characters, different each time', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newCid()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{12}$/);
  });

  it('are on every line written inside the context, across awaits and timers, and on none outside', async () => {
    const { lines, log } = capture();
    log.info('before');
    await withCorrelation('abcdefABCDEF', async () => {
      log.child({ role: 'web' }).info('inside');
      await new Promise((r) => setTimeout(r, 5));
      await Promise.resolve().then(() => log.warn('after a timer'));
    });
    log.info('after');
    expect(lines.map((l) => [l.msg, l.cid])).toEqual([
      ['before', undefined],
      ['inside', 'abcdefABCDEF'],
      ['after a timer', 'abcdefABCDEF'],
      ['after', undefined],
    ]);
    // The id comes right after the level, before the message and the fields.
    expect(Object.keys(lines[1] as object).slice(0, 4)).toEqual(['time', 'level', 'cid', 'msg']);
  });

  it('replace an id that is not one (a hostile or damaged value) with a fresh one', () => {
    for (const bad of ['', 'short', 'has space in it', '"},{"level":"x', 'x'.repeat(40)]) {
      const cid = withCorrelation(bad, () => currentCid());
      expect(cid).toMatch(/^[A-Za-z0-9_-]{12}$/);
    }
  });

  it('keep concurrent pieces of work apart', async () => {
    const { lines, log } = capture();
    await Promise.all(
      ['aaaaaaaaaaaa', 'bbbbbbbbbbbb', 'cccccccccccc'].map((cid, i) =>
        withCorrelation(cid, async () => {
          for (let n = 0; n < 5; n++) {
            await new Promise((r) => setTimeout(r, (i * 7 + n * 3) % 5));
            log.info(cid);
          }
        }),
      ),
    );
    expect(lines).toHaveLength(15);
    for (const l of lines) expect(l.cid).toBe(l.msg);
  });

  it('add the request id beside their own for work on behalf of a request', () => {
    const { lines, log } = capture();
    withRequestCid('requestAAAAA', () => log.info('relay outside any context'));
    withCorrelation('clickKKKKKKK', () => {
      log.info('click');
      withRequestCid('requestAAAAA', () => log.info('relay in the click'));
      withRequestCid('clickKKKKKKK', () => log.info('relay of its own request'));
      noteRequestCid('requestBBBBB');
      log.info('after loading the request');
    });
    expect(lines.map((l) => [l.msg, l.cid, l.requestCid])).toEqual([
      ['relay outside any context', 'requestAAAAA', undefined],
      ['click', 'clickKKKKKKK', undefined],
      ['relay in the click', 'clickKKKKKKK', 'requestAAAAA'],
      ['relay of its own request', 'clickKKKKKKK', undefined],
      ['after loading the request', 'clickKKKKKKK', 'requestBBBBB'],
    ]);
  });
});

describe('the reserved field of job data', () => {
  it('goes beside the payload and comes off again', () => {
    const data = withCidField({ requestId: 'req-1' }, 'abcdefABCDEF');
    expect(data).toEqual({ requestId: 'req-1', [CID_FIELD]: 'abcdefABCDEF' });
    expect(splitCidField(data)).toEqual({ payload: { requestId: 'req-1' }, cid: 'abcdefABCDEF' });
  });

  it('leaves data without an id as it is, and drops an id that is not one', () => {
    expect(withCidField({ requestId: 'req-1' }, undefined)).toEqual({ requestId: 'req-1' });
    expect(splitCidField({ requestId: 'req-1' })).toEqual({ payload: { requestId: 'req-1' } });
    expect(splitCidField({ requestId: 'req-1', [CID_FIELD]: 'no good!' })).toEqual({
      payload: { requestId: 'req-1' },
    });
  });
});
