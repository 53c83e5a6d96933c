/**
 * What `kubectl exec POD -- ARGV…` runs inside an emulated container.
 *
 * Images (pod annotation `emulator.satoken.dev/image`, see kubelet.ts):
 * - `debian`  — GNU coreutils 9.1, /bin/sh is dash (`sh: 1: curl: not found`, exit 127);
 * - `busybox` — BusyBox applets and ash (`sh: curl: not found`, exit 127);
 * - `distroless` — no shell, no coreutils: every exec fails in the runtime before the process
 *   starts, as containerd+runc report it (delivered as a Failure Status on the error channel).
 *
 * Commands: cat, ls [-l] [-a], stat [-L] [-c FMT], test/[ -f|-e|-d|-s|-L, date [+%s], echo, head,
 * cut, base64 [-d], wc, true, false, hostname, id, env; `sh -c SCRIPT` with ; && || |, quotes,
 * VAR=value, $VAR, $(…), and 2>/dev/null / >/dev/null / 2>&1 redirections.
 * Exit codes and messages are the tools' own (`cat: X: No such file or directory`, 1;
 * `ls: cannot access 'X': No such file or directory`, 2; `stat: cannot statx 'X': …`, 1).
 */
import { FsError, VirtualFS, nanosOf, type Inode } from './filesystem';
import { dateString, lsLong, lsTotal, statDefault, statFormat, type Flavour } from './format';

export type ImageKind = 'debian' | 'busybox' | 'distroless';

export interface ExecContext {
  fs: VirtualFS;
  image: ImageKind;
  now: Date;
  env: Record<string, string>;
  hostname: string;
  /** 64 hex chars: the runtime's exec id in error messages. */
  execId: string;
}

export interface ExecOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** The runtime refused to start the process (kubectl prints `error: Internal error occurred: …`). */
export interface ExecRuntimeError {
  runtimeError: string;
}

const COMMANDS = ['cat', 'ls', 'stat', 'test', '[', 'date', 'echo', 'head', 'cut', 'base64', 'wc', 'true', 'false', 'hostname', 'id', 'env', 'sh'];

/** runc v1.4's words as containerd v2.3 passes them on (measured on the real tier: no `: unknown` suffix). */
export function runtimeErrorMessage(ctx: ExecContext, binary: string): string {
  return (
    `error executing command in container: failed to exec in container: failed to start exec ${JSON.stringify(ctx.execId)}: ` +
    `OCI runtime exec failed: exec failed: unable to start container process: exec: ${JSON.stringify(binary)}: executable file not found in $PATH`
  );
}

export function execInContainer(argv: string[], ctx: ExecContext): ExecOutput | ExecRuntimeError {
  const bin = argv[0] ?? '';
  const name = bin.includes('/') ? bin.slice(bin.lastIndexOf('/') + 1) : bin;
  if (ctx.image === 'distroless' || !COMMANDS.includes(name)) return { runtimeError: runtimeErrorMessage(ctx, bin) };
  return run([name, ...argv.slice(1)], '', ctx, new Map());
}

type Vars = Map<string, string>;

function flavour(ctx: ExecContext): Flavour {
  return ctx.image === 'busybox' ? 'busybox' : 'gnu';
}

function out(stdout: string, stderr = '', exitCode = 0): ExecOutput {
  return { stdout, stderr, exitCode };
}

function now(ctx: ExecContext): bigint {
  return nanosOf(ctx.now);
}

