import { loadIssueHook } from '../../claims/index.ts';
import { defineCommand } from '../registry.ts';
import { positionals } from './options.ts';

export const configCheck = defineCommand({
  name: 'config check',
  summary: 'Validate smart-config/ (SMART_CONFIG_DIR) and the environment without starting anything',
  run: async (ctx, args) => {
    positionals(args);
    const config = ctx.config();
    // The claims hook is a module of code: check that it loads and exports onIssueTokens, as start would.
    if (config.hooks) await loadIssueHook(config.hooks.modulePath);
    const demo = config.users.filter((u) => u.password).length + config.clients.filter((c) => c.secret?.startsWith('DEMO-ONLY')).length;
    ctx.print(
      {
        ok: true,
        configDir: config.configDir,
        issuer: config.issuer,
        clients: config.clients.length,
        users: config.users.length,
        claimRules: config.claimRules.length,
        registration: config.registration.enabled ? config.registration.access : 'off',
      },
      [
        `${config.configDir}: valid`,
        `  issuer ${config.issuer}, ${config.clients.length} clients, ${config.users.length} users, ${config.claimRules.length} claim rules`,
        `  dynamic client registration: ${config.registration.enabled ? config.registration.access : 'off'}`,
        ...(demo ? [`  warning: ${demo} demo secrets or passwords (DEMO-ONLY): not for production`] : []),
      ].join('\n'),
    );
  },
});

export const configCommands = [configCheck];
