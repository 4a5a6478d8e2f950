import { COMMANDS } from './commands/index.ts';
import { runCli } from './registry.ts';

// `npx smart-launch <command>` (bin/smart-launch.js starts this on Node 24).
process.exitCode = await runCli(COMMANDS, process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
