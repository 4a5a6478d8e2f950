import { listSigningKeys } from '../../store/signing-keys.ts';
import { keyStatus, type KeyPurpose } from '../../tokens/key-schedule.ts';
import { ensureSigningKeys, rotateKeys, rotationPolicy } from '../../tokens/rotation.ts';
import { defineCommand, UsageError } from '../registry.ts';

const PURPOSES: readonly KeyPurpose[] = ['access_token', 'id_token'];
const iso = (date: Date | null) => (date ? date.toISOString() : '-');

export const keysList = defineCommand({
  name: 'keys list',
  summary: 'List signing keys: kid, purpose, alg, status (pending, signing, retiring, retired), activates, retires',
  usage: '[--all]   (--all: retired keys too)',
  options: { all: { type: 'boolean' } },
  run: async (ctx, args) => {
    const now = new Date();
    const keys = await listSigningKeys(await ctx.db(), args.values.all === true ? {} : { publishedAt: now });
    const rows = keys.map((k) => ({
      kid: k.kid,
      purpose: k.purpose,
      alg: k.alg,
      status: keyStatus(k, keys, now),
      createdAt: k.createdAt,
      activatesAt: k.activatesAt,
      retiredAt: k.retiredAt,
    }));
    ctx.print(rows, rows.map((r) => [r.kid, r.purpose, r.alg, r.status, iso(r.activatesAt), iso(r.retiredAt)].join('\t')).join('\n'));
  },
});

export const keysRotate = defineCommand({
  name: 'keys rotate',
  summary: 'Publish new signing keys now; they sign after keys.publishBeforeUseSeconds (running instances see them within seconds)',
  usage: '[--purpose access_token|id_token] [--now]   (--now: sign at once, for a compromised key)',
  options: { purpose: { type: 'string' }, now: { type: 'boolean' } },
  run: async (ctx, args) => {
    const purpose = args.values.purpose;
    if (purpose !== undefined && !PURPOSES.includes(purpose as KeyPurpose))
      throw new UsageError('--purpose must be access_token or id_token');
    const db = await ctx.db();
    // A database no server has started on yet: its first keys, then the rotation.
    await ensureSigningKeys(db);
    const rotated = await rotateKeys(db, rotationPolicy(ctx.config()), {
      ...(purpose ? { purposes: [purpose as KeyPurpose] } : {}),
      ...(args.values.now === true ? { publishBeforeUseSeconds: 0 } : {}),
    });
    ctx.print(
      rotated,
      rotated
        .map((r) => `${r.purpose}: new key ${r.kid} (${r.alg}) signs from ${r.activatesAt.toISOString()}; ` +
          (r.retired.map((o) => `${o.kid} retires ${o.at.toISOString()}`).join(', ') || 'nothing to retire'))
        .join('\n'),
    );
  },
});

export const keyCommands = [keysRotate, keysList];
