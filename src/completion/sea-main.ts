/**
 * Entry of the single executable that krew installs (scripts/release/): `kubectl-satoken` itself,
 * plus `kubectl-satoken __complete <words…>`, which the archive's `kubectl_complete-satoken`
 * script calls — krew users may have no Node.js, so the completion runs on the executable's own.
 * Everything is one bundle here (a single executable cannot require files), evaluated lazily.
 */
export const COMPLETE_COMMAND = '__complete';

if (process.argv[2] === COMPLETE_COMMAND) {
  void import('./process.js').then(({ completionMain }) =>
    completionMain(process.argv.slice(3), () => import('./cluster-entry.js').then((m) => m.listNames)),
  );
} else {
  void import('../main.js');
}
