/** No output leaks a token (see support/sweep.ts): json and yaml, and json with --debug. */
import { sweepSuite } from './support/sweep';

sweepSuite([['-o', 'json'], ['-o', 'yaml'], ['-o', 'json', '--debug']], false);
