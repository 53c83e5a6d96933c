/**
 * The event recorder: core/v1 Events named `<object>.<hex nanoseconds>`, repeats folded into `count` and
 * `lastTimestamp` as client-go's EventCorrelator does.
 */
import type { Cluster } from '../cluster';
import type { EventInput } from '../host';
import type { KubeObject } from '../store/types';

let lastNanos = 0n;

/** `<object>.<hex UnixNano>` as client-go names events (so names sort by time); strictly increasing. */
function eventName(objectName: string, now: Date): string {
  let nanos = BigInt(now.getTime()) * 1_000_000n;
  if (nanos <= lastNanos) nanos = lastNanos + 1n;
  lastNanos = nanos;
  return `${objectName}.${nanos.toString(16)}`;
}

export function recordEvent(cluster: Cluster, e: EventInput): KubeObject {
  const type = cluster.type('', 'events');
  const same = cluster.store
    .list(type, e.namespace, { fieldSelector: `involvedObject.name=${e.involvedObject.name},reason=${e.reason}` })
    .items.find((x) => x.message === e.message && x.involvedObject?.uid === e.involvedObject.uid && x.source?.component === e.source.component);
  if (same) {
    const next = structuredClone(same);
    next.count = (next.count ?? 1) + 1;
    next.lastTimestamp = e.timestamp;
    delete next.metadata.resourceVersion;
    return cluster.store.update(type, next);
  }
  const ns = cluster.get('', 'namespaces', undefined, e.namespace);
  if (!ns) return { apiVersion: 'v1', kind: 'Event', metadata: { name: '' } };
  return cluster.store.create(type, {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: eventName(e.involvedObject.name, cluster.clock.now()), namespace: e.namespace },
    involvedObject: { apiVersion: 'v1', namespace: e.namespace, ...e.involvedObject },
    reason: e.reason,
    message: e.message,
    source: e.source,
    firstTimestamp: e.timestamp,
    lastTimestamp: e.timestamp,
    count: 1,
    type: e.type,
    eventTime: null,
    reportingComponent: e.source.component,
    reportingInstance: e.source.host ?? '',
  });
}
