/**
 * A token is a secret. Renderers never put one into a result's text; this is the safety net the
 * cli applies to everything it writes: any string that looks like a signed JWT (three base64url
 * segments, the first a JSON header) has its signature replaced, unless the user asked to see it
 * (`decode --show-token`, `mint`'s token output).
 */
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]{8,}/g;

/** `eyJhbGciOi…(redacted)`: enough of the header to recognise the token, nothing that authenticates. */
export function redactToken(token: string): string {
  return `${token.slice(0, 12)}…(redacted)`;
}

/** Replaces every JWT-looking run in `text` by its redacted form. */
export function scrubTokens(text: string): string {
  return text.replace(JWT, (t) => redactToken(t));
}
