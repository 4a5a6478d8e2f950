import { createFhirServer } from '../../fhir/index.ts';
import { registerLaunch } from '../../launches/register.ts';
import { listClients } from '../../store/clients.ts';
import { defineCommand, UsageError } from '../registry.ts';
import { integer, positionals, text } from './options.ts';

export const launchesCreate = defineCommand({
  name: 'launches create',
  summary: 'Register an EHR launch (as POST /launches does) and print the URL that starts the app',
  usage:
    '--client <app id> [--patient <id>] [--encounter <id>] [--fhir-user Practitioner/<id>] [--intent <text>] [--expires-in <seconds>] ' +
    '[--registrar <client id>, default: the first launch-registrar client]',
  options: {
    client: { type: 'string' },
    patient: { type: 'string' },
    encounter: { type: 'string' },
    'fhir-user': { type: 'string' },
    intent: { type: 'string' },
    'expires-in': { type: 'string' },
    registrar: { type: 'string' },
  },
  run: async (ctx, args) => {
    positionals(args);
    const config = ctx.config();
    const db = await ctx.db();
    const registration = {
      client_id: text(args, 'client'),
      patient: text(args, 'patient'),
      encounter: text(args, 'encounter'),
      fhirUser: text(args, 'fhir-user'),
      intent: text(args, 'intent'),
      expires_in: integer(args, 'expires-in'),
    };
    const registrar = text(args, 'registrar') ?? (await listClients(db, { limit: 1 }, { role: 'launch-registrar', disabled: false })).items[0]?.id;
    if (!registrar) throw new UsageError('no client with the launch-registrar role: name one with --registrar');
    const { dataSource: fhir } = createFhirServer({
      ...(config.fhirUpstreamUrl ? { upstreamUrl: config.fhirUpstreamUrl } : {}),
      timeoutMs: config.fhirUpstreamTimeoutMs,
      fhirBaseUrl: config.fhirBaseUrl,
      upstreamAuth: config.fhirUpstreamAuth,
    });
    const { launch, expiresAt, launchUrl } = await registerLaunch({ db, fhir, config }, { registrar: { id: registrar }, registration, via: 'cli' });
    ctx.print(
      { launch, expires_at: expiresAt.toISOString(), ...(launchUrl ? { launch_url: launchUrl } : {}) },
      launchUrl ?? `launch ${launch} (the app has no launch URI; hand it this launch value), expires ${expiresAt.toISOString()}`,
    );
  },
});

export const launchCommands = [launchesCreate];
