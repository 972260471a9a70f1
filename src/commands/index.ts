import type { Command } from '@oclif/core';
import Doctor from './doctor';
import Generate from './generate';
import Harden from './harden';
import Install from './install';
import Status from './status';
import Uninstall from './uninstall';
import Trace from './trace';
import Verify from './verify';
import Version from './version';

/** The explicit command map oclif loads (package.json `oclif.commands`); also bundled into the executable. */
export const COMMANDS: Record<string, Command.Class> = {
  doctor: Doctor,
  generate: Generate,
  harden: Harden,
  install: Install,
  status: Status,
  uninstall: Uninstall,
  trace: Trace,
  verify: Verify,
  version: Version,
};
