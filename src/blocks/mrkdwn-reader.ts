/**
 * Reads mrkdwn the way Slack does, into a small tree: what a person would see, and which links,
 * mentions and specials ("pings") a text holds. Pure.
 *
 * Used by the tests (every message builder rendered with hostile input must hold no link, mention
 * or special the bot did not put there itself) and by the sandbox page, so that what the page
 * shows is what Slack would show.
 *
 * What it reads, in Slack's order:
 * - ```` ```pre``` ```` blocks, then line by line `>` block quotes;
 * - `<…>` control sequences, anywhere (Slack parses them before any formatting, inside code too):
 *   `<@U…>` / `<@W…>` user mentions, `<#C…>` channels, `<!here>`, `<!channel>`, `<!everyone>`,
 *   `<!subteam^S…>`, `<!date^…>` and any other `<!…>` specials, and everything else as a link
 *   (`<https://x|label>`, `<mailto:…>`, and also `<command>`, which Slack turns into a link to
 *   `command`); each may carry a `|label`;
 * - `` `code` `` spans, then `*bold*`, `_italic_`, `~strike~`;
 * - the entities `&lt;`, `&gt;` and `&amp;` (and only those) in text, labels and URLs.
 */

export type MrkdwnNode =
  | { kind: 'text'; text: string }
  | { kind: 'break' }
  | { kind: 'link'; url: string; label?: string }
  | { kind: 'user'; id: string; label?: string }
  | { kind: 'channel'; id: string; label?: string }
  /** `name` is `here`, `channel`, `everyone`, `subteam`, `date`, …; `args` what follows `^`. */
  | { kind: 'special'; name: string; args: string[]; label?: string }
  | { kind: 'code'; children: MrkdwnNode[] }
  | { kind: 'pre'; children: MrkdwnNode[] }
  | { kind: 'bold' | 'italic' | 'strike' | 'quote'; children: MrkdwnNode[] };

export type MrkdwnControl = Extract<MrkdwnNode, { kind: 'link' | 'user' | 'channel' | 'special' }>;

/** Undoes the three entities Slack decodes (`&lt;`, `&gt;`, `&amp;`); any other `&…;` stays as typed. */
export function decodeEntities(s: string): string {
  return s.replace(/&(amp|lt|gt);/g, (_, name: string) => (name === 'amp' ? '&' : name === 'lt' ? '<' : '>'));
}

const OPEN = '\uE000';
const CLOSE = '\uE001';
const SLOT = /\uE000(\d+)\uE001/g;

/** One `<…>` sequence (its inside, entities still encoded). */
function control(inner: string): MrkdwnControl {
  const bar = inner.indexOf('|');
  const target = decodeEntities(bar >= 0 ? inner.slice(0, bar) : inner);
  const label = bar >= 0 ? decodeEntities(inner.slice(bar + 1)) : undefined;
  const withLabel = <T extends object>(node: T): T => (label !== undefined ? { ...node, label } : node);
  if (target.startsWith('@')) return withLabel({ kind: 'user' as const, id: target.slice(1) });
  if (target.startsWith('#')) return withLabel({ kind: 'channel' as const, id: target.slice(1) });
  if (target.startsWith('!')) {
    const [name = '', ...args] = target.slice(1).split('^');
    return withLabel({ kind: 'special' as const, name, args });
  }
  return withLabel({ kind: 'link' as const, url: target });
}

class Slots {
  readonly nodes: MrkdwnNode[] = [];
  hold(node: MrkdwnNode): string {
    return `${OPEN}${this.nodes.push(node) - 1}${CLOSE}`;
  }
  /** Text with slot references → nodes (text decoded). */
  expand(s: string): MrkdwnNode[] {
    const out: MrkdwnNode[] = [];
    let last = 0;
    for (const m of s.matchAll(SLOT)) {
      if (m.index > last) out.push({ kind: 'text', text: decodeEntities(s.slice(last, m.index)) });
      const node = this.nodes[Number(m[1])];
      if (node) out.push(node);
      last = m.index + m[0].length;
    }
    if (last < s.length) out.push({ kind: 'text', text: decodeEntities(s.slice(last)) });
    return out;
  }
}

