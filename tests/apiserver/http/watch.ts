/**
 * WATCH (`?watch=true`): a chunked stream of `{"type","object"}` lines. From resourceVersion ""
 * or "0" it first replays the current objects as ADDED, as the watch cache does; it ends after
 * `timeoutSeconds` or when the client goes away.
 */
import { apiVersionOf } from '../resources';
import { parseFieldSelector, parseLabelSelector } from '../store/selectors';
import type { RestRequest } from './rest';
import { toTable, wantsTable } from './tables';
import type { Reply } from './respond';

export function watch(r: RestRequest): Reply {
  const labels = parseLabelSelector(r.query.get('labelSelector') ?? undefined);
  const fields = parseFieldSelector(r.query.get('fieldSelector') ?? undefined, r.type.kind);
  const rv = r.query.get('resourceVersion') ?? '';
  const timeout = Number(r.query.get('timeoutSeconds') ?? '1800');
  const matches = (o: any) =>
    (!r.namespace || o.metadata.namespace === r.namespace) && (!labels || labels(o)) && (!fields || fields(o));
  return {
    status: 200,
    body: undefined,
    stream: (req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
      // kubectl get -w asks for Tables: one per event, column definitions on the first only.
      const asTable = wantsTable(r.accept);
      let first = true;
      const send = (type: string, object: any) => {
        let out = object;
        if (asTable) {
          out = toTable(r.type, [object], r.cluster.store.resourceVersion(), r.cluster.clock.now(), r.query);
          if (!first) out.columnDefinitions = [];
          first = false;
        }
        res.write(JSON.stringify({ type, object: out }) + '\n');
      };
      if (rv === '' || rv === '0') {
        for (const o of r.cluster.store.list(r.type, r.namespace).items) if (matches(o)) send('ADDED', o);
      }
      const since = rv && rv !== '0' ? Number(rv) : 0;
      const unsubscribe = r.cluster.store.subscribe((e) => {
        if (e.resource !== r.type.resource || e.group !== r.type.group) return;
        if (Number(e.object.metadata.resourceVersion) <= since && e.type !== 'DELETED') return;
        if (!matches(e.object)) return;
        send(e.type, e.type === 'DELETED' ? { ...e.object, apiVersion: apiVersionOf(r.type), kind: r.type.kind } : e.object);
      });
      const end = () => {
        unsubscribe();
        clearTimeout(timer);
        res.end();
      };
      const timer = setTimeout(end, timeout * 1000);
      timer.unref();
      req.on('close', () => {
        unsubscribe();
        clearTimeout(timer);
      });
    },
  };
}
