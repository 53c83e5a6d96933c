/**
 * The contract between the exec transport (exec/websocket.ts, the platform) and whatever runs the
 * command in the container (the kubelet module's interpreter).
 */
import type { KubeObject } from '../store/types';

export interface ExecRequest {
  pod: KubeObject;
  container: string;
  command: string[];
  /** All of stdin, when the client sent one (closed before the command runs). */
  stdin?: Buffer;
  tty: boolean;
}

export type ExecOutcome =
  /** The command ran: its output and exit code (non-zero → NonZeroExitCode status). */
  | { exitCode: number; stdout?: string | Buffer; stderr?: string | Buffer }
  /**
   * The runtime could not start it (distroless image, no such binary): the message after
   * "error executing command in container: ", e.g. containerd's `failed to exec in container: …`.
   */
  | { error: string }
  /** The runner wrote the error-channel Status itself (the kubelet module does). */
  | { stdout?: string | Buffer; stderr?: string | Buffer; status: object };

export type ExecRunner = (req: ExecRequest) => ExecOutcome | Promise<ExecOutcome>;
