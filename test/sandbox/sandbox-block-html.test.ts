import { describe, expect, it } from 'vitest';
import { escapeHtml, messageToHtml, mrkdwnToHtml, textToHtml } from '../../dev/sandbox/block-html.js';
import { renderApprovalMessage } from '../../src/blocks/approval.js';
import { renderError } from '../../src/blocks/error.js';
import { renderHelp } from '../../src/blocks/help.js';
import { helpTopics } from '../../src/domain/help.js';
import type { AmiRequest } from '../../src/domain/request.js';

const names = { userName: (id: string) => ({ UREQ: 'Riley' })[id] };

/** The tags a piece of HTML contains, e.g. `['strong', '/strong']`. */
function tags(html: string): string[] {
  return [...html.matchAll(/<\/?([a-z0-9-]+)/gi)].map((m) => m[0].slice(1));
}

const SAFE_ATTRS = /^(class|href|target|rel|title|type|rows|placeholder|maxlength|value|data-[a-z-]+)$/;

/** Every tag is well-formed with only double-quoted, harmless attributes (no on*=, no style, no src). */
function expectSafeHtml(html: string): void {
  for (const [tag] of html.matchAll(/<[^>]*>/g)) {
    expect(tag).toMatch(/^<\/?[a-z0-9]+(\s[a-z-]+="[^"<>]*")*\s*>$/);
    for (const [, name] of tag.matchAll(/\s([a-z-]+)="/g)) expect(name).toMatch(SAFE_ATTRS);
    const href = /\shref="([^"]*)"/.exec(tag)?.[1];
    if (href !== undefined) expect(href).toMatch(/^(https?:\/\/|mailto:)/);
  }
}

describe('mrkdwn → HTML', () => {
  it('renders bold, italic, strike, code, code blocks and line breaks', () => {
    expect(mrkdwnToHtml('*Approval needed* for _this_ ~old~ `ami-123`')).toBe(
      '<strong>Approval needed</strong> for <em>this</em> <del>old</del> <code>ami-123</code>',
    );
    expect(mrkdwnToHtml('a\nb')).toBe('a<br>b');
    expect(mrkdwnToHtml('```\nline *1*\n&lt;b&gt;\n```')).toBe('<pre>line *1*\n&lt;b&gt;\n</pre>');
    // Raw brackets are link syntax to Slack, in a code block too: the brackets do not show.
    expect(mrkdwnToHtml('```<b>```')).toBe('<pre>b</pre>');
  });

  it('shows the project’s placeholders as Slack does: escaped ones as <ami-id>, never as slot markers', () => {
    const help = messageToHtml(renderHelp(helpTopics()));
    expect(help).toContain('<code>/ami help &lt;command&gt;</code>');
    expect(help).toContain('&lt;ami-id&gt;');
    const error = messageToHtml(renderError({ message: 'Missing the image.', usage: '/ami show <ami-id>' }));
    expect(error).toContain('<pre>/ami show &lt;ami-id&gt;</pre>');
    for (const html of [help, error]) {
      expect(html).not.toMatch(/[\uE000\uE001▯]/);
    }
    // The same placeholder sent raw would lose its brackets, in Slack and on the page.
    expect(mrkdwnToHtml('`/ami help <command>`')).toBe('<code>/ami help command</code>');
  });

  it('leaves underscores and stars inside words alone (AMI names)', () => {
    expect(mrkdwnToHtml('Windows_Server-2022-English_Full and 2*3*4')).toBe(
      'Windows_Server-2022-English_Full and 2*3*4',
    );
  });

  it('renders mentions, channels, specials and safe links', () => {
    expect(mrkdwnToHtml('<@UREQ> asks in <#C1|ops> <!here>', names)).toBe(
      '<span class="mention" data-user="UREQ">@Riley</span> asks in <span class="mention">#ops</span> <span class="mention">@here</span>',
    );
    expect(mrkdwnToHtml('<https://example.com/a?b=1&amp;c=2|the docs>')).toBe(
      '<a href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">the docs</a>',
    );
    expect(mrkdwnToHtml('<@UNKNOWN>', names)).toContain('@UNKNOWN');
  });

  it('never turns a javascript: link into a link', () => {
    const html = mrkdwnToHtml('<javascript:alert(1)|click me>');
    expect(html).toBe('click me');
    expect(html).not.toContain('href');
  });

  it('decodes Slack entities once and escapes again', () => {
    expect(mrkdwnToHtml('a &lt;b&gt; &amp;amp; c')).toBe('a &lt;b&gt; &amp;amp; c');
    expect(mrkdwnToHtml('`&lt;x&gt;`')).toBe('<code>&lt;x&gt;</code>');
  });

  it.each([
    '<script>alert(1)</script>',
    '&lt;script&gt;alert(1)&lt;/script&gt;',
    '<img src=x onerror=alert(1)>',
    '&lt;img src=x onerror=alert(1)&gt;',
    '*<script>*',
    '`<script>`',
    '```<script>```',
    '<https://x.com|<script>alert(1)</script>>',
    '<https://x.com" onmouseover="alert(1)|x>',
    '<@U1|<script>>',
    '\uE0000\uE000<script>',
  ])('no markup survives from %j', (input) => {
    const html = mrkdwnToHtml(input, names);
    expect(html).not.toMatch(/<script|<img/i);
    expectSafeHtml(html);
    for (const tag of tags(html))
      expect(['strong', '/strong', 'code', '/code', 'pre', '/pre', 'a', '/a', 'span', '/span']).toContain(
        tag,
      );
  });
});

describe('blocks → HTML', () => {
  it('escapes plain_text and every attribute it writes', () => {
    expect(textToHtml({ type: 'plain_text', text: '<b>"x"</b>' })).toBe('&lt;b&gt;&quot;x&quot;&lt;/b&gt;');
    const html = messageToHtml({
      blocks: [
        {
          type: 'actions',
          block_id: 'b"><script>',
          elements: [
            {
              type: 'button',
              action_id: 'a"><img src=x onerror=alert(1)>',
              value: '"><script>alert(1)</script>',
              text: { type: 'plain_text', text: '<script>Go</script>' },
              style: 'danger"',
            },
            {
              type: 'button',
              action_id: 'u',
              url: 'javascript:alert(1)',
              text: { type: 'plain_text', text: 'x' },
            },
          ],
        },
        { type: 'image', image_url: 'https://x/y.png', alt_text: '<script>alt</script>' },
        { type: '<script>', text: 'x' },
      ],
    });
    expect(html).not.toMatch(/<script|<img|javascript:/i);
    expectSafeHtml(html);
    expect(html).toContain('data-value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(html).toContain('class="btn"');
  });

  it('renders an AMI named like a script as text', () => {
    const evil = 'team-<script>alert("pwned")</script>-2026';
    // What the bot sends: mrkdwn with Slack's escapes, as the blocks layer writes it.
    const sent = `*${evil.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}*`;
    const html = messageToHtml({
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: evil } },
        { type: 'section', text: { type: 'mrkdwn', text: sent }, fields: [{ type: 'mrkdwn', text: sent }] },
        {
          type: 'context',
          elements: [
            { type: 'mrkdwn', text: sent },
            { type: 'plain_text', text: evil },
          ],
        },
      ],
    });
    expect(html).not.toContain('<script');
    expectSafeHtml(html);
    expect(html).toContain('team-&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;-2026');
  });

  it('renders every block kind the bot uses: header, section with fields and accessory, context, actions, divider', () => {
    const html = messageToHtml({
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'Images' } },
        {
          type: 'section',
          block_id: 's1',
          text: { type: 'mrkdwn', text: '*one*' },
          fields: [{ type: 'mrkdwn', text: '*Region*\nus-east-1' }],
          accessory: {
            type: 'button',
            action_id: 'ami_show:0',
            value: 'v',
            text: { type: 'plain_text', text: 'Details' },
          },
        },
        { type: 'divider' },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'cached' }] },
        {
          type: 'actions',
          block_id: 'acts',
          elements: [
            {
              type: 'button',
              action_id: 'ok',
              style: 'primary',
              text: { type: 'plain_text', text: 'Approve' },
            },
            {
              type: 'button',
              action_id: 'no',
              style: 'danger',
              text: { type: 'plain_text', text: 'Reject' },
            },
            { type: 'overflow', action_id: 'more', options: [] },
          ],
        },
      ],
    });
    expect(html).toContain('<div class="block header">Images</div>');
    expect(html).toContain('<div class="field"><strong>Region</strong><br>us-east-1</div>');
    expect(html).toContain('data-action-id="ami_show:0" data-value="v" data-block-id="s1">Details</button>');
    expect(html).toContain('<hr class="block divider">');
    expect(html).toContain('class="btn btn-primary" data-action-id="ok"');
    expect(html).toContain('class="btn btn-danger" data-action-id="no"');
    expect(html).toContain('class="chip"');
  });

  it('renders a modal input as a form control carrying its block and action ids', () => {
    const html = messageToHtml({
      blocks: [
        {
          type: 'input',
          block_id: 'reason',
          optional: true,
          label: { type: 'plain_text', text: 'Reason' },
          element: { type: 'plain_text_input', action_id: 'reason_input', multiline: true, max_length: 500 },
        },
      ],
    });
    expect(html).toContain(
      '<textarea class="input" rows="3" data-block-id="reason" data-action-id="reason_input"',
    );
    expect(html).toContain('maxlength="500"');
    expect(html).toContain('(optional)');
  });

  it('falls back to the text as mrkdwn when there are no blocks', () => {
    expect(messageToHtml({ text: '*hi* <@UREQ>' }, names)).toContain('<strong>hi</strong>');
  });

  it('renders a real approval message from the blocks layer', () => {
    const message = renderApprovalMessage({
      request: {
        id: 'req-abc123def4',
        kind: 'share',
        params: { kind: 'share', targets: [{ kind: 'account', accountId: '333333333333' }] },
        imageId: 'ami-0123456789abcdef0',
        image: { name: 'web-<b>-golden', sizeGiB: 8, monthlyCostUsd: 0.4, encrypted: false, public: false },
        requester: 'UREQ',
        account: 'sandbox',
        accountId: '111111111111',
        region: 'us-east-1',
        state: 'pending',
        approvals: [],
        approvalsNeeded: 1,
        warnings: [],
        createdAt: '2026-11-26T12:00:00.000Z',
        updatedAt: '2026-11-26T12:00:00.000Z',
        expiresAt: '2026-11-27T12:00:00.000Z',
      } as AmiRequest,
      now: new Date('2026-11-26T12:00:00Z'),
    });
    const html = messageToHtml(message, names);
    expect(html).toContain('data-action-id="request_approve"');
    expect(html).toContain('web-&lt;b&gt;-golden');
    expect(html).not.toContain('<b>');
  });

  it('escapeHtml covers the five HTML specials and the backtick', () => {
    expect(escapeHtml(`<>&"'\``)).toBe('&lt;&gt;&amp;&quot;&#39;&#96;');
  });
});
