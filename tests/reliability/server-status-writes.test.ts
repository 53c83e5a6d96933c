/**
 * HTTP errors from the API server, staged with the emulator's fault injection (POST
 * /_emulator/faults): every subcommand that talks to the cluster answers each with exit 1 and one
 * `error:` line that names it, within --request-timeout (1 s here, retries included) plus a second.
 * This file takes half the commands (server-status-reads.test.ts the other half).
 */
import { describeServerStatuses } from './support/world';

describeServerStatuses(['mint', 'test-auth', 'migrate-legacy']);
