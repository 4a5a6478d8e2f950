import type { RequestListener } from 'node:http';
import type { AppDeps } from './deps.ts';
import path from 'node:path';
import express, { type Express } from 'express';
import helmet from 'helmet';
import cookieParser from 'cookie-parser';
import type { Logger } from 'pino';
import type { IssueHook } from './claims/index.ts';
import type { Config } from './config/index.ts';
import { databaseIsHealthy, type Db } from './db/index.ts';
import { DATABASE_RETRY_AFTER_SECONDS } from './db/errors.ts';
import type { FhirBackend, FhirDataSource } from './fhir/index.ts';
import { fhirApiRouter } from './fhir-api/index.ts';
import { rejectBadBytes } from './http/clean-input.ts';
import { canonicalLoopbackHost } from './http/canonical-host.ts';
import { errorHandler, notFound } from './http/error-handler.ts';
import { withHotRoutes } from './http/hot-routes.ts';
import { requestLogger } from './http/logging.ts';
import { adminRouter } from './admin/index.ts';
import { httpMetrics, metricsRouter, type Metrics } from './metrics/index.ts';
import { accountRouter } from './account/router.ts';
import { launchesRouter } from './launches/router.ts';
import { authorizeRouter, interactionRouter } from './oauth/authorize/index.ts';
import { discoveryRouter } from './oauth/discovery/index.ts';
import { registrationRouter } from './oauth/registration/router.ts';
import { INTROSPECT_FORM, introspectionFromCache, introspectionRouter } from './oauth/introspect.ts';
import { revocationRouter } from './oauth/revoke.ts';
import { userinfoRouter } from './oauth/userinfo.ts';
import { TOKEN_FORM, tokenRouter, tokenWithoutExpress, type TokenOptions } from './oauth/token.ts';
import { homeRouter } from './ui/home.ts';
import { launcherRouter } from './sandbox/launcher/router.ts';
import { simulatedErrorsRouter, simulatedTokenErrors } from './sandbox/simulated-errors.ts';
import { smartStyleRouter } from './style/index.ts';
import type { KeyRing } from './tokens/keys.ts';
import type { AuditBatch } from './store/audit.ts';
import type { Throttles } from './throttle/index.ts';


/** The one set of security headers, on every response (the hot routes too). */
function securityHeaders(issuer: string) {
  return helmet({
    contentSecurityPolicy: {
      directives: {
        // Our pages post forms to ourselves; the consent form's redirect goes to the app.
        'form-action': null,
        'script-src': ["'self'"],
        // Over plain http (a developer's localhost) it would send the launcher's EHR frame to https.
        'upgrade-insecure-requests': issuer.startsWith('https:') ? [] : null,
      },
    },
    // Discovery and JWKS are read cross-origin by browser apps.
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    // HSTS only means something over https; over plain http it would pin localhost for a year.
    strictTransportSecurity: issuer.startsWith('https:') ? { maxAge: 31_536_000, includeSubDomains: false } : false,
  });
}

/** The server's request listener: the app, with POST /token and /introspect routed before express (src/http/hot-routes.ts). */
export function createRequestListener(deps: AppDeps, app = createApp(deps)): RequestListener {
  const routes = new Map([
    ['/token', { router: tokenRouter(deps, tokenOptions(deps)), direct: tokenWithoutExpress(deps, tokenOptions(deps)), ...TOKEN_FORM }],
    ['/introspect', { router: introspectionRouter(deps), cached: introspectionFromCache(deps), ...INTROSPECT_FORM }],
  ]);
  // The same request logging and metrics as every route gets from app.use above.
  return withHotRoutes({ app, routes, before: [requestLogger(deps.logger), httpMetrics(deps.metrics), rejectBadBytes], securityHeaders: securityHeaders(deps.config.issuer), logger: deps.logger, metrics: deps.metrics });
}

/** Sandbox mode: the errors an app tester asked the launcher for, inside the token endpoint (with express or without). */
const tokenOptions = (deps: AppDeps): TokenOptions => ({ beforeGrant: deps.config.launcher.simulatedErrors ? simulatedTokenErrors(deps) : undefined });

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // express hashes every body it sends (SHA-1) for a weak ETag; our answers are no-store tokens and
  // pages nobody revalidates (profiled: a tenth of an introspection's CPU went to hashing). The FHIR
  // API sets its own version ETags; static files keep serve-static's.
  app.set('etag', false);
  // server.trustProxy decides what the client address (req.ip) is: the TCP peer unless told otherwise.
  app.set('trust proxy', deps.config.trustProxy);
  app.use(requestLogger(deps.logger));
  app.use(httpMetrics(deps.metrics));
  app.use(canonicalLoopbackHost(deps.config.issuer));
  app.use(securityHeaders(deps.config.issuer));
  app.use(rejectBadBytes);
  app.use(cookieParser());

  app.get('/health', async (_req, res) => {
    const ok = await databaseIsHealthy(deps.db);
    if (!ok) res.setHeader('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', database: ok ? 'ok' : 'unreachable' });
  });
  app.use(homeRouter(deps));
  // Sandbox mode: errors an app tester asked the launcher for, before the real endpoints.
  if (deps.config.launcher.simulatedErrors) app.use(simulatedErrorsRouter(deps));
  // The documentation the home page links to: the README, as plain text.
  app.get('/README.md', (_req, res) => res.type('text/plain; charset=utf-8').sendFile(path.resolve('README.md')));
  app.use(discoveryRouter(deps));
  app.use(smartStyleRouter(deps.config));
  app.use(authorizeRouter(deps));
  app.use(interactionRouter(deps));
  app.use(tokenRouter(deps, tokenOptions(deps)));
  app.use(introspectionRouter(deps));
  app.use(revocationRouter(deps));
  app.use(userinfoRouter(deps));
  app.use(launchesRouter(deps));
  if (deps.config.launcher.enabled) app.use(launcherRouter(deps));
  app.use('/admin', adminRouter(deps));
  app.use(registrationRouter(deps));
  app.use(metricsRouter(deps));
  app.use(accountRouter(deps));
  app.use(fhirApiRouter(deps));
  // The sample SMART app (public/sample-app/), served on the service's origin.
  app.use(express.static(path.resolve('public'), { index: 'index.html' }));

  app.use(notFound);
  app.use(errorHandler);
  return app;
}
