import { describeGrant, revokeGrantAsAdmin } from '../../admin/grants.ts';
import { grantRevocation } from '../../admin/schemas.ts';
import { parseInput } from '../../http/validate.ts';
import { defineCommand } from '../registry.ts';
import { positionals, text } from './options.ts';

export const grantsRevoke = defineCommand({
  name: 'grants revoke',
  summary: "Revoke a grant: the app's refresh and access tokens under it stop working at once, everywhere",
  usage: '<grant-id> --reason <why>',
  options: { reason: { type: 'string' } },
  run: async (ctx, args) => {
    const [id] = positionals(args, 'grant-id');
    const { reason } = parseInput(grantRevocation, { reason: text(args, 'reason') });
    const grant = await revokeGrantAsAdmin(await ctx.db(), ctx.actor, id!, reason);
    ctx.print(describeGrant(grant), `revoked grant ${grant.id} of ${grant.clientId} (${grant.revokedReason})`);
  },
});

export const grantCommands = [grantsRevoke];
