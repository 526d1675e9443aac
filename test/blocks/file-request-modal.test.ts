import { describe, expect, it } from 'vitest';
import {
  type FileRequestForm,
  fileRequestCommand,
  fileRequestErrorField,
  readFileRequest,
} from '../../src/blocks/file-request-modal.js';
import { parseCommand } from '../../src/domain/grammar/index.js';

const form = (f: Partial<FileRequestForm>): FileRequestForm => ({ to: [], ...f });

describe('fileRequestCommand', () => {
  it('builds the same command text a person would type', () => {
    expect(
      fileRequestCommand(
        form({
          operation: 'copy',
          image: 'ami-0123456789abcdef0',
          to: ['eu-west-1', 'eu-central-1'],
          account: 'prod',
          region: 'us-east-1',
        }),
      ),
    ).toEqual({
      ok: true,
      operation: 'copy',
      text: 'copy ami-0123456789abcdef0 --to eu-west-1,eu-central-1 --account prod --region us-east-1',
    });
    const share = fileRequestCommand(
      form({ operation: 'share', image: 'ami-01234567', with: '222222222222, 333333333333' }),
    );
    expect(share).toMatchObject({ ok: true, text: 'share ami-01234567 --with 222222222222,333333333333' });
    expect(
      fileRequestCommand(form({ operation: 'deprecate', image: 'ami-01234567', when: '30d' })),
    ).toMatchObject({
      text: 'deprecate ami-01234567 --in 30d',
    });
    expect(
      fileRequestCommand(form({ operation: 'deprecate', image: 'ami-01234567', when: '2026-12-31' })),
    ).toMatchObject({ text: 'deprecate ami-01234567 --at 2026-12-31' });
  });

  it('never lets a value become a flag or a second word', () => {
    const attempts: Array<Partial<FileRequestForm>> = [
      { operation: 'share', image: 'ami-01234567 --account other', with: '222222222222' },
      { operation: 'share', image: 'ami-01234567', with: '222222222222 --account other' },
      { operation: 'share', image: 'ami-01234567', with: '222222222222,--region' },
      { operation: 'deprecate', image: 'ami-01234567', when: '30d --account other' },
      { operation: 'deprecate', image: 'ami-01234567', when: '--in' },
      { operation: 'copy', image: 'ami-01234567', to: ['eu-west-1 --account other'] },
      { operation: 'copy', image: 'ami-01234567', to: ['eu-west-1'], account: '--region' },
      { operation: 'copy', image: 'ami-01234567', to: ['eu-west-1'], region: 'us-east-1 --account x' },
      { operation: 'deregister', image: 'ami-01234567' },
    ];
    for (const a of attempts) expect(fileRequestCommand(form(a)).ok, JSON.stringify(a)).toBe(false);
  });

  it('names the field of each missing or malformed value', () => {
    const r = fileRequestCommand(form({ operation: 'copy', image: 'ami-nothex' }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(Object.keys(r.errors).sort()).toEqual(['image_id', 'to_regions']);
    const s = fileRequestCommand(form({ operation: 'share', image: 'ami-01234567' }));
    if (!s.ok) expect(Object.keys(s.errors)).toEqual(['share_with']);
    const none = fileRequestCommand(form({}));
    if (!none.ok) expect(Object.keys(none.errors).sort()).toEqual(['image_id', 'operation']);
  });

  it('places grammar errors beside the field of the flag they name', () => {
    const parsed = parseCommand('deprecate ami-01234567 --at yesterday-ish');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(fileRequestErrorField(parsed.error)).toBe('deprecate_when');
  });
});

describe('readFileRequest', () => {
  it('reads the submitted state and ignores anything of the wrong shape', () => {
    expect(
      readFileRequest({
        operation: { operation: { type: 'static_select', selected_option: { value: 'copy' } } },
        image_id: { image_id: { type: 'plain_text_input', value: ' ami-01234567 ' } },
        to_regions: {
          to_regions: {
            type: 'multi_static_select',
            selected_options: [{ value: 'eu-west-1' }, { nope: 1 }],
          },
        },
        channel: { channel: { type: 'conversations_select', selected_conversation: 'COPS' } },
      }),
    ).toEqual({
      operation: 'copy',
      image: 'ami-01234567',
      to: ['eu-west-1'],
      channel: 'COPS',
    } as FileRequestForm);
    expect(readFileRequest(null)).toEqual({ to: [] });
    expect(
      readFileRequest({
        operation: { operation: 'copy' },
        to_regions: { to_regions: { selected_options: 'x' } },
      }),
    ).toEqual({ to: [] });
  });
});
