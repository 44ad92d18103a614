import { describe, expect, it } from 'vitest';
import { checkTemplate, htmlToText, renderEmailTemplate, renderTemplate, TemplateError, type EmailTemplate } from '../../src/domain/templates';

const template = (overrides: Partial<EmailTemplate> = {}): EmailTemplate => ({
  subject: 'Заказ № {{ orderNumber }} готов к выдаче',
  html: '<p>Здравствуйте, {{ name }}!</p><p>Склад: {{ warehouse }}</p>',
  text: 'Здравствуйте, {{ name }}!\nСклад: {{ warehouse }}',
  ...overrides,
});

describe('renderEmailTemplate', () => {
  it('renders Cyrillic templates with Cyrillic data into subject, HTML and text', async () => {
    const mail = await renderEmailTemplate(template(), {
      orderNumber: 'ЗК-000123',
      name: 'Иван Петров',
      warehouse: 'Склад на Складской, 5',
    });
    expect(mail).toEqual({
      subject: 'Заказ № ЗК-000123 готов к выдаче',
      html: '<p>Здравствуйте, Иван Петров!</p><p>Склад: Склад на Складской, 5</p>',
      text: 'Здравствуйте, Иван Петров!\nСклад: Склад на Складской, 5',
    });
  });

  it('escapes markup from data in the HTML body but keeps it verbatim in the text body', async () => {
    const mail = await renderEmailTemplate(template(), { name: '<script>alert(1)</script>', warehouse: 'A & B' });
    expect(mail.html).toBe('<p>Здравствуйте, &lt;script&gt;alert(1)&lt;/script&gt;!</p><p>Склад: A &amp; B</p>');
    expect(mail.html).not.toContain('<script>');
    expect(mail.text).toBe('Здравствуйте, <script>alert(1)</script>!\nСклад: A & B');
  });

  it('keeps the markup the template itself writes in the HTML body', async () => {
    const mail = await renderEmailTemplate(template({ html: '<b>{{ name }}</b>' }), { name: 'Анна' });
    expect(mail.html).toBe('<b>Анна</b>');
  });

  it.each([
    ['CR LF', 'ЗК-1\r\nBcc: x@y'],
    ['LF', 'ЗК-1\nBcc: x@y'],
    ['CR', 'ЗК-1\rBcc: x@y'],
  ])('flattens a subject to one line when data holds %s, so data cannot add a header', async (_name, orderNumber) => {
    const mail = await renderEmailTemplate(template(), { orderNumber, name: 'x', warehouse: 'y' });
    expect(mail.subject).toBe('Заказ № ЗК-1 Bcc: x@y готов к выдаче');
    expect(mail.subject).not.toMatch(/[\r\n]/);
  });

  it('trims line breaks at the edges of the subject', async () => {
    const mail = await renderEmailTemplate(template({ subject: '{{ s }}' }), { s: '\r\nПривет\r\n' });
    expect(mail.subject).toBe('Привет');
  });

  it('derives the text body from the HTML when the template has no text version', async () => {
    const mail = await renderEmailTemplate(
      template({
        text: null,
        html: '<h1>Заказ {{ orderNumber }}</h1><p>Здравствуйте, {{ name }}!</p><p>С уважением,<br>{{ company }}</p>',
      }),
      { orderNumber: 'ЗК-7', name: 'Иван', company: 'Демо' },
    );
    expect(mail.html).toContain('<h1>Заказ ЗК-7</h1>');
    expect(mail.text).toBe('Заказ ЗК-7\nЗдравствуйте, Иван!\nС уважением,\nДемо');
    expect(mail.text).toBe(htmlToText(mail.html!));
  });

  it.each([
    ['an ampersand', 'Рога & Копыта'],
    ['angle brackets', 'a <b> c'],
    ["an apostrophe", "O'Brien"],
    ['straight double quotes', 'ООО "Ромашка"'],
  ])('shows data with %s as written in the derived text body', async (_name, company) => {
    const mail = await renderEmailTemplate(template({ text: null, html: '<p>{{ company }}</p>' }), { company });
    expect(mail.html).not.toContain(company);
    expect(mail.text).toBe(company);
  });

  it('renders an empty text body when the template has neither text nor HTML', async () => {
    const mail = await renderEmailTemplate(template({ html: null, text: null }), { orderNumber: '1' });
    expect(mail).toEqual({ subject: 'Заказ № 1 готов к выдаче', html: null, text: '' });
  });

  it.each([
    ['subject', { subject: 'Заказ {{ orderNumber | shout }}' }],
    ['HTML', { html: '<p>{{ name | shout }}</p>' }],
    ['text', { text: '{{ name | shout }}' }],
  ])('refuses a %s template that uses an unknown filter', async (_part, overrides) => {
    await expect(renderEmailTemplate(template(overrides), { orderNumber: '1', name: 'x' })).rejects.toThrow(/shout/);
  });
});

describe('htmlToText', () => {
  it('turns block ends and <br> into line breaks, drops tags and decodes entities', () => {
    expect(htmlToText('<div>a&nbsp;b</div><ul><li>one</li><li>two</li></ul><p>x &lt;y&gt; &amp;amp;</p>')).toBe(
      'a b\none\ntwo\nx <y> &amp;',
    );
  });

  it('keeps at most one empty line and trims', () => {
    expect(htmlToText('\n<p>a</p><br><br><br><br><p>b</p>  \n')).toBe('a\n\nb');
  });
});

describe('templates are sandboxed', () => {
  it.each([
    ["{% include 'package.json' %}"],
    ["{% render 'data/secrets.key' %}"],
    ["{% layout 'drizzle.config.ts' %}x"],
  ])('refuses to read a file of the server: %s', async (source) => {
    await expect(checkTemplate(source, 'text', {})).rejects.toBeInstanceOf(TemplateError);
    await expect(renderTemplate(source, 'text', {})).rejects.toBeInstanceOf(TemplateError);
  });

  it('stops a template that would render for ever', async () => {
    await expect(renderTemplate('{% for i in (1..100000000) %}{{ i }}{% endfor %}', 'text', {})).rejects.toBeInstanceOf(TemplateError);
  });
});
