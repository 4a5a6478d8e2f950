import { Router } from 'express';
import type { AppDeps } from '../deps.ts';
import { html, page } from './html.ts';

/**
 * The home page at /: what this service is, its issuer and FHIR base, and
 * where to go next. HTML for browsers, JSON for `Accept: application/json`.
 */
export function homeRouter(deps: AppDeps): Router {
  const router = Router();
  router.get('/', (req, res) => {
    const about = describeService(deps);
    if (req.accepts(['html', 'json']) === 'json') return res.json(about);
    res.type('html').send(homePage(about));
  });
  return router;
}

interface About {
  service: 'smart-launch';
  description: string;
  issuer: string;
  fhirBaseUrl: string;
  launcher: boolean;
  links: Record<string, string>;
}

function describeService(deps: AppDeps): About {
  const { issuer, fhirBaseUrl, launcher } = deps.config;
  return {
    service: 'smart-launch',
    description: 'A SMART on FHIR (App Launch 2.2) authorization service: EHR and standalone launch, backend services, launch context in every token.',
    issuer,
    fhirBaseUrl,
    launcher: launcher.enabled,
    links: {
      ...(launcher.enabled ? { launcher: `${issuer}/launcher` } : {}),
      sampleApp: `${issuer}/sample-app/`,
      smartConfiguration: `${issuer}/.well-known/smart-configuration`,
      openidConfiguration: `${issuer}/.well-known/openid-configuration`,
      jwks: `${issuer}/jwks`,
      health: `${issuer}/health`,
      docs: `${issuer}/README.md`,
    },
  };
}

function homePage(about: About): string {
  const { links } = about;
  return page(
    'Home',
    html`<h1>smart-launch</h1>
      <p>${about.description}</p>
      <div class="card">
        <table id="endpoints">
          <tr><th>Issuer</th><td><code id="issuer">${about.issuer}</code></td></tr>
          <tr><th>FHIR base (<code>iss</code>, <code>aud</code>)</th><td><code id="fhir-base">${about.fhirBaseUrl}</code></td></tr>
        </table>
      </div>
      <h2>Try it</h2>
      <ul>
        ${links.launcher
          ? html`<li><a id="launcher-link" href="/launcher">Launcher</a>: a simulated EHR. Sign in, pick an app, a patient and the
              context, and launch the app as the EHR would.</li>`
          : html`<li class="muted">The launcher (a simulated EHR) is off: <code>launcher.enabled</code> in smart-config/server.json.</li>`}
        <li><a id="sample-app-link" href="/sample-app/">Sample app</a>: a SMART app in the browser (public client, PKCE); start a standalone launch there.</li>
      </ul>
      <h2>For app developers</h2>
      <ul>
        <li><a href="${links.smartConfiguration}">SMART configuration</a> (discovery, on the FHIR base and on the issuer)</li>
        <li><a href="/.well-known/openid-configuration">OpenID configuration</a> · <a href="/jwks">JWKS</a> · <a href="/health">Health</a></li>
        <li><a id="docs-link" href="/README.md">Documentation</a> (the README: endpoints, configuration, tokens, claim rules)</li>
      </ul>
      <p class="muted">Clients, users and claim rules are configured in <code>smart-config/</code>.</p>`,
  );
}
