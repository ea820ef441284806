import { describe, expect, it } from 'vitest';
import { type HtmlValue, html, raw } from './html.js';

describe('html', () => {
  it('escapes & < > " and \' in an interpolated string', () => {
    expect(html`<p>${`&<>"'`}</p>`.toString()).toBe('<p>&amp;&lt;&gt;&quot;&#39;</p>');
  });

  it('escapes an existing entity again rather than trusting it', () => {
    expect(html`${'&amp;'}`.toString()).toBe('&amp;amp;');
  });

  it('leaves other text and the literal parts alone', () => {
    expect(html`<p class="x">${'Grüße, world · 100%'}</p>`.toString()).toBe(
      '<p class="x">Grüße, world · 100%</p>',
    );
  });

  it('renders numbers, including 0, and nothing for null, undefined and false', () => {
    expect(html`${0}|${-1.5}|${null}|${undefined}|${false}|`.toString()).toBe('0|-1.5||||');
  });

  it('escapes each element of an array, nested arrays too, and joins them with nothing', () => {
    const items: HtmlValue = ['<a>', html`<b>`, ['"', null, 3], false];
    expect(html`<p>${items}</p>`.toString()).toBe('<p>&lt;a&gt;<b>&quot;3</p>');
    expect(html`${[]}`.toString()).toBe('');
  });

  it('does not escape nested html a second time', () => {
    const inner = html`<strong>${'a & b'}</strong>`;
    const outer = html`<p>${inner}</p>`;
    expect(html`<div>${outer}</div>`.toString()).toBe('<div><p><strong>a &amp; b</strong></p></div>');
  });

  it('passes raw() markup through unescaped', () => {
    expect(html`<p>${raw('<em>&nbsp;</em>')}</p>`.toString()).toBe('<p><em>&nbsp;</em></p>');
  });

  it('keeps a value inside a quoted attribute', () => {
    const value = `x" onmouseover="alert(1)' onfocus='alert(2)`;
    const tag = html`<input value="${value}"><input value='${value}'>`.toString();
    expect(tag).toBe(
      '<input value="x&quot; onmouseover=&quot;alert(1)&#39; onfocus=&#39;alert(2)">' +
        "<input value='x&quot; onmouseover=&quot;alert(1)&#39; onfocus=&#39;alert(2)'>",
    );
    // Each tag still has exactly one attribute: the value never closed its quotes.
    const inputs = tag.match(/<input\b[^>]*>/g) ?? [];
    expect(inputs).toHaveLength(2);
    for (const input of inputs) expect(input).toMatch(/^<input value=(?:"[^"]*"|'[^']*')>$/);
  });

  it('treats a string that looks like markup as text, whatever its origin', () => {
    const looksSafe = html`<b>`.toString();
    expect(html`${looksSafe}`.toString()).toBe('&lt;b&gt;');
  });

  it('refuses a value it has no rendering for instead of printing it', () => {
    for (const value of [true, {}, Symbol('s')]) {
      expect(() => html`${value as unknown as HtmlValue}`).toThrow(TypeError);
    }
  });
});
