import { describe, expect, it } from 'vitest';
import { escapeHtml, renderMrkdwn } from '../../src/sandbox/console/mrkdwn.js';

const names = { users: { U0SANDBOX1: 'you' }, channels: { C0SBALERTS: 'sms-alerts' } };
const render = (text: unknown) => renderMrkdwn(text, names);

/** Every tag the output opens, by name: what markup the renderer let through. */
const tags = (html: string) => [...html.matchAll(/<([a-z][a-z0-9]*)\b/g)].map((m) => m[1]);

describe('console mrkdwn renderer', () => {
  it('escapes HTML in text: tags, ampersands and both quotes', () => {
    expect(escapeHtml(`<b a="1" b='2'>&`)).toBe('&lt;b a=&quot;1&quot; b=&#39;2&#39;&gt;&amp;');
    expect(render('Tom & "Jerry" \'x\'')).toBe('Tom &amp; &quot;Jerry&quot; &#39;x&#39;');
  });

  it('never turns text into markup: a raw <script> is a refused link, entities stay characters', () => {
    const html = render('&lt;img src=x onerror=alert(1)&gt; <script>alert(1)</script>');
    expect(tags(html)).toEqual([]);
    expect(html).toBe('&lt;img src=x onerror=alert(1)&gt; scriptalert(1)/script');
    expect(render('&amp;lt;b&amp;gt;')).toBe('&amp;lt;b&amp;gt;');
  });

  it("renders Slack's links with labels, only for http(s) and mailto", () => {
    expect(render('<https://example.com/?a=1&amp;b=2|docs>')).toBe(
      '<a href="https://example.com/?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">docs</a>',
    );
    expect(render('<mailto:ops@example.com>')).toContain('href="mailto:ops@example.com"');
    expect(render('<https://example.com>')).toContain('>https://example.com</a>');
  });

  it('refuses javascript:, data: and other schemes: their label (or target) as plain text', () => {
    expect(render('<javascript:alert(1)|click>')).toBe('click');
    expect(render('<JavaScript:alert(1)>')).toBe('JavaScript:alert(1)');
    expect(render('<data:text/html,x>')).toBe('data:text/html,x');
    expect(tags(render('<vbscript:msgbox|x> < javascript:alert(1)|y>'))).toEqual([]);
  });

  it('keeps a quote in a URL inside the attribute', () => {
    const html = render('<https://example.com/"onmouseover="alert(1)|x>');
    expect(html).toBe(
      '<a href="https://example.com/&quot;onmouseover=&quot;alert(1)" target="_blank" rel="noopener noreferrer">x</a>',
    );
  });

  it('shows user and channel mentions by name, else by label or id, and broadcasts as chips', () => {
    expect(render('<@U0SANDBOX1>')).toBe('<span class="chip chip-user">@you</span>');
    expect(render('<@U999|someone>')).toBe('<span class="chip chip-user">@someone</span>');
    expect(render('<@U999>')).toBe('<span class="chip chip-user">@U999</span>');
    expect(render('<#C0SBALERTS>')).toBe('<span class="chip chip-channel">#sms-alerts</span>');
    expect(render('<#C999|general>')).toBe('<span class="chip chip-channel">#general</span>');
    expect(render('<!here>')).toBe('<span class="chip chip-broadcast">@here</span>');
    expect(render('<!channel> <!everyone>')).toBe(
      '<span class="chip chip-broadcast">@channel</span> <span class="chip chip-broadcast">@everyone</span>',
    );
    expect(render('<!subteam^S1|@oncall>')).toBe('<span class="chip chip-user">@oncall</span>');
    expect(render('<!date^1700000000^{date}|Nov 14>')).toBe('Nov 14');
  });

  it('escapes a mention label that carries markup', () => {
    expect(render('<@U999|<img src=x>>')).not.toContain('<img');
    expect(render('<#C1|"><b>x</b>>')).not.toMatch(/<b>/);
  });

  it('formats *bold* _italic_ ~strike~, `code` and ```pre```', () => {
    expect(render('*bold* _it_ ~gone~')).toBe('<b>bold</b> <i>it</i> <s>gone</s>');
    expect(render('`a *not bold* <@U1>`')).toBe('<code>a *not bold* &lt;@U1&gt;</code>');
    expect(render('```\nline 1\n<b>&amp;\n```')).toBe('<pre class="code">line 1\n&lt;b&gt;&amp;\n</pre>');
    expect(render('a\nb')).toBe('a<br>b');
    expect(render(':white_check_mark: :no_such_emoji:')).toBe('✅ :no_such_emoji:');
  });

  it('leaves unbalanced or nested markers as text without breaking the markup', () => {
    expect(render('*unclosed and _half')).toBe('*unclosed and _half');
    expect(render('2*3*4')).toBe('2*3*4');
    expect(render('snake_case_name')).toBe('snake_case_name');
    expect(render('* spaced *')).toBe('* spaced *');
    expect(render('*bold _and italic_*')).toBe('<b>bold <i>and italic</i></b>');
    expect(render('`unclosed code')).toBe('`unclosed code');
    expect(render('```unclosed pre')).toBe('```unclosed pre');
    const html = render('*a `b* c` d*');
    expect(tags(html).filter((t) => t === 'b').length).toBeLessThanOrEqual(1);
    expect(html.split('<b>').length).toBe(html.split('</b>').length);
  });

  it('drops the private-use characters it uses as placeholders, so text cannot forge held-aside HTML', () => {
    expect(render('\uE0000\uE001 `x`')).toBe('0 <code>x</code>');
  });

  it('takes anything: null, numbers, no names', () => {
    expect(renderMrkdwn(null)).toBe('');
    expect(renderMrkdwn(42)).toBe('42');
    expect(renderMrkdwn('<@U1>')).toBe('<span class="chip chip-user">@U1</span>');
  });
});
