/**
 * The one place that turns text into Slack mrkdwn. Pure.
 *
 * Slack reads `&`, `<` and `>` as control characters in every mrkdwn text and in a message's
 * fallback `text`: `<https://x|label>` is a link, `<@U1>` a mention, `<!channel>` pings a channel.
 * So every string the bot did not write itself (image names, descriptions, tags, reasons, AWS
 * error messages, account aliases, what a user typed) goes through {@link esc} (or {@link bold},
 * {@link code}, {@link codeBlock}, {@link quote}, which escape too), and so do the bot's own
 * placeholders (`/ami help <command>` is sent as `/ami help &lt;command&gt;`). The only `<…>`
 * sequences a message may hold are the ones built here on purpose: {@link userMention} and
 * {@link channelMention} of ids that look like Slack ids.
 *
 * `plain_text` objects (headers, button labels, modal titles) are shown literally by Slack: they
 * take raw text, never the output of these functions.
 */

export const ELLIPSIS = '…';

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Cuts `s` to at most `max` UTF-16 code units, ending with an ellipsis when cut. Never splits a
 * surrogate pair, an entity produced by {@link escapeMrkdwn} or a `<…>` sequence (a mention cut
 * in half would show its raw remains).
 */
export function truncate(s: string, max: number, ellipsis: string = ELLIPSIS): string {
  if (s.length <= max) return s;
  if (max <= 0) return '';
  if (max <= ellipsis.length) return ellipsis.slice(0, max);
  let cut = max - ellipsis.length;
  const code = s.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1; // high surrogate without its low half
  const amp = s.lastIndexOf('&', cut - 1);
  if (amp !== -1 && cut - amp < 6 && !s.slice(amp, cut).includes(';')) {
    const rest = s.slice(amp, amp + 6);
    if (/^&(amp|lt|gt);/.test(rest)) cut = amp;
  }
  const open = s.lastIndexOf('<', cut - 1);
  if (open !== -1 && !s.slice(open, cut).includes('>') && s.indexOf('>', cut) !== -1) cut = open;
  return s.slice(0, cut) + ellipsis;
}

/** Escaped and truncated to `max` raw characters; the ellipsis is added before escaping so nothing dangles. */
export function esc(s: string, max = 200): string {
  return escapeMrkdwn(truncate(s, max));
}

/** `*bold*`, escaped and truncated. Asterisks inside are swapped for a look-alike so they cannot break the span. */
export function bold(s: string, max = 200): string {
  return `*${esc(s, max).replace(/\*/g, '∗')}*`;
}

/** `` `code` ``, escaped and truncated. Backticks inside are swapped for a look-alike. */
export function code(s: string, max = 200): string {
  return '`' + esc(s, max).replace(/`/g, 'ˋ') + '`';
}

/** A fenced code block, escaped and truncated to `max` characters in total. */
export function codeBlock(s: string, max = 2000): string {
  const body = escapeMrkdwn(s.replace(/```/g, 'ˋˋˋ'));
  return '```' + truncate(body, Math.max(1, max - 6)) + '```';
}

/** A block quote of untrusted text: every line escaped and prefixed with `> `. */
export function quote(s: string, max = 500): string {
  return `> ${esc(s.trim(), max).replace(/\n/g, '\n> ')}`;
}

const USER_ID = /^[UW][A-Z0-9]{2,20}$/;
const GROUP_ID = /^S[A-Z0-9]{2,20}$/;
const CHANNEL_ID = /^[CGD][A-Z0-9]{2,20}$/;

/**
 * `<@U123>` for a Slack user id, `<!subteam^S123>` for a user group, `everyone` for `*`; anything
 * else is shown as escaped text, never as a mention.
 */
export function userMention(id: string): string {
  if (USER_ID.test(id)) return `<@${id}>`;
  if (GROUP_ID.test(id)) return `<!subteam^${id}>`;
  if (id === '*') return 'everyone';
  return esc(id, 64);
}

/** `<#C123>` for a channel id; anything else as escaped text. */
export function channelMention(id: string): string {
  return CHANNEL_ID.test(id) ? `<#${id}>` : esc(id, 64);
}
