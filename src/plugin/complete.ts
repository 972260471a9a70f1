import type { Command } from '@oclif/core';

/** cobra's ShellCompDirectiveNoFileComp: the shell should not fall back to file names. */
const NO_FILE_COMP = 4;

/**
 * Answers `docker __complete coredata …` in cobra's format: one candidate per line (`name\tdescription`),
 * then `:<directive>`. Completes command names and the flags of a known command.
 */
export function complete(words: readonly string[], commands: Record<string, Command.Class>): string {
  const current = words.at(-1) ?? '';
  const before = words.slice(0, -1);
  const lines: string[] = [];
  const cmdName = before.find((w) => !w.startsWith('-'));
  if (cmdName === undefined) {
    for (const [id, cmd] of Object.entries(commands).sort(([a], [b]) => a.localeCompare(b))) {
      if (cmd.hidden || !id.startsWith(current)) continue;
      lines.push(`${id}\t${firstLine(cmd.summary ?? cmd.description)}`);
    }
  } else if (current.startsWith('-')) {
    const cmd = commands[cmdName];
    for (const [name, flag] of Object.entries(cmd?.flags ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
      const long = `--${name}`;
      if (long.startsWith(current)) lines.push(`${long}\t${firstLine(flag.description)}`);
    }
  }
  return `${lines.join('\n')}${lines.length > 0 ? '\n' : ''}:${NO_FILE_COMP}\n`;
}

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0] ?? '';
}
