/**
 * diagnose POD --audit-log: the token each other container of the pod holds now, so that
 * app-token-reload can tell the containers' requests apart in the audit log.
 *
 * The audit log names the pod and the token (credential-id `JTI=…`) of a request, never the
 * container. Containers that mount one volume hold one token; so do containers whose projected
 * volumes ask for the same token, as the kubelet caches tokens by ServiceAccount, audiences,
 * expirationSeconds and bound pod (k/k pkg/kubelet/token/token_manager.go keyFunc). Only a
 * container's current token tells which of the pod's requests are its own.
 */
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { got, type ContainerToken, type Fetched, type MountedToken } from '../../checks/context.js';
import { tokenVolume } from '../../checks/spec.js';
import type { Inspect } from './source.js';

/** Containers read at most: a pod with more is judged on the first ones, the rest as unknown. */
const MAX_CONTAINERS = 16;

/**
 * `read(name)` reads container `name`'s token directory (one exec). Containers that mount the
 * diagnosed container's own volume are not read: they hold its token.
 */
export async function podTokens(
  pod: V1Pod,
  self: V1Container,
  read: (container: string) => Promise<Fetched<MountedToken>>,
  inspect: Inspect,
  now: Date,
): Promise<Fetched<ContainerToken[]>> {
  const own = tokenVolume(pod, self)?.volumeName;
  const others = (pod.spec?.containers ?? []).filter((c) => c.name !== self.name).flatMap((c) => {
    const tv = tokenVolume(pod, c);
    return tv && tv.kind === 'projected' ? [{ container: c.name, volume: tv.volumeName }] : [];
  });
  const out = await Promise.all(others.map(async (o, i): Promise<ContainerToken> => {
    if (o.volume === own) return { ...o, why: 'it mounts the same volume' };
    if (i >= MAX_CONTAINERS) return { ...o, why: `not read (more than ${MAX_CONTAINERS} containers)` };
    const m = await read(o.container);
    if (!m.ok) return { ...o, why: m.why.message };
    if (!m.value.raw) return { ...o, why: 'its token file could not be read' };
    try {
      const jti = (await inspect(m.value.raw, { now, source: `container ${o.container}` })).token.jti;
      return jti ? { ...o, credential: `JTI=${jti}` } : { ...o, why: 'its token has no jti' };
    } catch {
      return { ...o, why: 'its token file is not a JWT' };
    }
  }));
  return got(out);
}
