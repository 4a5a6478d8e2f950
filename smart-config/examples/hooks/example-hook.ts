// Example issue-tokens hook. Enable it in smart-config/server.json:
//   "hooks": { "module": "examples/hooks/example-hook.ts", "timeoutMs": 200 }
import type { IssueHook } from '../../../src/claims/index.ts';

/** The client whose token response names its regional API. */
const EU_CLIENT_ID = 'eu-analytics';

export const onIssueTokens: IssueHook = (event, api) => {
  const attributes = event.user?.attributes ?? {};

  // A suspended user gets no tokens, refresh included.
  if (attributes.suspended === true) {
    api.deny('user account is suspended');
    return;
  }

  if (typeof attributes.department === 'string') api.accessToken.set('department', attributes.department);

  if (event.client.id === EU_CLIENT_ID) api.tokenResponse.set('api_region', 'eu');
};