function run(argv: string[], stdin: string, ctx: ExecContext, vars: Vars): ExecOutput {
  const [cmd, ...args] = argv;
  switch (cmd) {
    case 'cat': return cat(args, stdin, ctx);
    case 'ls': return ls(args, ctx);
    case 'stat': return stat(args, ctx);
    case 'test': return test(args, ctx);
    case '[': return args[args.length - 1] === ']' ? test(args.slice(0, -1), ctx) : out('', `${flavour(ctx) === 'gnu' ? 'sh: 1: [' : '[' }: missing ]\n`, 2);
    case 'date': return out(args[0] === '+%s' ? `${Math.floor(ctx.now.getTime() / 1000)}\n` : `${dateString(ctx.now)}\n`);
    case 'echo': return echo(args);
    case 'head': return head(args, stdin, ctx);
    case 'cut': return cut(args, stdin);
    case 'base64': return base64(args, stdin, ctx);
    case 'wc': return wc(args, stdin);
    case 'true': return out('');
    case 'false': return out('', '', 1);
    case 'hostname': return out(`${ctx.hostname}\n`);
    case 'id': return out('uid=0(root) gid=0(root) groups=0(root)\n');
    case 'env': return out(Object.entries({ ...ctx.env, HOSTNAME: ctx.hostname }).map(([k, v]) => `${k}=${v}\n`).join(''));
    case 'sh': {
      if (args[0] !== '-c' || args[1] === undefined) return out('', '', 0);
      return shell(args[1], ctx, new Map([...vars]));
    }
    default:
      return flavour(ctx) === 'gnu' ? out('', `sh: 1: ${cmd}: not found\n`, 127) : out('', `sh: ${cmd}: not found\n`, 127);
  }
}

function fsErr(e: unknown): FsError {
  if (e instanceof FsError) return e;
  throw e;
}

function cat(args: string[], stdin: string, ctx: ExecContext): ExecOutput {
  const files = args.filter((a) => a !== '--' && !/^-[a-zA-Z]+$/.test(a));
  if (files.length === 0) return out(stdin);
  let stdout = '';
  let stderr = '';
  let code = 0;
  for (const f of files) {
    try {
      stdout += ctx.fs.read(f, now(ctx)).toString('utf8');
    } catch (e) {
      const err = fsErr(e);
      code = 1;
      if (flavour(ctx) === 'busybox') stderr += err.code === 'EISDIR' ? `cat: read error: Is a directory\n` : `cat: can't open '${f}': ${err.message}\n`;
      else stderr += `cat: ${f}: ${err.message}\n`;
    }
  }
  return out(stdout, stderr, code);
}

function parseFlags(args: string[]): { flags: Set<string>; operands: string[]; values: Map<string, string> } {
  const flags = new Set<string>();
  const operands: string[] = [];
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (a === '-c' || a === '--format' || a === '--printf') {
      values.set('c', args[++i] ?? '');
    } else if (a.startsWith('--format=')) values.set('c', a.slice(9));
    else if (a === '--dereference') flags.add('L');
    else if (a.startsWith('-') && a.length > 1) for (const ch of a.slice(1)) flags.add(ch);
    else operands.push(a);
  }
  return { flags, operands, values };
}

function ls(args: string[], ctx: ExecContext): ExecOutput {
  const { flags, operands } = parseFlags(args);
  const targets = operands.length ? operands : ['.'];
  const f = flavour(ctx);
  let stdout = '';
  let stderr = '';
  let code = 0;
  const multiple = targets.length > 1;
  targets.forEach((t, idx) => {
    let node: Inode;
    try {
      node = ctx.fs.lookup(t, !flags.has('l') || t.endsWith('/'));
      if (node.kind === 'symlink' && !flags.has('l')) node = ctx.fs.lookup(t, true);
    } catch (e) {
      const err = fsErr(e);
      stderr += f === 'gnu' ? `ls: cannot access '${t}': ${err.message}\n` : `ls: ${t}: ${err.message}\n`;
      code = f === 'gnu' ? 2 : 1;
      return;
    }
    if (node.kind !== 'dir') {
      stdout += flags.has('l') ? `${lsLong([{ name: t, node }], f, ctx.now)[0]}\n` : `${t}\n`;
      return;
    }
    const all = flags.has('a');
    const entries = [...node.children!.entries()]
      .filter(([n]) => all || !n.startsWith('.'))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, n]) => ({ name, node: n }));
    if (all) {
      let parent: Inode;
      try {
        parent = ctx.fs.lookup(`${t.replace(/\/$/, '')}/..`);
      } catch {
        parent = node;
      }
      entries.unshift({ name: '.', node }, { name: '..', node: parent });
    }
    if (multiple) stdout += `${idx > 0 ? '\n' : ''}${t}:\n`;
    if (flags.has('l')) {
      stdout += `total ${lsTotal(entries)}\n`;
      stdout += lsLong(entries, f, ctx.now).map((l) => `${l}\n`).join('');
    } else {
      stdout += entries.map((e) => `${e.name}\n`).join('');
    }
  });
  return out(stdout, stderr, code);
}

