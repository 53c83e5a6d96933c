/**
 * A TokenInspection as a describe-style report: where the token came from, its header, every
 * claim (times absolute and relative), the Kubernetes view, the signature check, and the
 * findings with their fixes. Never the signature; the whole token only when the result carries
 * it (`decode --show-token`).
 */
import type { TokenInspection } from '../../jwt/types.js';
import { paint, statusColour } from '../colour.js';
import { details } from '../details.js';
import { relative, utc } from '../time.js';
import type { RenderOptions } from '../types.js';

/** NumericDate claims, shown as times. */
const TIME_CLAIMS = new Set(['exp', 'iat', 'nbf', 'kubernetes.io.warnafter', 'auth_time']);

const TYPE_LABEL = {
  bound: 'bound (TokenRequest / projected ServiceAccount token)',
  legacy: 'legacy (Secret-based ServiceAccount token)',
  external: 'external (not issued by Kubernetes)',
} as const;

export function renderTokenInspection(r: TokenInspection, opts: RenderOptions): string {
  const c = opts.color;
  const t = r.token;
  const sections: string[] = [];

  sections.push(
    details([
      ['Source', r.source],
      ['Type', TYPE_LABEL[t.type]],
      ...(r.thirdParty ? [['Meant for', `${r.thirdParty.name}: ${r.thirdParty.purpose} (not the API server)`] as [string, string]] : []),
      ['Signature', `${paint(c, statusColour(r.verification.status), r.verification.status)}: ${r.verification.reason}`],
    ]),
  );

  const headerKeys = ['alg', 'kid', 'typ', ...Object.keys(r.header).filter((k) => !['alg', 'kid', 'typ'].includes(k))];
  sections.push('Header:\n' + details(headerKeys.filter((k) => r.header[k] !== undefined).map((k) => [k, scalar(r.header[k])]), 2));

  const claims = flatten(r.claims);
  sections.push(
    'Claims:\n' +
      (claims.length === 0
        ? '  <none>\n'
        : details(claims.map(([k, v]) => [k, TIME_CLAIMS.has(k) && typeof v === 'number' ? time(v, k === 'exp', opts) : scalar(v)]), 2)),
  );

  const ref = (x: { name: string | null; uid: string | null } | null) => (x === null ? '<none>' : `${x.name ?? '<no name>'}${x.uid ? ` (uid ${x.uid})` : ''}`);
  const at = (iso: string | null, isExpiry = false) => (iso === null ? '<none>' : time(Date.parse(iso) / 1000, isExpiry, opts));
  const view: Array<[string, string]> = [
    ['Issuer', t.issuer ?? '<none>'],
    ['Subject', t.subject ?? '<none>'],
  ];
  if (t.type !== 'external') {
    view.push(
      ['Namespace', t.namespace ?? '<none>'],
      ['ServiceAccount', ref(t.serviceAccount)],
      ['Bound to', t.boundObject === null ? '<nothing>' : `${t.boundObject.kind} ${ref(t.boundObject)}`],
      ['Node', ref(t.node)],
    );
  }
  view.push(
    ['Audiences', t.audiences.length === 0 ? '<none>' : t.audiences.join(', ')],
    ['Issued at', at(t.issuedAt)],
    ['Not before', at(t.notBefore)],
    ['Expires at', t.expiresAt === null ? (t.type === 'legacy' ? '<never>' : '<none>') : at(t.expiresAt, true)],
  );
  if (t.type !== 'external') view.push(['Warn after', at(t.warnAfter)]);
  view.push(['JTI', t.jti ?? '<none>']);
  sections.push(`${t.type === 'external' ? 'Identity' : 'Kubernetes'}:\n` + details(view, 2));

  if (r.findings.length === 0) {
    sections.push(`Findings:  ${paint(c, 'green', 'none')}\n`);
  } else {
    const lines = r.findings.map((f) =>
      [`  ${paint(c, statusColour(f.severity), f.severity.toUpperCase())}  ${f.id}`, `    ${f.message}`, `    fix: ${f.fix}`].join('\n'),
    );
    sections.push('Findings:\n' + lines.join('\n') + '\n');
  }

  if (r.rawToken !== undefined) sections.push(`Token (a secret, shown on request):\n  ${r.rawToken}\n`);
  return sections.join('\n');
}

/** `2026-11-28T16:41:00Z (expires in 41m)`; -o wide adds the NumericDate. */
function time(numericDate: number, isExpiry: boolean, opts: RenderOptions): string {
  const d = new Date(Math.trunc(numericDate) * 1000);
  if (Number.isNaN(d.getTime())) return String(numericDate);
  let rel = relative(d, opts.now);
  if (isExpiry) rel = rel.startsWith('in ') ? `expires ${rel}` : `expired ${rel}`;
  return `${utc(d)} (${rel})${opts.format === 'wide' ? `  [${numericDate}]` : ''}`;
}

/** Claims as dotted paths (`kubernetes.io.pod.name`), in the token's order. */
function flatten(obj: Record<string, unknown>, prefix = ''): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix + k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0) out.push(...flatten(v as Record<string, unknown>, `${key}.`));
    else out.push([key, v]);
  }
  return out;
}

function scalar(v: unknown): string {
  if (typeof v === 'string') return v === '' ? '""' : v;
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.join(', ');
  return JSON.stringify(v);
}
