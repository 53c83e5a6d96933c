/**
 * The emulated kubelet (engineer B). Stable exports:
 * - Kubelet(host, {tokenRequestFault?}): sync(now), podRunning(pod) (set up a pod just reported
 *   Running), setUpPending({namespace?|nodeName?}) (before a write its volumes read),
 *   exec(ns, pod, container?, argv) → KubeletExecResult
 *   (`ok: false` = HTTP error before the stream; `ok: true` = stdout/stderr + the Status for the
 *   error channel, exitCode -1 when the runtime could not start the process), appToken(ns, pod),
 *   fileSystem(ns, pod, container?), cachedTokens(ns, pod)
 * - annotations: ANNOTATION_TOKEN_READ, ANNOTATION_IMAGE, ANNOTATION_USER_AGENT, ANNOTATION_TOKEN_PATH
 * - rotation rule: requiresRefresh, refreshDue, lastRefreshAt, getServiceAccountToken, cacheKey;
 *   fsUserFrom (the token file's owner)
 * - VirtualFS and the exec interpreter for lower-level tests
 */
export * from './kubelet';
export * from './rotation';
export { VirtualFS, atomicWrite, timestampedDirName, type Inode } from './filesystem';
export { execInContainer, shell, type ImageKind, type ExecContext, type ExecOutput } from './exec';