function stat(args: string[], ctx: ExecContext): ExecOutput {
  const { flags, operands, values } = parseFlags(args);
  const f = flavour(ctx);
  if (operands.length === 0) {
    return f === 'gnu' ? out('', "stat: missing operand\nTry 'stat --help' for more information.\n", 1) : out('', 'BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: stat [-ltf] [-c FMT] FILE...\n', 1);
  }
  let stdout = '';
  let stderr = '';
  let code = 0;
  for (const name of operands) {
    try {
      const node = ctx.fs.lookup(name, flags.has('L'));
      const fmt = values.get('c');
      stdout += fmt !== undefined ? `${statFormat(fmt, name, node, f)}\n` : statDefault(name, node, f);
    } catch (e) {
      const err = fsErr(e);
      code = 1;
      stderr += f === 'gnu' ? `stat: cannot statx '${name}': ${err.message}\n` : `stat: can't stat '${name}': ${err.message}\n`;
    }
  }
  return out(stdout, stderr, code);
}

function test(args: string[], ctx: ExecContext): ExecOutput {
  if (args.length === 0) return out('', '', 1);
  if (args[0] === '!') {
    const r = test(args.slice(1), ctx);
    return out('', r.stderr, r.exitCode === 0 ? 1 : r.exitCode === 1 ? 0 : r.exitCode);
  }
  if (args.length === 1) return out('', '', args[0] ? 0 : 1);
  if (args.length === 2) {
    const [op, path] = args as [string, string];
    const lookup = (follow: boolean) => {
      try {
        return ctx.fs.lookup(path, follow);
      } catch {
        return undefined;
      }
    };
    const node = lookup(op !== '-L' && op !== '-h');
    const ok =
      op === '-e' ? !!node
      : op === '-f' ? node?.kind === 'file'
      : op === '-d' ? node?.kind === 'dir'
      : op === '-s' ? !!node && VirtualFS.size(node) > 0
      : op === '-L' || op === '-h' ? node?.kind === 'symlink'
      : op === '-r' ? !!node
      : op === '-n' ? path.length > 0
      : op === '-z' ? path.length === 0
      : false;
    return out('', '', ok ? 0 : 1);
  }
  if (args.length === 3) {
    const [a, op, b] = args as [string, string, string];
    const ok = op === '=' || op === '==' ? a === b : op === '!=' ? a !== b : op === '-eq' ? Number(a) === Number(b) : op === '-gt' ? Number(a) > Number(b) : op === '-lt' ? Number(a) < Number(b) : false;
    return out('', '', ok ? 0 : 1);
  }
  return out('', '', 2);
}

function echo(args: string[]): ExecOutput {
  let newline = true;
  let rest = args;
  if (rest[0] === '-n') {
    newline = false;
    rest = rest.slice(1);
  }
  return out(rest.join(' ') + (newline ? '\n' : ''));
}

function head(args: string[], stdin: string, ctx: ExecContext): ExecOutput {
  let lines = 10;
  let bytes: number | undefined;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-n') lines = Number(args[++i]);
    else if (a === '-c') bytes = Number(args[++i]);
    else if (/^-\d+$/.test(a)) lines = Number(a.slice(1));
    else if (/^-n\d+$/.test(a)) lines = Number(a.slice(2));
    else files.push(a);
  }
  let input = stdin;
  if (files.length) {
    const r = cat(files, '', ctx);
    if (r.exitCode !== 0) return out('', r.stderr.replace(/^cat:/gm, 'head:').replace("head: can't open", "head: can't open"), 1);
    input = r.stdout;
  }
  if (bytes !== undefined) return out(Buffer.from(input).subarray(0, bytes).toString('utf8'));
  const parts = input.split('\n');
  const kept = parts.slice(0, lines);
  return out(kept.join('\n') + (parts.length > lines ? '\n' : ''));
}

