/**
 * A job failure whose message was written for operators: it names what went wrong and what to do, and carries no
 * PHI or recipient data. Anything else thrown by a handler is reduced to its class and a redacted message.
 */
export class JobError extends Error {
  /** Stable code shown in `jobs failed` and the operator console. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Retrying cannot help (a rejected message, a missing sender identity): the job goes straight to failed. */
export class PermanentJobError extends JobError {}

/** The failure recorded on a job row (pg-boss `output`) and shown to operators. */
export interface JobFailure {
  error: string;
  code: string;
  message: string;
  permanent: boolean;
  attempt: number;
  at: string;
  stack?: string;
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

/**
 * What is stored for operators. pg-boss would otherwise serialise every enumerable property of the error, and a
 * driver error carries the query parameters (which may hold a patient's data).
 */
export function describeFailure(error: unknown, attempt: number): JobFailure {
  const at = new Date().toISOString();
  if (error instanceof JobError) {
    return {
      error: error.name,
      code: error.code,
      message: error.message.slice(0, 1000),
      permanent: error instanceof PermanentJobError,
      attempt,
      at,
    };
  }
  const e = error instanceof Error ? error : new Error(String(error));
  return {
    error: e.name,
    code: 'unexpected',
    message: e.message.replace(EMAIL, '<address>').slice(0, 500),
    permanent: false,
    attempt,
    at,
    // Frames only: file names and line numbers, no values.
    stack: e.stack
      ?.split('\n')
      .slice(1, 9)
      .map((l) => l.trim())
      .join('\n'),
  };
}
