import type { Command } from '@oclif/core';
import Version from './version';

/** The explicit command map oclif loads (package.json `oclif.commands`); also bundled into the executable. */
export const COMMANDS: Record<string, Command.Class> = {
  version: Version,
};
