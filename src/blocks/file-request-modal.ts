/**
 * The *File a request* modal (the `ami_file_request` global shortcut): selects for the operation,
 * account, region and destination regions, inputs for the image id, the accounts to share with
 * and the deprecation time. Pure. What is submitted is untrusted: `readFileRequest` reads it
 * strictly and `fileRequestCommand` turns it into the same `/ami` command text a person would
 * type, so it goes through the same grammar, policy check and filing as the typed command.
 */
import type { ModalView, PlainTextOption } from '@slack/types';
import { ACCOUNT_ALIAS_RE, IMAGE_ID_RE, REGION_RE } from '../domain/ids.js';
import { plainText, SLACK_LIMITS } from './message.js';

export const FILE_REQUEST_SHORTCUT_ID = 'ami_file_request';
export const FILE_REQUEST_CALLBACK_ID = 'ami_file_request_submit';

/** Block ids of the modal's inputs; each input's action id is the same string. */
export const FILE_REQUEST_BLOCKS = {
  operation: 'operation',
  account: 'account',
  region: 'region',
  to: 'to_regions',
  image: 'image_id',
  with: 'share_with',
  when: 'deprecate_when',
  channel: 'channel',
} as const;
type BlockKey = (typeof FILE_REQUEST_BLOCKS)[keyof typeof FILE_REQUEST_BLOCKS];

export const FILE_REQUEST_OPERATIONS = ['copy', 'share', 'deprecate'] as const;
export type FileRequestOperation = (typeof FILE_REQUEST_OPERATIONS)[number];

const VIEW_LABEL_MAX = 24;
const OPTIONS_MAX = 100;

export interface FileRequestModalInput {
  accounts: ReadonlyArray<{ alias: string; regions: readonly string[]; default: boolean }>;
  /** Every region the selects offer (each account's regions, the default region, the families'). */
  regions: readonly string[];
}

function option(value: string, text = value): PlainTextOption {
  return { text: plainText(text, 75), value: value.slice(0, 150) };
}

function input(
  blockId: BlockKey,
  label: string,
  element: Record<string, unknown>,
  opts: { optional?: boolean; hint?: string } = {},
) {
  return {
    type: 'input' as const,
    block_id: blockId,
    optional: opts.optional ?? false,
    label: plainText(label, 2000),
    ...(opts.hint ? { hint: plainText(opts.hint, 2000) } : {}),
    element: { action_id: blockId, ...element },
  };
}

export function renderFileRequestModal(data: FileRequestModalInput): ModalView {
  const regions = [...new Set(data.regions)].slice(0, OPTIONS_MAX).map((r) => option(r));
  const accounts = data.accounts
    .slice(0, OPTIONS_MAX)
    .map((a) => option(a.alias, a.default ? `${a.alias} (default)` : a.alias));
  const blocks = [
    {
      type: 'section' as const,
      text: {
        type: 'mrkdwn' as const,
        text: 'Files the same request as `/ami copy`, `/ami share` or `/ami deprecate`: it is checked against the account’s policy and posted for approval. You get the confirmation (or what was wrong) in a direct message.',
      },
    },
    input(FILE_REQUEST_BLOCKS.operation, 'Operation', {
      type: 'static_select',
      placeholder: plainText('copy, share or deprecate', 150),
      options: [
        option('copy', 'copy to other regions'),
        option('share', 'share with accounts'),
        option('deprecate', 'deprecate'),
      ],
    }),
    input(FILE_REQUEST_BLOCKS.image, 'Image id', {
      type: 'plain_text_input',
      placeholder: plainText('ami-0123456789abcdef0', 150),
      max_length: 32,
    }),
    input(
      FILE_REQUEST_BLOCKS.account,
      'Account',
      { type: 'static_select', placeholder: plainText('the default account', 150), options: accounts },
      { optional: true },
    ),
    ...(regions.length > 0
      ? [
          input(
            FILE_REQUEST_BLOCKS.region,
            'Region of the image',
            {
              type: 'static_select',
              placeholder: plainText('the account’s default region', 150),
              options: regions,
            },
            { optional: true },
          ),
          input(
            FILE_REQUEST_BLOCKS.to,
            'Copy to regions (copy)',
            {
              type: 'multi_static_select',
              placeholder: plainText('destination regions', 150),
              options: regions,
            },
            { optional: true },
          ),
        ]
      : []),
    input(
      FILE_REQUEST_BLOCKS.with,
      'Share with (share)',
      {
        type: 'plain_text_input',
        placeholder: plainText('222222222222, 333333333333', 150),
        max_length: 2000,
      },
      { optional: true, hint: 'Account ids, organization or OU ARNs, separated by commas or spaces.' },
    ),
    input(
      FILE_REQUEST_BLOCKS.when,
      'Deprecate at or in (deprecate)',
      { type: 'plain_text_input', placeholder: plainText('2026-12-31 or 30d', 150), max_length: 40 },
      { optional: true },
    ),
    input(
      FILE_REQUEST_BLOCKS.channel,
      'Post the approval request in',
      { type: 'conversations_select', filter: { include: ['public', 'private'], exclude_bot_users: true } },
      { optional: true, hint: 'Only needed when the account has no approval channel.' },
    ),
  ];
  return {
    type: 'modal',
    callback_id: FILE_REQUEST_CALLBACK_ID,
    title: plainText('File a request', VIEW_LABEL_MAX),
    submit: plainText('File request', VIEW_LABEL_MAX),
    close: plainText('Cancel', VIEW_LABEL_MAX),
    blocks: blocks as ModalView['blocks'],
  };
}

