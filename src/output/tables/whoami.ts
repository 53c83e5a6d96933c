/** whoami's table: kubectl auth whoami's ATTRIBUTE / VALUE rows, then where and how (wide). */
import type { WhoAmI } from '../../commands/whoami/types.js';
import { columns } from '../table.js';
import type { RenderOptions } from '../types.js';

export function whoamiTable(r: WhoAmI, opts: RenderOptions): string {
  // kubectl's printer (pkg/cmd/auth/whoami.go): Username, UID, Groups, then one "Extra: key" row each, Go's %v of a slice.
  const rows: string[][] = [['Username', r.user.username]];
  if (r.user.uid) rows.push(['UID', r.user.uid]);
  if (r.user.groups.length > 0) rows.push(['Groups', `[${r.user.groups.join(' ')}]`]);
  for (const [k, v] of Object.entries(r.user.extra)) rows.push([`Extra: ${k}`, `[${v.join(' ')}]`]);
  if (opts.format === 'wide') {
    rows.push(['Context', r.context], ['Server', r.server]);
    const c = r.credential;
    const unused = c.unused ? `; the ${c.unused} sent too was not used${c.decidedBy === 'precedence' ? ': the API server tries a client certificate before a token' : ''}` : '';
    rows.push(['Credential', `${c.kind}${c.plugin ? ` (${c.plugin})` : ''}${unused}`]);
    if (r.impersonating) rows.push(['Impersonating', r.impersonating]);
  }
  return columns(['attribute', 'value'], rows);
}
