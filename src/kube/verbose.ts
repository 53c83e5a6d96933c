/**
 * kubectl's -v=N request logging, in kubectl's words (client-go transport/round_trippers.go
 * DebugWrappers and debuggingRoundTripper; rest/request.go truncateBody for bodies):
 * - 6: one line per request, `GET https://… 200 OK in 12 milliseconds`;
 * - 7: the request line, `Request Headers:` with each header, `Response Status: 200 OK in 12 milliseconds`;
 * - 8: also `Response Headers:` and the request and response bodies, cut at 1024 characters
 *   (9: 10240; 10: whole).
 * Without klog's `I1206 03:43:02.930836   15698 round_trippers.go:560]` prefix: it names Go source
 * lines that this program does not have.
 *
 * Credentials never appear: Authorization is masked as kubectl masks it (`Bearer <masked>`), and
 * bodies lose every `token` field (TokenRequest status.token, TokenReview spec.token) and every
 * value of a Secret's data and stringData (data.token of a legacy token Secret); the cli's writer
 * also scrubs anything JWT-shaped (output/redact.ts).
 */

export interface RequestLog {
  request(method: string, url: string, headers: Record<string, string | string[] | number | undefined>, body: string | undefined): void;
  response(method: string, url: string, status: number, statusText: string, ms: number, headers: Record<string, string[] | undefined>, body: () => string): void;
  failed(method: string, url: string, why: string, ms: number): void;
}

const MASKED = '<masked>';

export function requestLog(log: (line: string) => void, level: number): RequestLog {
  return {
    request(method, url, headers, body) {
      if (level < 7) return;
      log(`${method} ${url}`);
      log('Request Headers:');
      for (const [k, v] of Object.entries(headers)) {
        if (v === undefined) continue;
        for (const one of Array.isArray(v) ? v : [String(v)]) log(`    ${canonical(k)}: ${maskHeader(k, one)}`);
      }
      if (level >= 8 && body !== undefined) log(`Request Body: ${truncateBody(redactBody(body), level)}`);
    },
    response(method, url, status, statusText, ms, headers, body) {
      const st = `${status} ${statusText}`.trim();
      if (level < 7) return log(`${method} ${url} ${st} in ${ms} milliseconds`);
      log(`Response Status: ${st} in ${ms} milliseconds`);
      if (level < 8) return;
      log('Response Headers:');
      for (const [k, vs] of Object.entries(headers)) for (const v of vs ?? []) log(`    ${canonical(k)}: ${maskHeader(k, v)}`);
      log(`Response Body: ${truncateBody(body(), level)}`);
    },
    failed(method, url, why, ms) {
      log(`${method} ${url} failed (${why}) in ${ms} milliseconds`);
    },
  };
}

/** Go's http.CanonicalHeaderKey: `content-type` → `Content-Type`. */
function canonical(k: string): string {
  return k.toLowerCase().replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase());
}

/** round_trippers.go maskValue: the scheme stays, the credential goes. */
function maskHeader(name: string, value: string): string {
  const n = name.toLowerCase();
  if (n !== 'authorization' && n !== 'proxy-authorization' && n !== 'cookie' && n !== 'set-cookie') return value;
  const m = /^(Bearer|Basic|Negotiate)\s/i.exec(value);
  return m ? `${m[1]} ${MASKED}` : MASKED;
}

/** rest/request.go truncateBody. */
export function truncateBody(body: string, level: number): string {
  if (level >= 10) return body;
  const max = level >= 9 ? 10240 : 1024;
  return body.length <= max ? body : `${body.slice(0, max)} [truncated ${body.length - max} chars]`;
}

/**
 * Deeper JSON is not shown: masking walks the document recursively, and a server that nests
 * arrays 200,000 deep would overflow the stack. Real API objects nest a few dozen levels.
 */
const MAX_MASK_DEPTH = 500;

class TooDeep extends Error {}

/** A JSON body with its credentials masked; other text as it is (the writer scrubs JWTs). */
export function redactBody(text: string): string {
  const t = text.trimStart();
  if (!t.startsWith('{') && !t.startsWith('[')) return text;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return text;
  }
  try {
    return JSON.stringify(mask(doc, false, 0));
  } catch (e) {
    // Not shown rather than shown unmasked: a Secret's data may be in there.
    if (e instanceof TooDeep) return `<a JSON body of ${text.length} characters, not shown: nested deeper than ${MAX_MASK_DEPTH} levels>`;
    throw e;
  }
}

function mask(v: unknown, inSecret: boolean, depth: number): unknown {
  if (depth > MAX_MASK_DEPTH) throw new TooDeep();
  if (Array.isArray(v)) return v.map((x) => mask(x, inSecret, depth + 1));
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  const secret = inSecret || o.kind === 'Secret' || o.type === 'kubernetes.io/service-account-token';
  const list = o.kind === 'SecretList';
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) {
    if (k === 'token' && typeof x === 'string') out[k] = MASKED;
    else if (secret && (k === 'data' || k === 'stringData') && x !== null && typeof x === 'object') {
      out[k] = Object.fromEntries(Object.keys(x as object).map((key) => [key, MASKED]));
    } else if (list && k === 'items') out[k] = mask(x, true, depth + 1);
    else if (secret && k === 'metadata') out[k] = maskLastApplied(x);
    else out[k] = mask(x, secret && k !== 'metadata', depth + 1);
  }
  return out;
}

/** kubectl apply keeps a Secret's whole data in this annotation. */
function maskLastApplied(meta: unknown): unknown {
  const m = meta as { annotations?: Record<string, string> } | null;
  const key = 'kubectl.kubernetes.io/last-applied-configuration';
  if (!m?.annotations?.[key]) return meta;
  return { ...m, annotations: { ...m.annotations, [key]: MASKED } };
}
