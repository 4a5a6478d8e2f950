import type { Command } from '../registry.ts';
import { clientCommands } from './clients.ts';
import { configCommands } from './config.ts';
import { grantCommands } from './grants.ts';
import { keyCommands } from './keys.ts';
import { launchCommands } from './launches.ts';
import { userCommands } from './users.ts';

/** Every CLI command, in the order help lists them. Add a module's commands here. */
export const COMMANDS: readonly Command[] = [...clientCommands, ...userCommands, ...launchCommands, ...grantCommands, ...keyCommands, ...configCommands];
