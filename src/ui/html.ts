import escapeHtml from 'escape-html';

/** Markup that is already safe: produced by the `html` tag, never by user input. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Interpolation = SafeHtml | string | number | boolean | null | undefined | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/**
 * Tagged template that escapes every interpolated value unless it is SafeHtml.
 *
 * @example
 *   html`<p>Hello ${user.name}</p>` // user.name is escaped
 */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

const STYLE = `
  body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1d2330;line-height:1.45}
  h1{font-size:1.4rem} .card{border:1px solid #d5dae3;border-radius:8px;padding:1rem 1.25rem;margin:1rem 0}
  button{font-size:1rem;padding:.5rem 1.1rem;border-radius:6px;border:1px solid #3a5bd9;background:#3a5bd9;color:#fff;cursor:pointer}
  button.secondary{background:#fff;color:#3a5bd9} .error{color:#a4161a} .muted{color:#5b6475;font-size:.9rem}
  code{background:#f1f3f7;padding:0 .25rem;border-radius:4px;font-size:.9em;word-break:break-all} a{color:#2c49b8}
  table{border-collapse:collapse;width:100%} td,th{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e6e9ef}
  label{display:block;margin:.4rem 0} input[type=text],input[type=password],input[type=search],select{font-size:1rem;padding:.35rem;width:100%;box-sizing:border-box}
`;

/** The page layout shared by sign-in, pickers, consent and error pages; `wide` for full-width pages (the EHR frame). */
export function page(title: string, body: SafeHtml, options: { wide?: boolean } = {}): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · smart-launch</title><style>${new SafeHtml(STYLE)}</style></head>
<body${options.wide ? new SafeHtml(' class="wide"') : ''}><main>${body}</main></body></html>`.value;
}
