/**
 * Errors that carry their exit code. Every layer below cli/ throws these (or its own typed errors
 * that cli/ maps); only src/main.ts turns them into a process exit code.
 * Exit codes follow ../shared/design/ARCHITECTURE.md: 1 = could not do the job, 2 = usage error,
 * 3 = the job was done and found a failing problem, 4 = nothing failing found but not proven either
 * (both are Outcomes, never errors).
 */
export class SatokenError extends Error {
  constructor(
    message: string,
    /** 1 (could not do the job) or 2 (usage / malformed input). */
    readonly exitCode: 1 | 2,
    /** One line with the obvious next step, printed as `hint: …` under the error. */
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad flag, bad argument, malformed input: exit 2. */
export class UsageError extends SatokenError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, 2, hint, options);
  }
}

/** The job could not be done (unreachable, forbidden, not found, I/O): exit 1. */
export class OperationError extends SatokenError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, 1, hint, options);
  }
}
