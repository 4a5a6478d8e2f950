// The admin API (router, OpenAPI document), the actions the CLI shares with it,
// and the admin-client check for any operator route (/metrics).
export { adminRouter, adminRoutes } from './router.ts';
export { requireAdminClient, adminClientOf } from './auth.ts';
export { cliActor, type Actor } from './actor.ts';
