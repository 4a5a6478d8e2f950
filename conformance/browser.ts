import { parse, type HTMLElement } from 'node-html-parser';

/** A form as a person would submit it: its fields (hidden, text, ticked boxes), and the buttons one may press. */
export interface PageForm {
  action: string;
  method: 'GET' | 'POST';
  fields: Array<[string, string]>;
  buttons: Array<{ name: string; value: string; text: string }>;
  hasPassword: boolean;
  element: HTMLElement;
}

/** What the user does on a page: the fields to send and the button pressed; undefined = the default choice. */
export type PageChoice = (page: { url: URL; html: string; forms: PageForm[] }) => { form: PageForm; fields: Array<[string, string]> } | undefined;

export interface SignInOptions {
  username?: string;
  password?: string;
  /** Overrides the default choice on a page (consent with fewer scopes, a given patient...). */
  choose?: PageChoice;
  /** Stop when a redirect goes here (the app's redirect_uri); default: any redirect off the authorization server. */
  redirectUri?: string;
}

/** The server answered a page of the flow with an error status instead of going on. */
export class ErrorPage extends Error {
  constructor(readonly status: number, readonly path: string, readonly body: string) {
    super(`${path} answered ${status}: ${body.slice(0, 300)}`);
  }
}

const REFUSE = /^(deny|cancel|search|back|logout|sign out)$/i;

/**
 * A minimal browser for an authorization server's pages: keeps cookies, follows
 * its redirects, signs in on a page with a password field, and otherwise presses
 * the first button that is not a refusal (Allow, Select, Continue). Returns the
 * redirect back to the app. Works with any server whose pages are plain HTML forms.
 */
export class FormBrowser {
  private readonly cookies = new Map<string, string>();

  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const cookie of res.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (!value || /max-age=0|expires=thu, 01 jan 1970/i.test(cookie)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /** From an authorization URL through sign-in, pickers and consent to the redirect back to the app. */
  async authorize(authorizationUrl: string | URL, options: SignInOptions = {}): Promise<URL> {
    const start = new URL(authorizationUrl);
    let res = await this.fetch(start);
    let url = start;
    for (let hops = 0; hops < 20; hops++) {
      if (res.status >= 300 && res.status < 400) {
        const location = new URL(res.headers.get('location') ?? '', url);
        const leaves = options.redirectUri ? location.href.startsWith(options.redirectUri) : location.origin !== start.origin;
        if (leaves) return location;
        url = location;
        res = await this.fetch(url);
        continue;
      }
      const html = await res.text();
      if (res.status !== 200) throw new ErrorPage(res.status, url.pathname, html);
      const forms = readForms(html);
      const choice = options.choose?.({ url, html, forms }) ?? defaultChoice(forms, options);
      if (!choice) throw new Error(`no form to submit at ${url.pathname}`);
      const target = new URL(choice.form.action || url.href, url);
      const body = new URLSearchParams(choice.fields);
      res =
        choice.form.method === 'GET'
          ? await this.fetch(new URL(`${target.origin}${target.pathname}?${body}`))
          : await this.fetch(target, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      url = target;
    }
    throw new Error('too many steps before the redirect back to the app');
  }
}

function defaultChoice(forms: PageForm[], options: SignInOptions): { form: PageForm; fields: Array<[string, string]> } | undefined {
  const login = forms.find((f) => f.hasPassword);
  if (login) {
    if (options.username === undefined || options.password === undefined) throw new Error('the server asks for a sign-in: give a user');
    const userField = login.element.querySelectorAll('input').find((i) => /^(text|email)?$/i.test(i.getAttribute('type') ?? ''))?.getAttribute('name');
    const passField = login.element.querySelector('input[type=password]')?.getAttribute('name');
    const fields = login.fields.filter(([k]) => k !== userField && k !== passField);
    return { form: login, fields: [...fields, [userField ?? 'username', options.username], [passField ?? 'password', options.password], ...pressed(login)] };
  }
  for (const form of forms.filter((f) => f.method === 'POST')) {
    const button = form.buttons.find((b) => !REFUSE.test(b.text) && !REFUSE.test(b.value));
    if (button) return { form, fields: [...form.fields, ...(button.name ? [[button.name, button.value] as [string, string]] : [])] };
  }
  return undefined;
}

const pressed = (form: PageForm): Array<[string, string]> => {
  const button = form.buttons[0];
  return button?.name ? [[button.name, button.value]] : [];
};

/** Every form of a page, read as a browser would submit it (checked boxes and radios, selected options). */
export function readForms(html: string): PageForm[] {
  return parse(html)
    .querySelectorAll('form')
    .map((element) => {
      const fields: Array<[string, string]> = [];
      let hasPassword = false;
      for (const input of element.querySelectorAll('input')) {
        const name = input.getAttribute('name');
        const type = (input.getAttribute('type') ?? 'text').toLowerCase();
        if (type === 'password') hasPassword = true;
        if (!name || type === 'submit' || type === 'button') continue;
        if ((type === 'checkbox' || type === 'radio') && !input.hasAttribute('checked')) continue;
        fields.push([name, input.getAttribute('value') ?? (type === 'checkbox' ? 'on' : '')]);
      }
      for (const select of element.querySelectorAll('select')) {
        const option = select.querySelector('option[selected]') ?? select.querySelector('option');
        if (select.getAttribute('name') && option) fields.push([select.getAttribute('name')!, option.getAttribute('value') ?? option.text]);
      }
      const buttons = [...element.querySelectorAll('button'), ...element.querySelectorAll('input[type=submit]')]
        .filter((b) => (b.getAttribute('type') ?? 'submit').toLowerCase() === 'submit')
        .map((b) => ({ name: b.getAttribute('name') ?? '', value: b.getAttribute('value') ?? '', text: b.text.trim() || (b.getAttribute('value') ?? '') }));
      const method = (element.getAttribute('method') ?? 'get').toUpperCase() === 'POST' ? 'POST' : 'GET';
      return { action: element.getAttribute('action') ?? '', method, fields, buttons, hasPassword, element } as PageForm;
    });
}
