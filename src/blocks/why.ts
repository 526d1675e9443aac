/**
 * `/ami why`: the launch checklist, with a button on each fix that is a change. Button values carry
 * ids only (`<kind>:<account>/<region>/<ami>:<account-id or region>`); the handler decodes them
 * strictly and files the request as if typed, so everything is re-read and re-authorised. Pure.
 */
import type { KnownBlock } from '@slack/types';
import type { WhyAction, WhyCheck } from '../domain/golden-why.js';
import { isAccountId, isImageId, isRegion } from '../domain/ids.js';
import { actions, button, code, codeBlock, esc, message, type SlackMessage, section } from './message.js';

export const WHY_FIX_ACTION = 'why_fix';

const MARK: Record<WhyCheck['mark'], string> = { ok: '✅', fail: '❌', unknown: '❔', info: 'ℹ️' };
const ALIAS = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

export function encodeWhyAction(a: WhyAction): string {
  switch (a.kind) {
    case 'share':
      return `share:${a.account}/${a.region}/${a.imageId}:${a.targetAccount}`;
    case 'enable':
      return `enable:${a.account}/${a.region}/${a.imageId}`;
    case 'copy':
      return `copy:${a.account}/${a.fromRegion}/${a.imageId}:${a.toRegion}`;
  }
}

/** Inverse of {@link encodeWhyAction}; undefined for anything that is not exactly such a value. */
export function decodeWhyAction(value: string): WhyAction | undefined {
  const m = /^(share|enable|copy):([^/:]+)\/([^/:]+)\/([^/:]+)(?::([^/:]+))?$/.exec(value);
  if (!m) return undefined;
  const [, kind, account, region, imageId, extra] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  if (!ALIAS.test(account) || !isRegion(region) || !isImageId(imageId)) return undefined;
  if (kind === 'share' && extra && isAccountId(extra))
    return { kind, account, region, imageId, targetAccount: extra };
  if (kind === 'enable' && extra === undefined) return { kind, account, region, imageId };
  if (kind === 'copy' && extra && isRegion(extra))
    return { kind, account, fromRegion: region, imageId, toRegion: extra };
  return undefined;
}

const BUTTON_TEXT: Record<WhyAction['kind'], string> = {
  share: 'Request the share',
  enable: 'Request enabling it',
  copy: 'Request the copy',
};

/** Splits a fix into its text and a fenced statement (rendered as a code block). */
function fixText(fix: string): string {
  const fence = fix.indexOf('```');
  if (fence < 0) return esc(fix, 1200);
  const before = fix.slice(0, fence);
  const body = fix.slice(fence + 3).replace(/```\s*$/, '');
  return `${esc(before, 800)}\n${codeBlock(body, 1500)}`;
}

export function renderWhy(input: {
  imageId: string;
  region: string;
  forAccount: string;
  checks: WhyCheck[];
}): SlackMessage {
  const fails = input.checks.filter((c) => c.mark === 'fail').length;
  const unknown = input.checks.filter((c) => c.mark === 'unknown').length;
  const verdict =
    fails > 0
      ? `❌ ${fails} problem${fails === 1 ? '' : 's'} to fix`
      : unknown > 0
        ? `❔ nothing wrong found, but ${unknown} check${unknown === 1 ? '' : 's'} could not be made`
        : '✅ nothing stands in the way';
  const blocks: KnownBlock[] = [
    section(
      `*Can account ${code(input.forAccount, 20)} launch ${code(input.imageId, 64)} in ${code(input.region, 40)}?* ${verdict}`,
    ),
  ];
  let buttons = 0;
  for (const c of input.checks.slice(0, 20)) {
    // Titles are built by the domain from ids and AWS values: escaped here like any text.
    const lines = [`${MARK[c.mark]} ${esc(c.title, 400)}`];
    if (c.detail) lines.push(`      ${esc(c.detail, 800)}`);
    if (c.fix && (c.mark === 'fail' || c.mark === 'unknown')) lines.push(`      *Fix:* ${fixText(c.fix)}`);
    blocks.push(section(lines.join('\n')));
    if (c.action && buttons < 5 && (c.mark === 'fail' || c.mark === 'unknown')) {
      const value = encodeWhyAction(c.action);
      if (decodeWhyAction(value)) {
        blocks.push(
          actions([
            button({ text: BUTTON_TEXT[c.action.kind], actionId: `${WHY_FIX_ACTION}:${buttons}`, value }),
          ]),
        );
        buttons++;
      }
    }
  }
  return message(
    `Why can't ${esc(input.forAccount, 20)} launch ${esc(input.imageId, 64)}? ${verdict}`,
    blocks,
  );
}