function cut(args: string[], stdin: string): ExecOutput {
  let delim = '\t';
  let fields = '';
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-d') delim = args[++i] ?? '';
    else if (a.startsWith('-d')) delim = a.slice(2);
    else if (a === '-f') fields = args[++i] ?? '';
    else if (a.startsWith('-f')) fields = a.slice(2);
  }
  const wanted = new Set<number>();
  for (const part of fields.split(',')) {
    const [a, b] = part.split('-');
    const from = Number(a || 1);
    const to = part.includes('-') ? Number(b || 1e6) : from;
    for (let n = from; n <= Math.min(to, 1000); n++) wanted.add(n);
  }
  const lines = stdin.endsWith('\n') ? stdin.slice(0, -1).split('\n') : stdin.split('\n');
  if (stdin === '') return out('');
  const res = lines.map((line) => {
    if (!line.includes(delim)) return line;
    return line.split(delim).filter((_f, i) => wanted.has(i + 1)).join(delim);
  });
  return out(res.join('\n') + '\n');
}

function base64(args: string[], stdin: string, ctx: ExecContext): ExecOutput {
  const decode = args.includes('-d') || args.includes('--decode');
  if (!decode) {
    const enc = Buffer.from(stdin).toString('base64');
    return out((enc.match(/.{1,76}/g) ?? ['']).join('\n') + '\n');
  }
  const clean = stdin.replace(/\s+/g, '');
  const valid = /^[A-Za-z0-9+/]*={0,2}$/.test(clean) && clean.length % 4 === 0;
  const usable = clean.replace(/[^A-Za-z0-9+/=]/g, '');
  const whole = usable.slice(0, usable.length - (usable.length % 4));
  let decoded = Buffer.from(whole, 'base64').toString('utf8');
  if (!valid) {
    // GNU base64 prints what it could decode, including the partial last group, then fails.
    const tail = usable.slice(whole.length);
    if (tail.length >= 2) decoded += Buffer.from(tail + '='.repeat(4 - tail.length), 'base64').toString('utf8');
    return out(decoded, flavour(ctx) === 'gnu' ? 'base64: invalid input\n' : 'base64: truncated base64 input\n', 1);
  }
  return out(decoded);
}

function wc(args: string[], stdin: string): ExecOutput {
  if (args.includes('-c')) return out(`${Buffer.byteLength(stdin)}\n`);
  if (args.includes('-l')) return out(`${(stdin.match(/\n/g) ?? []).length}\n`);
  const l = (stdin.match(/\n/g) ?? []).length;
  const w = stdin.split(/\s+/).filter(Boolean).length;
  return out(`${String(l).padStart(7)} ${String(w).padStart(7)} ${String(Buffer.byteLength(stdin)).padStart(7)}\n`);
}

// ---- a small POSIX-ish shell -------------------------------------------------------------

type Token = { t: 'word'; parts: WordPart[] } | { t: 'op'; v: ';' | '&&' | '||' | '|' | '\n' } | { t: 'redir'; v: string };
type WordPart = { q: 'none' | 'single' | 'double'; s: string } | { q: 'subst'; s: string } | { q: 'var'; s: string; quoted: boolean };

