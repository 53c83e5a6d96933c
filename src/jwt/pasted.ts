/**
 * A token as people paste it, down to the compact JWT: what surrounds it where it was copied from —
 * an HTTP header (`Authorization: Bearer …`), a YAML or kubeconfig line (`token: …`), a JSON member
 * (`"token": "…",`), a quoted JSON string with its escapes (`\/`, `\u002e`) — is taken off. Pure:
 * no I/O; anything it does not recognise is left for the parser to refuse.
 */

const AUTHORIZATION = /^authorization\s*:\s*/i;
const BEARER = /^bearer(\s+|$)/i;
/** `token: X`, `token:X`, `"token": "X"` (a JSON member, possibly with its trailing comma). */
const TOKEN_KEY = /^(["']?)token\1\s*:\s*/i;
/** Enough for `"token": "Bearer \"…\""` nested as deep as anyone pastes. */
const MAX_ROUNDS = 6;

export function unwrapPasted(text: string): string {
  let s = text.trim();
  for (let i = 0; i < MAX_ROUNDS; i++) {
    const next = unwrapOnce(s).trim();
    if (next === s) break;
    s = next;
  }
  return s;
}

function unwrapOnce(s: string): string {
  if (AUTHORIZATION.test(s)) return s.replace(AUTHORIZATION, '');
  if (BEARER.test(s)) return s.replace(BEARER, '');
  if (TOKEN_KEY.test(s)) return s.replace(TOKEN_KEY, '').replace(/(["'])\s*,$/, '$1');
  const q = s[0];
  if (s.length >= 2 && (q === '"' || q === "'") && s[s.length - 1] === q) {
    const inner = s.slice(1, -1);
    // A double-quoted JSON string: its escapes are JSON's. A single-quoted one (shell, YAML) has none.
    return q === '"' ? (jsonString(inner) ?? inner) : inner;
  }
  // Copied from inside a JSON string without its quotes: the escapes came along.
  if (s.includes('\\')) return jsonString(s) ?? s;
  return s;
}

/** The JSON string `"${inner}"` decoded, or undefined when it is not one (JSON.parse's error quotes its input: not used). */
function jsonString(inner: string): string | undefined {
  try {
    const v: unknown = JSON.parse(`"${inner}"`);
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}