/** What a submitted modal holds, each value a string (or list) exactly as submitted, else undefined. */
export interface FileRequestForm {
  operation?: string;
  account?: string;
  region?: string;
  to: string[];
  image?: string;
  with?: string;
  when?: string;
  channel?: string;
}

function get(v: unknown, key: string): unknown {
  return typeof v === 'object' && v !== null && Object.hasOwn(v, key)
    ? (v as Record<string, unknown>)[key]
    : undefined;
}

function text(s: unknown): string | undefined {
  if (typeof s !== 'string') return undefined;
  const t = s.trim();
  return t === '' ? undefined : t.slice(0, 2000);
}

/** Reads `view.state.values` without trusting its shape. Never throws. */
export function readFileRequest(stateValues: unknown): FileRequestForm {
  const el = (block: BlockKey) => get(get(stateValues, block), block);
  const selected = (block: BlockKey) => text(get(get(el(block), 'selected_option'), 'value'));
  const multi = get(el(FILE_REQUEST_BLOCKS.to), 'selected_options');
  return {
    operation: selected(FILE_REQUEST_BLOCKS.operation),
    account: selected(FILE_REQUEST_BLOCKS.account),
    region: selected(FILE_REQUEST_BLOCKS.region),
    to: Array.isArray(multi)
      ? multi
          .map((o) => text(get(o, 'value')))
          .filter((v): v is string => v !== undefined)
          .slice(0, 30)
      : [],
    image: text(get(el(FILE_REQUEST_BLOCKS.image), 'value')),
    with: text(get(el(FILE_REQUEST_BLOCKS.with), 'value')),
    when: text(get(el(FILE_REQUEST_BLOCKS.when), 'value')),
    channel: text(get(el(FILE_REQUEST_BLOCKS.channel), 'selected_conversation')),
  };
}

export type FileRequestText =
  | { ok: true; operation: FileRequestOperation; text: string; channel?: string }
  | { ok: false; errors: Partial<Record<BlockKey, string>> };

/** One word of a command: no spaces, quotes or leading dash, so a value can never become a flag. */
const WORD = /^[A-Za-z0-9][A-Za-z0-9:/._@+=-]*$/;
const SHARE_TARGET = /^(\d{12}|all|arn:aws[a-z-]*:organizations::\d{12}:(organization|ou)\/[A-Za-z0-9/_-]+)$/;
const RELATIVE = /^\d+[a-z]*$/i;
const CHANNEL_ID = /^[CG][A-Z0-9]{2,20}$/;

/**
 * The `/ami` command text for a submitted form, or the errors to show beside each field. Only
 * whole, well-formed words are put in the text; the grammar checks the command like a typed one.
 */
