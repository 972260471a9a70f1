import type { Command } from '@oclif/core';
import Doctor from './doctor';
import Install from './install';
import Uninstall from './uninstall';
import Version from './version';

/** The explicit command map oclif loads (package.json `oclif.commands`); also bundled into the executable. */
export const COMMANDS: Record<string, Command.Class> = {
  doctor: Doctor,
  install: Install,
  uninstall: Uninstall,
  version: Version,
};
