/**
 * The single executable's module loader (src/completion/sea-modules.ts): our files from SEA assets,
 * with V8 code caches. Here the assets are in memory and node:vm compiles them, as in the executable.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import vm from 'node:vm';
import { assetModules, assetName, wrap, type AssetHost } from '../../src/completion/sea-modules';

const DIR = path.resolve('/opt/krew/store/satoken/v1');

function host(files: Record<string, string>, caches: Record<string, Buffer> = {}): AssetHost & { compiled: string[] } {
  const compiled: string[] = [];
  return {
    compiled,
    source: (name) => files[name],
    codeCache: (name) => caches[name],
    compile: (code, filename, cachedData) => {
      compiled.push(path.basename(filename));
      return new vm.Script(code, { filename, cachedData });
    },
    builtin: (id) => {
      if (id === 'node:path') return path;
      throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
    },
    dir: DIR,
  };
}

describe('assetName', () => {
  test('a sibling by relative or absolute path is an asset; anything else is not', () => {
    expect(assetName('./satoken-cli.cjs', DIR)).toBe('satoken-cli.cjs');
    expect(assetName(path.join(DIR, 'kubectl_complete-satoken-cluster.cjs'), DIR)).toBe('kubectl_complete-satoken-cluster.cjs');
    expect(assetName('node:fs', DIR)).toBeUndefined();
    expect(assetName('./sub/x.cjs', DIR)).toBeUndefined();
    expect(assetName(path.join(DIR, 'sub', 'x.cjs'), DIR)).toBeUndefined();
    expect(assetName('/elsewhere/x.cjs', DIR)).toBeUndefined();
  });
});

describe('assetModules', () => {
  test('runs the entry; its requires of siblings get assets (each run once), of others built-ins', () => {
    const h = host({
      launcher: "#!/usr/bin/env node\nconst a = require('./a.cjs'); const b = require(require('node:path').join(__dirname, 'a.cjs'));\nmodule.exports = { same: a === b, n: a.n, file: __filename, sep: require('node:path').sep };",
      'a.cjs': 'exports.n = (globalThis.__seaRuns = (globalThis.__seaRuns ?? 0) + 1);',
    });
    const m = assetModules(h);
    const out = m.require('launcher') as { same: boolean; n: number; file: string; sep: string };
    expect(out).toEqual({ same: true, n: 1, file: path.join(DIR, 'launcher'), sep: path.sep });
    expect(h.compiled).toEqual(['launcher', 'a.cjs']);
    expect(m.require('a.cjs')).toEqual({ n: 1 });
    expect(m.loaded().map((f) => [f.name, f.cache])).toEqual([['launcher', 'none'], ['a.cjs', 'none']]);
    delete (globalThis as { __seaRuns?: number }).__seaRuns;
  });

  test('a require cycle gets the partial exports, as in Node', () => {
    const m = assetModules(host({
      'a.cjs': "exports.early = 1; const b = require('./b.cjs'); exports.fromB = b.sawEarly;",
      'b.cjs': "exports.sawEarly = require('./a.cjs').early;",
    }));
    expect(m.require('a.cjs')).toEqual({ early: 1, fromB: 1 });
  });

  test('a missing sibling or built-in throws MODULE_NOT_FOUND, as require() does', () => {
    const m = assetModules(host({ 'a.cjs': "require('./gone.cjs')", 'b.cjs': "require('node:nope')" }));
    expect(() => m.require('a.cjs')).toThrow(expect.objectContaining({ code: 'MODULE_NOT_FOUND' }));
    expect(() => m.require('b.cjs')).toThrow(expect.objectContaining({ code: 'MODULE_NOT_FOUND' }));
    expect(() => m.require('none.cjs')).toThrow(expect.objectContaining({ code: 'MODULE_NOT_FOUND' }));
  });

  test("a launcher's #! line stays a line: stack traces point at the file's own line numbers", () => {
    const m = assetModules(host({ launcher: '#!/usr/bin/env node\n\nthrow new Error("line 3");' }));
    let stack = '';
    try {
      m.require('launcher');
    } catch (e) {
      stack = (e as Error).stack ?? '';
    }
    expect(stack).toContain(`${path.join(DIR, 'launcher')}:3`);
    expect(wrap('#!x\ny')).toBe('(function (exports, require, module, __filename, __dirname) {//x\ny\n})');
  });

  test('a code cache from another process of this Node is used; a foreign one is rejected and the code still runs', () => {
    // Unique sources: V8 would otherwise answer from this process's own compilation cache.
    const source = (tag: string) => `// ${tag} ${process.hrtime.bigint()}\nfunction f(x) { return x * 2; } module.exports = f(21);`;
    const cached = source('cached');
    // As the release trains the caches: another process runs the file, then writes its cache.
    const child = spawnSync(process.execPath, ['-e', `
      const vm = require('node:vm');
      const script = new vm.Script(${JSON.stringify(wrap(cached))}, { filename: 'a.cjs' });
      script.runInThisContext()({}, require, { exports: {} });
      process.stdout.write(script.createCachedData().toString('base64'));
    `], { encoding: 'utf8' });
    expect(child.stderr).toBe('');
    const cache = Buffer.from(child.stdout, 'base64');
    expect(cache.length).toBeGreaterThan(0);

    // And, as the executable does, a fresh process loads it with that cache. (Not this Jest worker:
    // a test run in it before may have changed V8's flags — the audit memory test sets --expose-gc —
    // and V8 refuses a code cache written under other flags: this failed in the full suite.)
    const loader = spawnSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', `
      import vm from 'node:vm';
      import { assetModules } from ${JSON.stringify(path.resolve(__dirname, '../../src/completion/sea-modules.ts'))};
      const m = assetModules({
        source: () => ${JSON.stringify(cached)},
        codeCache: () => Buffer.from(${JSON.stringify(cache.toString('base64'))}, 'base64'),
        compile: (code, filename, cachedData) => new vm.Script(code, { filename, cachedData }),
        builtin: () => undefined,
        dir: ${JSON.stringify(DIR)},
      });
      const value = m.require('a.cjs');
      process.stdout.write(JSON.stringify({ value, cache: m.loaded()[0].cache, again: m.loaded()[0].script.createCachedData().length }));
    `], { encoding: 'utf8' });
    expect(loader.stderr).toBe('');
    expect(JSON.parse(loader.stdout)).toEqual({ value: 42, cache: 'accepted', again: expect.any(Number) });

    const foreign = assetModules(host({ 'a.cjs': source('foreign') }, { 'a.cjs': Buffer.from('not a V8 code cache') }));
    expect(foreign.require('a.cjs')).toBe(42);
    expect(foreign.loaded()[0].cache).toBe('rejected');
  });
});
