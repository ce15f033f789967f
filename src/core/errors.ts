/**
 * Errors that end the program with exit code 2: the input (flags, control files, params files) is unusable.
 * Every such error names where the problem is, so a user can fix it without reading our code.
 */
export interface InputProblem {
  file?: string;
  line?: number;
  column?: number;
  /** The field (JSON pointer-ish path) the problem is about. */
  field?: string;
  message: string;
}

export function formatProblem(p: InputProblem): string {
  const where = p.file ? `${p.file}${p.line ? `:${p.line}${p.column ? `:${p.column}` : ""}` : ""}` : "";
  const field = p.field ? `${p.field}: ` : "";
  return `${where ? `${where}: ` : ""}${field}${p.message}`;
}

export class InputError extends Error {
  readonly problems: InputProblem[];
  constructor(problems: InputProblem[] | InputProblem | string) {
    const list =
      typeof problems === "string"
        ? [{ message: problems }]
        : Array.isArray(problems)
          ? problems
          : [problems];
    super(list.map(formatProblem).join("\n"));
    this.name = "InputError";
    this.problems = list;
  }
}

/**
 * The cloud answered who the caller is, but not usably (an STS GetCallerIdentity without Account or Arn, a
 * Google identity without a principal). Not bad input — the same command may work on the next attempt — so
 * it ends the run with exit 3 (a scheduler retries), and no evidence is written under an unknown account.
 */
export class CallerIdentityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CallerIdentityError";
  }
}

/** Exit codes a scheduler can act on. */
export const ExitCode = {
  /** Every control passed or was not applicable. */
  Pass: 0,
  /** At least one control failed. */
  Fail: 1,
  /** Bad usage or invalid input; nothing was evaluated. */
  Usage: 2,
  /** At least one control could not be evaluated; the evidence is incomplete. Wins over Fail. */
  Error: 3,
} as const;

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}
