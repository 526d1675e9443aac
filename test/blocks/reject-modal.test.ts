import type { InputBlock, PlainTextInput, SectionBlock } from '@slack/types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  REJECT_MODAL_CALLBACK_ID,
  REJECT_REASON_ACTION_ID,
  REJECT_REASON_BLOCK_ID,
  readRejectReason,
  readRejectRequestId,
  renderRejectModal,
} from '../../src/blocks/reject-modal.js';
import { nasty } from './fixtures.js';

describe('renderRejectModal', () => {
  it('builds the modal', () => {
    const view = renderRejectModal({
      requestId: 'req-k3j9x0a2b1',
      summary: 'Share `ami-0abc1234def567890` with account `222222222222`',
    });
    expect(view.type).toBe('modal');
    expect(view.callback_id).toBe(REJECT_MODAL_CALLBACK_ID);
    expect(REJECT_MODAL_CALLBACK_ID).toBe('reject_request');
    expect(view.private_metadata).toBe('req-k3j9x0a2b1');
    expect(view.title).toMatchObject({ type: 'plain_text', text: 'Reject request' });
    expect(view.submit).toMatchObject({ type: 'plain_text', text: 'Reject' });
    expect(view.close).toMatchObject({ type: 'plain_text', text: 'Cancel' });
    const [summary, input] = view.blocks as [SectionBlock, InputBlock];
    expect(summary.text?.text).toBe(
      'You are rejecting request `req-k3j9x0a2b1`:\nShare `ami-0abc1234def567890` with account `222222222222`',
    );
    expect(input.type).toBe('input');
    expect(input.block_id).toBe('reason');
    expect(input.optional).toBe(true);
    const el = input.element as PlainTextInput;
    expect(el).toMatchObject({
      type: 'plain_text_input',
      action_id: 'reason_input',
      multiline: true,
      max_length: 500,
    });
  });

  it('keeps every text within Slack’s limits with stress input', () => {
    const view = renderRejectModal({ requestId: 'req-k3j9x0a2b1', summary: nasty(10_000) });
    expect(view.title.text.length).toBeLessThanOrEqual(24);
    expect(view.submit!.text.length).toBeLessThanOrEqual(24);
    expect(view.close!.text.length).toBeLessThanOrEqual(24);
    expect((view.blocks[0] as SectionBlock).text!.text.length).toBeLessThanOrEqual(3000);
    expect(view.blocks.length).toBeLessThanOrEqual(100);
  });
});

describe('readRejectReason', () => {
  const values = (value: unknown) => ({
    [REJECT_REASON_BLOCK_ID]: { [REJECT_REASON_ACTION_ID]: { type: 'plain_text_input', value } },
  });

  it.each<[string, unknown, string | undefined]>([
    ['a reason', values('  use the org share  '), 'use the org share'],
    ['multi-line', values('line 1\nline 2'), 'line 1\nline 2'],
    ['empty', values('   '), undefined],
    ['null value (left empty)', values(null), undefined],
    ['not a string', values(42), undefined],
    ['no block', {}, undefined],
    ['undefined', undefined, undefined],
    ['null', null, undefined],
    ['a string', 'reason', undefined],
    ['inherited keys only', Object.create({ reason: { reason_input: { value: 'x' } } }), undefined],
  ])('%s', (_name, input, expected) => {
    expect(readRejectReason(input)).toBe(expected);
  });

  it('cuts to 500 characters', () => {
    expect(readRejectReason(values('x'.repeat(600)))).toHaveLength(500);
    expect([...readRejectReason(values('🚀'.repeat(600)))!]).toHaveLength(500);
  });

  it('never throws (property)', () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        const r = readRejectReason(v);
        expect(r === undefined || typeof r === 'string').toBe(true);
      }),
    );
  });
});

describe('readRejectRequestId', () => {
  it('accepts request ids only', () => {
    expect(readRejectRequestId('req-k3j9x0a2b1')).toBe('req-k3j9x0a2b1');
    expect(readRejectRequestId('req-')).toBeUndefined();
    expect(readRejectRequestId('ami-0abc1234')).toBeUndefined();
    expect(readRejectRequestId(undefined)).toBeUndefined();
    expect(readRejectRequestId(42)).toBeUndefined();
  });
});
