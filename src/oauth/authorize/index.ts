/**
 * The authorization endpoint and the interaction it starts (SMART App Launch,
 * RFC 6749 §4.1): /authorize, then /interaction's steps (sign-in, patient and
 * encounter pickers, consent), then the redirect back to the app.
 */
export { authorizeRouter } from './router.ts';
export { interactionRouter } from './interaction-router.ts';
