/** diagnose --self reads the token file it judges: its own read must not count as the app's next time. */
import type { FileStat } from '../../../../src/checks/context';
import { fileReader } from '../../../../src/commands/diagnose/readers';
import { ownReadsIn } from '../../../../src/commands/own-reads';
import { memoryIo } from '../test-auth/fakes';

const DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const MTIME = new Date('2026-11-28T15:30:00.123Z');

test('a second --self run sees the atime from before the first run\'s read', async () => {
  const io = memoryIo({ [`${DIR}/token`]: 'abc.def.ghi', [`${DIR}/ca.crt`]: 'x', [`${DIR}/namespace`]: 'shop' });
  // relatime: the first read after the write moves the atime, later ones do not.
  let atime = MTIME;
  let clock = new Date('2026-11-28T16:00:00.456Z');
  const readFile = io.readFile;
  io.readFile = async (p) => {
    if (p.endsWith('/token') && atime <= MTIME) atime = clock;
    return readFile(p);
  };
  const stat = async (p: string): Promise<FileStat> => (p.endsWith('/token') ? { size: 11, atime, mtime: MTIME } : { size: 1, atime: MTIME, mtime: MTIME });
  const where = { server: 'https://10.96.0.1:443', namespace: 'shop', pod: 'web-0', container: '', path: `${DIR}/token` };
  const run = async () => {
    const r = await fileReader(io, DIR, stat, { reads: ownReadsIn(io, { HOME: '/home/app' }), where })();
    if (!r.ok) throw new Error('not read');
    return r.value.files.token!;
  };
  expect(await run()).toEqual({ size: 11, atime: MTIME, mtime: MTIME });
  clock = new Date('2026-11-28T16:05:00Z');
  expect(await run()).toEqual({ size: 11, atime: MTIME, mtime: MTIME, ownReadAt: new Date('2026-11-28T16:00:00.456Z') });
});
