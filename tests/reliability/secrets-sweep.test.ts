/**
 * No output leaks a token (see support/sweep.ts): table and wide, and table with --debug; the
 * written files (plan, backups, mint --output-file).
 */
import { sweepSuite } from './support/sweep';

sweepSuite([['-o', 'table'], ['-o', 'wide'], ['-o', 'table', '--debug']], true);
