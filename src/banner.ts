import type { Config } from './config/index.ts';

/**
 * What `npm start` prints once it listens: where everything is, whether the
 * launcher (a simulated EHR) is on, and the demo users to sign in with.
 */
export function startBanner(config: Config, where: string): string {
  const { issuer, fhirBaseUrl, launcher } = config;
  const demo = config.users.filter((u) => u.demo && u.password && !u.disabled);
  const width = Math.max(...demo.map((u) => u.username.length), 8);
  const lines = [
    '',
    `smart-launch is up on ${where}.`,
    '',
    `  Home:        ${issuer}/`,
    launcher.enabled
      ? `  Launcher:    ${issuer}/launcher   (ON: a simulated EHR; launcher.enabled in smart-config/server.json${launcher.simulatedErrors ? ', simulated errors available' : ''})`
      : '  Launcher:    off (launcher.enabled in smart-config/server.json)',
    `  Sample app:  ${issuer}/sample-app/`,
    `  Discovery:   ${issuer}/.well-known/smart-configuration`,
    `  FHIR base:   ${fhirBaseUrl}`,
  ];
  if (demo.length) {
    lines.push('', '  Demo users (smart-config/users.json; plain demo passwords, not for production):');
    for (const u of demo)
      lines.push(`    ${u.username.padEnd(width)}  ${u.password!.padEnd(12)}  ${u.fhirUser ?? ''}${u.roles.includes('launch') ? '  (may use the launcher)' : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
