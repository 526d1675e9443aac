import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AUDIT_ACTIONS,
  AUDIT_RESULTS,
  type AuditEntry,
  auditEntry,
  fromStreamFields,
  toStreamFields,
} from '../../src/domain/audit.js';

const NOW = new Date('2026-11-21T12:00:00Z');

const optional = (arb: fc.Arbitrary<string>) => fc.option(arb, { nil: undefined });

const entryArb: fc.Arbitrary<AuditEntry> = fc
  .record({
    at: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    actor: fc.oneof(fc.constant('amibot'), fc.stringMatching(/^U[A-Z0-9]{8}$/), fc.string()),
    action: fc.oneof(fc.constantFrom(...AUDIT_ACTIONS), fc.string()),
    target: fc.string(),
    requestId: optional(fc.string()),
    imageId: optional(fc.string()),
    account: optional(fc.string()),
    region: optional(fc.string()),
    result: fc.constantFrom(...AUDIT_RESULTS),
    detail: optional(fc.string({ unit: 'grapheme' })),
  })
  .map((e) => {
    const out: AuditEntry = {
      at: e.at,
      actor: e.actor,
      action: e.action,
      target: e.target,
      result: e.result,
    };
    for (const k of ['requestId', 'imageId', 'account', 'region', 'detail'] as const) {
      if (e[k] !== undefined) out[k] = e[k];
    }
    return out;
  });

describe('toStreamFields / fromStreamFields', () => {
  it('writes flat field/value pairs, required first, unset optionals left out', () => {
    const entry: AuditEntry = {
      at: NOW.toISOString(),
      actor: 'U123ABC',
      action: 'request.approved',
      target: 'req-k3j9x0a2b1',
      requestId: 'req-k3j9x0a2b1',
      account: 'prod',
      result: 'ok',
    };
    expect(toStreamFields(entry)).toEqual([
      'at',
      '2026-11-21T12:00:00.000Z',
      'actor',
      'U123ABC',
      'action',
      'request.approved',
      'target',
      'req-k3j9x0a2b1',
      'result',
      'ok',
      'requestId',
      'req-k3j9x0a2b1',
      'account',
      'prod',
    ]);
  });

  it('does not write the stream id', () => {
    const fields = toStreamFields({ id: '1-0', at: 'x', actor: 'a', action: 'b', target: 't', result: 'ok' });
    expect(fields).not.toContain('1-0');
    expect(fields.length % 2).toBe(0);
  });

  it('round-trips any entry (property)', () => {
    fc.assert(
      fc.property(entryArb, fc.stringMatching(/^\d{1,13}-\d{1,3}$/), (entry, id) => {
        const fields = toStreamFields(entry);
        expect(fields.length % 2).toBe(0);
        expect(fromStreamFields(id, fields)).toEqual({ ...entry, id });
      }),
    );
  });

  it('never throws on arbitrary field arrays (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.array(fc.string()), (id, fields) => {
        const e = fromStreamFields(id, fields);
        expect(AUDIT_RESULTS).toContain(e.result);
        expect(typeof e.at).toBe('string');
      }),
    );
  });

  it('reads malformed entries cautiously', () => {
    expect(fromStreamFields('5-0', ['actor', 'U1', 'result', 'maybe', 'bogus', 'x', 'dangling'])).toEqual({
      id: '5-0',
      at: '',
      actor: 'U1',
      action: '',
      target: '',
      result: 'failed',
      detail: 'result: maybe',
    });
    expect(fromStreamFields('6-0', ['result', 'ok', 'result', 'refused'])).toMatchObject({
      result: 'refused',
    });
    const proto = fromStreamFields('7-0', ['__proto__', 'x', 'constructor', 'y', 'result', 'ok']);
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.keys(proto).sort()).toEqual(['action', 'actor', 'at', 'id', 'result', 'target']);
  });
});

describe('auditEntry', () => {
  it('stamps the time, defaults the result and drops undefined optionals', () => {
    expect(
      auditEntry(NOW, {
        actor: 'amibot',
        action: 'request.expired',
        target: 'req-abc123',
        imageId: undefined,
      }),
    ).toEqual({
      at: '2026-11-21T12:00:00.000Z',
      actor: 'amibot',
      action: 'request.expired',
      target: 'req-abc123',
      result: 'ok',
    });
  });

  it('lists the actions named in the design', () => {
    for (const a of [
      'request.created',
      'request.approved',
      'request.rejected',
      'request.refused',
      'request.cancelled',
      'request.expired',
      'job.succeeded',
      'job.failed',
      'reminder.extended',
    ]) {
      expect(AUDIT_ACTIONS).toContain(a);
    }
  });
});
