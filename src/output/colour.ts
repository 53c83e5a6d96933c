/** ANSI colour, applied only when RenderOptions.color says so (a TTY without NO_COLOR/--no-color). */
const codes = { red: 31, green: 32, yellow: 33, blue: 34, grey: 90, bold: 1 } as const;
export type Colour = keyof typeof codes;

export function paint(enabled: boolean, colour: Colour, text: string): string {
  return enabled ? `\u001b[${codes[colour]}m${text}\u001b[0m` : text;
}

/** The colour conventions of every table: fail/error red, warn yellow, pass green, skip grey. */
export function statusColour(status: string): Colour {
  switch (status) {
    case 'fail':
    case 'error':
    case 'failing':
    case 'unauthenticated':
      return 'red';
    case 'warn':
    case 'warning':
    case 'degraded':
    case 'forbidden':
      return 'yellow';
    case 'pass':
    case 'ok':
    case 'healthy':
    case 'authenticated':
    case 'verified':
      return 'green';
    default:
      return 'grey';
  }
}
