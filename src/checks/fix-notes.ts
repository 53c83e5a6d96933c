/**
 * Lines printed among a fix's commands that are not commands of their own, as shell comments, so
 * the sequence still runs as printed and a reader sees what else must happen, or what a command
 * only buys.
 */

/** A step no command can take (a change to the app's code). */
export function note(text: string): string {
  return `# ${text.replace(/[\r\n]+/g, ' ')}`;
}

/** Commands that only buy time, each labelled so on its own line (a trailing shell comment). */
export function stopgap(commands: string[], why: string): string[] {
  return commands.map((c) => `${c}  # stopgap: ${why.replace(/[\r\n]+/g, ' ')}`);
}