export function fileRequestCommand(form: FileRequestForm): FileRequestText {
  const errors: Partial<Record<BlockKey, string>> = {};
  const op = FILE_REQUEST_OPERATIONS.find((o) => o === form.operation);
  if (!op) errors[FILE_REQUEST_BLOCKS.operation] = 'Choose copy, share or deprecate.';
  if (!form.image) errors[FILE_REQUEST_BLOCKS.image] = 'Give the image id (ami-…).';
  else if (!IMAGE_ID_RE.test(form.image))
    errors[FILE_REQUEST_BLOCKS.image] =
      `“${form.image.slice(0, 40)}” is not an image id: it looks like ami- followed by 8 or 17 hex digits.`;
  if (form.account !== undefined && !ACCOUNT_ALIAS_RE.test(form.account))
    errors[FILE_REQUEST_BLOCKS.account] = 'Choose one of the configured accounts.';
  if (form.region !== undefined && !REGION_RE.test(form.region))
    errors[FILE_REQUEST_BLOCKS.region] = 'Choose an AWS region.';
  if (form.channel !== undefined && !CHANNEL_ID.test(form.channel))
    errors[FILE_REQUEST_BLOCKS.channel] = 'Choose a channel.';

  const flags: string[] = [];
  if (op === 'copy') {
    if (form.to.length === 0) errors[FILE_REQUEST_BLOCKS.to] = 'Choose at least one region to copy to.';
    else if (form.to.some((r) => !REGION_RE.test(r))) errors[FILE_REQUEST_BLOCKS.to] = 'Choose AWS regions.';
    else flags.push('--to', form.to.join(','));
  } else if (op === 'share') {
    const targets = (form.with ?? '').split(/[\s,]+/).filter((t) => t !== '');
    const bad = targets.find((t) => !SHARE_TARGET.test(t));
    if (targets.length === 0)
      errors[FILE_REQUEST_BLOCKS.with] = 'Give the account ids (or organization / OU ARNs) to share with.';
    else if (bad !== undefined)
      errors[FILE_REQUEST_BLOCKS.with] =
        `“${bad.slice(0, 80)}” is not a 12-digit account id, an organization or OU ARN, or \`all\`.`;
    else flags.push('--with', targets.join(','));
  } else if (op === 'deprecate') {
    const when = form.when;
    if (!when) errors[FILE_REQUEST_BLOCKS.when] = 'Give a date (2026-12-31) or a time from now (30d).';
    else if (!WORD.test(when))
      errors[FILE_REQUEST_BLOCKS.when] = 'Give a date (2026-12-31) or a time from now (30d), without spaces.';
    else flags.push(RELATIVE.test(when) ? '--in' : '--at', when);
  }
  if (Object.keys(errors).length > 0 || !op || !form.image) return { ok: false, errors };
  if (form.account) flags.push('--account', form.account);
  if (form.region) flags.push('--region', form.region);
  return {
    ok: true,
    operation: op,
    text: [op, form.image, ...flags].join(' '),
    ...(form.channel ? { channel: form.channel } : {}),
  };
}

/**
 * Where a grammar error belongs in the modal: the field of the flag it names, else the image id.
 * The message is escaped for display as plain text in the modal.
 */
export function fileRequestErrorField(message: string): BlockKey {
  if (/--to\b/.test(message)) return FILE_REQUEST_BLOCKS.to;
  if (/--with\b/.test(message)) return FILE_REQUEST_BLOCKS.with;
  if (/--(at|in)\b/.test(message)) return FILE_REQUEST_BLOCKS.when;
  if (/--region\b/.test(message)) return FILE_REQUEST_BLOCKS.region;
  if (/--account\b/.test(message)) return FILE_REQUEST_BLOCKS.account;
  return FILE_REQUEST_BLOCKS.image;
}

/** A modal error text: Slack shows it as plain text, so no escaping is needed beyond the length. */
export function modalErrorText(message: string): string {
  return message.replace(/\s+/g, ' ').slice(0, SLACK_LIMITS.headerText * 2);
}