const EMPHASIS: Array<[RegExp, 'bold' | 'italic' | 'strike']> = [
  [/(^|[^\w*])\*(?!\s)([^*\n]+?)\*(?!\w)/g, 'bold'],
  [/(^|[^\w_])_(?!\s)([^_\n]+?)_(?!\w)/g, 'italic'],
  [/(^|[^\w~])~(?!\s)([^~\n]+?)~(?!\w)/g, 'strike'],
];

function emphasis(s: string, slots: Slots, from = 0): string {
  let out = s;
  for (let i = from; i < EMPHASIS.length; i++) {
    const [re, kind] = EMPHASIS[i]!;
    out = out.replace(re, (_, before: string, inner: string) => {
      const children = slots.expand(emphasis(inner, slots, i + 1));
      return before + slots.hold({ kind, children });
    });
  }
  return out;
}

/** One line (or a pre block's content when `formatting` is off). */
function inline(line: string, slots: Slots, formatting: boolean): MrkdwnNode[] {
  let s = line.replace(/[\uE000\uE001]/g, '');
  s = s.replace(/<([^<>\n]*)>/g, (_, inner: string) => slots.hold(control(inner)));
  if (!formatting) return slots.expand(s);
  s = s.replace(/`([^`\n]+)`/g, (_, inner: string) =>
    slots.hold({ kind: 'code', children: slots.expand(inner) }),
  );
  return slots.expand(emphasis(s, slots));
}

/** Reads a mrkdwn text into nodes. */
export function readMrkdwn(source: string): MrkdwnNode[] {
  const out: MrkdwnNode[] = [];
  const slots = new Slots();
  const parts = source.split(/```([\s\S]*?)```/);
  parts.forEach((part, i) => {
    if (i % 2 === 1) {
      out.push({ kind: 'pre', children: inline(part.replace(/^\n/, ''), slots, false) });
      return;
    }
    part.split('\n').forEach((line, j) => {
      if (j > 0) out.push({ kind: 'break' });
      const quoted = /^(&gt;|>)/.exec(line);
      if (quoted) {
        out.push({ kind: 'quote', children: inline(line.slice(quoted[0].length).trimStart(), slots, true) });
      } else if (line) {
        out.push(...inline(line, slots, true));
      }
    });
  });
  return out;
}

function walk(nodes: readonly MrkdwnNode[], visit: (n: MrkdwnNode) => void): void {
  for (const n of nodes) {
    visit(n);
    if ('children' in n) walk(n.children, visit);
  }
}

/** Every link, mention and special in a mrkdwn text, in order. */
export function controlsOf(source: string): MrkdwnControl[] {
  const found: MrkdwnControl[] = [];
  walk(readMrkdwn(source), (n) => {
    if (n.kind === 'link' || n.kind === 'user' || n.kind === 'channel' || n.kind === 'special') found.push(n);
  });
  return found;
}

/** What a person reads: text with formatting gone, mentions as `@id`, links as their label. */
export function visibleText(source: string): string {
  const out: string[] = [];
  const text = (nodes: readonly MrkdwnNode[]) => {
    for (const n of nodes) {
      switch (n.kind) {
        case 'text':
          out.push(n.text);
          break;
        case 'break':
          out.push('\n');
          break;
        case 'link':
          out.push(n.label ?? n.url);
          break;
        case 'user':
          out.push(`@${n.label ?? n.id}`);
          break;
        case 'channel':
          out.push(`#${n.label ?? n.id}`);
          break;
        case 'special':
          out.push(n.label ?? `@${n.name}`);
          break;
        default:
          text(n.children);
      }
    }
  };
  text(readMrkdwn(source));
  return out.join('');
}

/** A control as the mrkdwn that makes it (for messages in test failures). */
export function describeControl(c: MrkdwnControl): string {
  const label = c.label !== undefined ? `|${c.label}` : '';
  switch (c.kind) {
    case 'link':
      return `<${c.url}${label}>`;
    case 'user':
      return `<@${c.id}${label}>`;
    case 'channel':
      return `<#${c.id}${label}>`;
    case 'special':
      return `<!${[c.name, ...c.args].join('^')}${label}>`;
  }
}
