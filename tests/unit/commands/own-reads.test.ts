import { ownReadsIn, type ReadWhere } from '../../../src/commands/own-reads';
import { parsePodFileRead, podFileReadCommand } from '../../../src/commands/pod-file-read';
import { memoryIo } from './test-auth/fakes';

const where: ReadWhere = { server: 'https://127.0.0.1:6443', namespace: 'shop', pod: 'web-0', container: 'app', path: '/var/run/secrets/kubernetes.io/serviceaccount/token' };
const MTIME = '2026-11-28 16:00:00.100000001 +0000';
const A0 = '2026-11-28 16:00:00.100000001 +0000';
const A1 = '2026-11-28 16:30:00.200000002 +0000';
const A2 = '2026-11-29 16:31:00.300000003 +0000';
const FILE = '/home/u/.cache/kubectl-satoken/own-reads.json';

describe('own reads', () => {
  test('a read of ours is found by the atime it left, with the atime before it; on the next run too', async () => {
    const io = memoryIo();
    await ownReadsIn(io, { HOME: '/home/u' }).remember(where, { atime: A0, mtime: MTIME }, A1);
    expect(io.files.get(FILE)?.mode).toBe(0o600);
    const next = ownReadsIn(io, { HOME: '/home/u' });
    expect(await next.before(where, { atime: A1, mtime: MTIME })).toEqual({ atime: A0, readAt: A1 });
    // Another atime (someone else read after a new rotation), another mtime, another pod: not ours.
    expect(await next.before(where, { atime: A2, mtime: MTIME })).toBeUndefined();
    expect(await next.before(where, { atime: A1, mtime: A1 })).toBeUndefined();
    expect(await next.before({ ...where, pod: 'web-1' }, { atime: A1, mtime: MTIME })).toBeUndefined();
  });

  test('two reads of ours a day apart (relatime moves the atime again): judged by the atime before the first', async () => {
    const io = memoryIo();
    const reads = ownReadsIn(io, { XDG_CACHE_HOME: '/xdg' });
    await reads.remember(where, { atime: A0, mtime: MTIME }, A1);
    await reads.remember(where, { atime: A1, mtime: MTIME }, A2);
    expect([...io.files.keys()]).toEqual(['/xdg/kubectl-satoken/own-reads.json']);
    expect(await reads.before(where, { atime: A2, mtime: MTIME })).toEqual({ atime: A0, readAt: A1 });
  });

  test('no cache directory, or a file that is not ours: nothing remembered, nothing thrown', async () => {
    const io = memoryIo({ [FILE]: '{"version":1,"reads":[{"w":1}]}' });
    const none = ownReadsIn(io, { HOME: 'relative' });
    await none.remember(where, { atime: A0, mtime: MTIME }, A1);
    expect(await none.before(where, { atime: A1, mtime: MTIME })).toBeUndefined();
    expect(await ownReadsIn(io, { HOME: '/home/u' }).before(where, { atime: A1, mtime: MTIME })).toBeUndefined();
    const broken = memoryIo({ [FILE]: 'not json' });
    expect(await ownReadsIn(broken, { HOME: '/home/u' }).before(where, { atime: A1, mtime: MTIME })).toBeUndefined();
  });

  test('a write that fails does not fail the read', async () => {
    const io = { ...memoryIo(), writeFile: async () => Promise.reject(new Error('EROFS')) };
    await expect(ownReadsIn(io, { HOME: '/home/u' }).remember(where, { atime: A0, mtime: MTIME }, A1)).resolves.toBeUndefined();
  });

  test('bounded: the oldest reads go first', async () => {
    const io = memoryIo();
    const reads = ownReadsIn(io, { HOME: '/home/u' });
    for (let i = 0; i < 2005; i++) await reads.remember({ ...where, pod: `p${i}` }, { atime: A0, mtime: MTIME }, A1);
    const saved = JSON.parse(io.files.get(FILE)!.data).reads;
    expect(saved).toHaveLength(2000);
    expect(await ownReadsIn(io, { HOME: '/home/u' }).before({ ...where, pod: 'p0' }, { atime: A1, mtime: MTIME })).toBeUndefined();
    expect(await ownReadsIn(io, { HOME: '/home/u' }).before({ ...where, pod: 'p2004' }, { atime: A1, mtime: MTIME })).toEqual({ atime: A0, readAt: A1 });
  });
});

describe('reading a file in a pod: stat, cat, stat', () => {
  test('the path is quoted for the shell', () => {
    expect(podFileReadCommand("/x/it's")[2]).toContain(`cat '/x/it'\\''s'`);
  });

  test('times before and after, and the text without the newline the script adds', () => {
    const out = `${A0}|${MTIME}\n--satoken-read--\nabc.def.ghi\n--satoken-after--\n${A1}|${MTIME}\n`;
    expect(parsePodFileRead(out)).toEqual({ text: 'abc.def.ghi', before: { atime: A0, mtime: MTIME }, after: { atime: A1, mtime: MTIME } });
  });

  test('a file that prints the markers itself cannot fake the times after', () => {
    const out = `${A0}|${MTIME}\n--satoken-read--\nx\n--satoken-after--\n${A0}|${MTIME}\n\n--satoken-after--\n${A1}|${MTIME}\n`;
    const r = parsePodFileRead(out);
    expect(r.after).toEqual({ atime: A1, mtime: MTIME });
    expect(r.text).toContain('x');
  });
});
