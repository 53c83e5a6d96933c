/** test-auth's table: the verdict, its reason and fix, who the token is, then each step. */
import type { AuthTest } from '../../commands/test-auth/types.js';
import { paint, statusColour } from '../colour.js';
import { columns } from '../table.js';
import { details } from '../details.js';
import type { RenderOptions } from '../types.js';

export function authTestTable(r: AuthTest, opts: RenderOptions): string {
  const c = opts.color;
  const head: Array<[string, string]> = [
    ['Verdict', paint(c, statusColour(r.verdict), r.verdict)],
    ['Reason', r.reason],
  ];
  if (r.fix) head.push(['Fix', r.fix]);
  head.push(['Token', r.source]);
  if (r.user) {
    head.push(['User', r.user.username]);
    if (r.user.groups.length > 0) head.push(['Groups', r.user.groups.join(', ')]);
    if (opts.format === 'wide') {
      if (r.user.uid) head.push(['UID', r.user.uid]);
      for (const [k, v] of Object.entries(r.user.extra)) head.push([k, v.join(', ')]);
    }
  }
  const rows = r.steps.map((s) => [
    s.id,
    paint(c, statusColour(s.status), s.status),
    s.httpStatus === null ? '-' : String(s.httpStatus),
    s.message,
  ]);
  return `${details(head)}\n${columns(['step', 'result', 'http', 'message'], rows)}`;
}
