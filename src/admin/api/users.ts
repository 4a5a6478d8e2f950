import { listUsers } from '../../store/users.ts';
import { route } from '../routes.ts';
import { idParams, passwordReset, userCreate, userListQuery, userPatch, userView, userWithPassword } from '../schemas.ts';
import { createUser, describeUser, requireUser, resetPassword, setUserDisabled, unlockUser, updateUser } from '../users.ts';
import { pagedListRoute } from '../paged-list.ts';
import { z } from 'zod';

const tag = 'users';
const generatedPassword = z.object({ password: z.string().optional().meta({ description: 'The generated password, shown only here' }) });

export const userRoutes = [
  pagedListRoute({
    path: '/users', tag, summary: 'List users (by id, paged)',
    query: userListQuery,
    item: userView, description: 'A page of users',
    list: listUsers, describe: describeUser,
  }),
  route({
    method: 'post', path: '/users', tag, summary: 'Create a user (without a password, one is generated and shown once)',
    body: userCreate,
    responses: { 201: { description: 'Created', schema: userWithPassword }, 409: { description: 'The id or username is taken' } },
    handle: async ({ deps, actor, body }) => {
      const { user, password } = await createUser(deps.db, actor, body);
      return { status: 201, body: { user: describeUser(user), ...(password ? { password } : {}) } };
    },
  }),
  route({
    method: 'get', path: '/users/:id', tag, summary: 'Read a user',
    params: idParams,
    responses: { 200: { description: 'The user', schema: userView } },
    handle: async ({ deps, params }) => ({ status: 200, body: describeUser(await requireUser(deps.db, params.id)) }),
  }),
  route({
    method: 'patch', path: '/users/:id', tag, summary: 'Change attributes (merge patch; claim rules read them) or the FHIR identity',
    params: idParams,
    body: userPatch,
    responses: { 200: { description: 'The changed user', schema: userView } },
    handle: async ({ deps, actor, params, body }) => ({ status: 200, body: describeUser(await updateUser(deps.db, actor, params.id, body)) }),
  }),
  route({
    method: 'post', path: '/users/:id/reset-password', tag, summary: 'Set a new password (given, or generated and shown once); lifts a sign-in lock',
    params: idParams,
    body: passwordReset,
    responses: { 200: { description: 'Done', schema: generatedPassword } },
    handle: async ({ deps, actor, params, body }) => ({ status: 200, body: await resetPassword(deps.db, actor, params.id, body.password) }),
  }),
  route({
    method: 'post', path: '/users/:id/disable', tag, summary: 'Disable a user: no sign-in, and their tokens introspect inactive',
    params: idParams,
    responses: { 200: { description: 'The disabled user', schema: userView } },
    handle: async ({ deps, actor, params }) => ({ status: 200, body: describeUser(await setUserDisabled(deps.db, actor, params.id, true)) }),
  }),
  route({
    method: 'post', path: '/users/:id/enable', tag, summary: 'Enable a disabled user',
    params: idParams,
    responses: { 200: { description: 'The enabled user', schema: userView } },
    handle: async ({ deps, actor, params }) => ({ status: 200, body: describeUser(await setUserDisabled(deps.db, actor, params.id, false)) }),
  }),
  route({
    method: 'post', path: '/users/:id/unlock', tag, summary: 'Lift the sign-in lock set by repeated failures',
    params: idParams,
    responses: { 200: { description: 'The user', schema: userView } },
    handle: async ({ deps, actor, params }) => ({ status: 200, body: describeUser(await unlockUser(deps.db, actor, params.id)) }),
  }),
];