function lex(script: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let parts: WordPart[] | undefined;
  const flush = () => {
    if (parts) tokens.push({ t: 'word', parts });
    parts = undefined;
  };
  const push = (p: WordPart) => (parts ??= []).push(p);
  const readSubst = (): string => {
    // at "$(" ; return inner text, handling nesting and quotes
    let depth = 1;
    let j = i + 2;
    let inS = false;
    let inD = false;
    for (; j < script.length; j++) {
      const c = script[j];
      if (inS) { if (c === "'") inS = false; continue; }
      if (c === "'" && !inD) { inS = true; continue; }
      if (c === '"') { inD = !inD; continue; }
      if (c === '(' && script[j - 1] === '$') depth++;
      else if (c === ')') { depth--; if (depth === 0) break; }
    }
    const inner = script.slice(i + 2, j);
    i = j + 1;
    return inner;
  };
  const readVar = (): string => {
    if (script[i + 1] === '{') {
      const end = script.indexOf('}', i);
      const v = script.slice(i + 2, end);
      i = end + 1;
      return v;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*|^[?#$0-9]/.exec(script.slice(i + 1));
    const v = m ? m[0] : '';
    i += 1 + v.length;
    return v;
  };
  while (i < script.length) {
    const c = script[i]!;
    if (c === ' ' || c === '\t') { flush(); i++; continue; }
    if (c === '\\' && script[i + 1] === '\n') { i += 2; continue; }
    if (c === '\n' || c === ';') { flush(); tokens.push({ t: 'op', v: c === ';' ? ';' : '\n' }); i++; continue; }
    if (c === '#' && !parts) { while (i < script.length && script[i] !== '\n') i++; continue; }
    if (c === '&' && script[i + 1] === '&') { flush(); tokens.push({ t: 'op', v: '&&' }); i += 2; continue; }
    if (c === '|' && script[i + 1] === '|') { flush(); tokens.push({ t: 'op', v: '||' }); i += 2; continue; }
    if (c === '|') { flush(); tokens.push({ t: 'op', v: '|' }); i++; continue; }
    const redir = /^(\d?>>?|<)(&\d|\s*[^\s;|&]+)/.exec(script.slice(i));
    if ((c === '>' || c === '<' || (/\d/.test(c) && script[i + 1] === '>')) && redir && !parts) {
      tokens.push({ t: 'redir', v: redir[0].replace(/\s+/g, '') });
      i += redir[0].length;
      continue;
    }
    if (c === "'") {
      const end = script.indexOf("'", i + 1);
      push({ q: 'single', s: script.slice(i + 1, end < 0 ? undefined : end) });
      i = end < 0 ? script.length : end + 1;
      continue;
    }
    if (c === '"') {
      i++;
      let buf = '';
      while (i < script.length && script[i] !== '"') {
        if (script[i] === '\\' && '"\\$`'.includes(script[i + 1] ?? '')) { buf += script[i + 1]; i += 2; continue; }
        if (script[i] === '$' && script[i + 1] === '(') { if (buf) push({ q: 'double', s: buf }); buf = ''; push({ q: 'subst', s: readSubst() }); continue; }
        if (script[i] === '$' && /[A-Za-z_{?#]/.test(script[i + 1] ?? '')) { if (buf) push({ q: 'double', s: buf }); buf = ''; push({ q: 'var', s: readVar(), quoted: true }); continue; }
        buf += script[i];
        i++;
      }
      push({ q: 'double', s: buf });
      i++;
      continue;
    }
    if (c === '$' && script[i + 1] === '(') { push({ q: 'subst', s: readSubst() }); continue; }
    if (c === '$' && /[A-Za-z_{?#]/.test(script[i + 1] ?? '')) { push({ q: 'var', s: readVar(), quoted: false }); continue; }
    if (c === '\\') { push({ q: 'single', s: script[i + 1] ?? '' }); i += 2; continue; }
    let j = i;
    while (j < script.length && !` \t\n;|&'"$\\`.includes(script[j]!)) j++;
    if (j === i) j = i + 1;
    push({ q: 'none', s: script.slice(i, j) });
    i = j;
  }
  flush();
  return tokens;
}

function expandWord(parts: WordPart[], ctx: ExecContext, vars: Vars, stderr: string[]): string[] {
  // Unquoted expansions are field-split; quoted ones are not.
  let fields: string[] = [''];
  let any = false;
  const appendSplit = (s: string) => {
    const pieces = s.split(/[ \t\n]+/);
    pieces.forEach((p, idx) => {
      if (idx === 0) fields[fields.length - 1] += p;
      else fields.push(p);
    });
  };
  for (const p of parts) {
    any = true;
    if (p.q === 'single' || p.q === 'double' || p.q === 'none') fields[fields.length - 1] += p.s;
    else if (p.q === 'var') {
      const v = p.s.startsWith('#') && p.s.length > 1 ? String((vars.get(p.s.slice(1)) ?? ctx.env[p.s.slice(1)] ?? '').length) : vars.get(p.s) ?? ctx.env[p.s] ?? '';
      if (p.quoted) fields[fields.length - 1] += v;
      else appendSplit(v);
    } else {
      const r = shell(p.s, ctx, new Map([...vars]));
      if (r.stderr) stderr.push(r.stderr);
      vars.set('?', String(r.exitCode));
      appendSplit(r.stdout.replace(/\n+$/, ''));
    }
  }
  fields = fields.filter((f, idx) => f !== '' || (parts.some((p) => p.q === 'single' || p.q === 'double') && idx === 0));
  return any ? fields : [];
}

interface SimpleCommand {
  words: Array<WordPart[]>;
  redirs: string[];
}

export function shell(script: string, ctx: ExecContext, vars: Vars = new Map()): ExecOutput {
  const tokens = lex(script);
  let stdout = '';
  let stderr = '';
  let last = 0;
  let i = 0;
  let skip: '&&' | '||' | undefined;
  while (i < tokens.length) {
    // one pipeline
    const pipeline: SimpleCommand[] = [{ words: [], redirs: [] }];
    while (i < tokens.length) {
      const tok = tokens[i]!;
      if (tok.t === 'op' && tok.v !== '|') break;
      if (tok.t === 'op') pipeline.push({ words: [], redirs: [] });
      else if (tok.t === 'redir') pipeline[pipeline.length - 1]!.redirs.push(tok.v);
      else pipeline[pipeline.length - 1]!.words.push(tok.parts);
      i++;
    }
    const sep = tokens[i]?.t === 'op' ? (tokens[i] as { v: string }).v : undefined;
    i++;
    const runIt = !(skip === '&&' && last !== 0) && !(skip === '||' && last === 0);
    if (runIt && pipeline.some((c) => c.words.length > 0)) {
      let input = '';
      for (const cmd of pipeline) {
        const errs: string[] = [];
        const words = cmd.words.flatMap((w) => expandWord(w, ctx, vars, errs));
        let r: ExecOutput;
        if (words.length > 0 && words.every((w) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) && cmd.words.length === words.length) {
          for (const w of words) vars.set(w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1));
          r = out('', '', Number(vars.get('?') ?? 0) && errs.length ? Number(vars.get('?')) : 0);
        } else if (words[0] === 'export') {
          for (const w of words.slice(1)) if (w.includes('=')) vars.set(w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1));
          r = out('');
        } else if (words[0] === 'exit') {
          return out(stdout, stderr + errs.join(''), Number(words[1] ?? last));
        } else {
          r = words.length ? run(words, input, ctx, vars) : out('');
        }
        let errText = errs.join('') + r.stderr;
        let outText = r.stdout;
        for (const rd of cmd.redirs) {
          if (rd === '2>/dev/null') errText = '';
          else if (rd === '>/dev/null' || rd === '1>/dev/null') outText = '';
          else if (rd === '2>&1') {
            outText += errText;
            errText = '';
          }
        }
        stderr += errText;
        input = outText;
        last = r.exitCode;
      }
      stdout += input;
      vars.set('?', String(last));
    }
    skip = sep === '&&' || sep === '||' ? sep : undefined;
    if (!runIt && (sep === '&&' || sep === '||')) skip = sep === '&&' ? (last !== 0 ? '&&' : undefined) : last === 0 ? '||' : undefined;
  }
  return out(stdout, stderr, last);
}
