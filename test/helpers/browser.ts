import { parse, type HTMLElement } from 'node-html-parser';

/**
 * A minimal browser for HTTP tests of the server-rendered pages: keeps cookies,
 * does not follow redirects by itself, and reads forms as a browser would.
 */
export class TestBrowser {
  readonly cookies = new Map<string, string>();
  constructor(readonly baseUrl: string) {}

  async request(method: 'GET' | 'POST', url: string, form?: Record<string, string | string[]>): Promise<Response> {
    const target = new URL(url, this.baseUrl);
    const headers: Record<string, string> = {};
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    // Browsers send Origin on every POST.
    if (method === 'POST') headers.origin = target.origin;
    let body: string | undefined;
    if (form) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(form)) for (const value of [v].flat()) params.append(k, value);
      body = params.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await this.send(method, target, headers, body);
    for (const cookie of res.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(cookie)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /** How a request goes out: fetch, without following redirects. Subclasses may send differently. */
  protected send(method: string, target: URL, headers: Record<string, string>, body: string | undefined): Promise<Response> {
    return fetch(target, { method, headers, body, redirect: 'manual' });
  }

  get(url: string) {
    return this.request('GET', url);
  }

  post(url: string, form: Record<string, string | string[]>) {
    return this.request('POST', url, form);
  }

  /**
   * Follows same-server redirects until a page (2xx/4xx/5xx) or a redirect that leaves the server
   * (or reaches `stopAt`: an app's redirect_uri served by this server, like the sample app's).
   */
  async follow(res: Response, stopAt?: string): Promise<{ res: Response; url: string; leftTo?: string }> {
    let current = res;
    let url = res.url;
    for (let hops = 0; hops < 10; hops++) {
      if (current.status < 300 || current.status >= 400) return { res: current, url };
      const location = new URL(current.headers.get('location')!, url || this.baseUrl);
      if (location.origin !== new URL(this.baseUrl).origin || (stopAt && location.href.startsWith(stopAt)))
        return { res: current, url, leftTo: location.toString() };
      url = location.toString();
      current = await this.get(url);
    }
    throw new Error('too many redirects');
  }
}

export interface ParsedForm {
  action: string;
  method: string;
  fields: Record<string, string | string[]>;
  checkboxes: string[];
  root: HTMLElement;
}

/** Reads the first form (or the one matching `selector`) of a page: hidden and text fields, ticked checkboxes. */
export function readForm(htmlText: string, selector = 'form'): ParsedForm {
  const root = parse(htmlText);
  const form = root.querySelector(selector);
  if (!form) throw new Error(`no form "${selector}" in page:\n${htmlText.slice(0, 500)}`);
  const fields: Record<string, string | string[]> = {};
  const checkboxes: string[] = [];
  for (const input of form.querySelectorAll('input')) {
    const name = input.getAttribute('name');
    if (!name) continue;
    const type = (input.getAttribute('type') ?? 'text').toLowerCase();
    const value = input.getAttribute('value') ?? '';
    if (type === 'checkbox' || type === 'radio') {
      if (type === 'checkbox') checkboxes.push(value);
      if (input.hasAttribute('checked')) fields[name] = [...[fields[name] ?? []].flat(), value];
    } else if (type !== 'submit') {
      fields[name] = value;
    }
  }
  return { action: form.getAttribute('action') ?? '', method: (form.getAttribute('method') ?? 'get').toUpperCase(), fields, checkboxes, root };
}
