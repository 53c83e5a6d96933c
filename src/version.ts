/** Build-time constants, replaced by esbuild's `define` (scripts/build.mjs); plain values under Jest. */
declare const __SATOKEN_VERSION__: string | undefined;
declare const __SATOKEN_COMMIT__: string | undefined;

export const VERSION: string = typeof __SATOKEN_VERSION__ === 'string' ? __SATOKEN_VERSION__ : '0.0.0-dev';
export const COMMIT: string = typeof __SATOKEN_COMMIT__ === 'string' ? __SATOKEN_COMMIT__ : 'unknown';

/** client-node 2.x needs undici 8, which needs Node >= 22.19 (TOOLCHAIN.md). */
export const MIN_NODE = [22, 19] as const;

/** Returns the one-line problem when this Node is too old, else undefined. Pure, for tests. */
export function nodeVersionProblem(nodeVersion: string): string | undefined {
  const [major = 0, minor = 0] = nodeVersion.split('.').map((n) => Number.parseInt(n, 10));
  if (major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1])) return undefined;
  return (
    `kubectl-satoken needs Node.js >= ${MIN_NODE.join('.')} (this is ${nodeVersion}); ` +
    `install a newer Node.js, or the single executable from krew (kubectl krew install satoken), which carries its own`
  );
}
