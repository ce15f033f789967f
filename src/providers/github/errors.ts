/**
 * GitHub API errors: recognising them, and rebuilding recorded ones for replay. Octokit raises a RequestError
 * carrying the HTTP `status` and the response body (`{message, documentation_url}`); a replayed call raises
 * a GitHubApiError with the same status and message, so queries decide on the same facts either way.
 */
import type { RecordedError } from "../../recording/format.js";

export class GitHubApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(`HTTP ${status}: ${message}`);
    this.name = "HttpError";
    this.status = status;
  }
}

/** One entry of a GraphQL answer's `errors` (GitHub adds `type`: NOT_FOUND, FORBIDDEN, RATE_LIMITED, …). */
export interface GraphqlErrorEntry {
  type?: string;
  message: string;
  path?: (string | number)[];
}

/**
 * A GraphQL answer with `errors` (GitHub answers HTTP 200 for them: a repository the token cannot see is
 * `NOT_FOUND`, a permission it lacks `FORBIDDEN`). The query fails closed on any of them, partial data or not:
 * the part missing is exactly what a control would need.
 */
export class GitHubGraphqlError extends Error {
  /** The first error's type (`NOT_FOUND`, `FORBIDDEN`, `RATE_LIMITED`, …; `GRAPHQL` when GitHub gave none). */
  readonly type: string;
  constructor(errors: GraphqlErrorEntry[] | string) {
    const text =
      typeof errors === "string"
        ? errors
        : errors
            .map((e) => `${e.type ?? "GRAPHQL"}${e.path ? ` at ${e.path.join(".")}` : ""}: ${e.message}`)
            .join("; ");
    super(text);
    this.name = "GraphqlError";
    this.type = /^([A-Z_]+)/.exec(text)?.[1] ?? "GRAPHQL";
  }
}

/** The run stopped sending requests to keep the rate-limit reserve (see budget.ts). */
export class GitHubBudgetExhausted extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RateLimitBudgetExhausted";
  }
}

export function httpStatus(e: unknown): number | undefined {
  const s = (e as { status?: unknown } | null)?.status;
  return typeof s === "number" ? s : undefined;
}

/** GitHub's own message (the response body's `message`), without Octokit's decoration. */
export function apiMessage(e: unknown): string {
  const data = (e as { response?: { data?: { message?: unknown } } } | null)?.response?.data;
  if (data && typeof data.message === "string") return data.message;
  if (e instanceof GitHubApiError) return e.message.replace(/^HTTP \d+: /, "");
  return e instanceof Error ? e.message : String(e);
}

export function toRecordedError(e: unknown): RecordedError {
  if (e instanceof GitHubGraphqlError) return { name: e.name, message: e.message };
  const status = httpStatus(e);
  if (status !== undefined) return { name: "HttpError", message: apiMessage(e), httpStatusCode: status };
  const err = e as { name?: string; message?: string };
  return { name: err.name ?? "Error", message: err.message ?? String(e) };
}

export function fromRecordedError(r: RecordedError): Error {
  if (r.httpStatusCode !== undefined) return new GitHubApiError(r.httpStatusCode, r.message);
  if (r.name === "GraphqlError") return new GitHubGraphqlError(r.message);
  if (r.name === "RateLimitBudgetExhausted") return new GitHubBudgetExhausted(r.message);
  const err = new Error(r.message);
  err.name = r.name;
  return err;
}

/**
 * Why a 403 / 404 happened, in words an auditor can act on. GitHub answers 404 (not 403) for a private
 * resource the token may not see, so a 404 on a resource we listed is a scope gap, not an absence.
 */
export function describeDenied(e: unknown, what: string): string {
  if (e instanceof GitHubGraphqlError && e.type === "NOT_FOUND")
    return `${what}: not found or not visible to this token (GraphQL ${e.message}); grant the permission \`itgc-validate permissions --provider github\` lists`;
  if (e instanceof GitHubGraphqlError && e.type === "FORBIDDEN")
    return `${what}: denied (GraphQL ${e.message})`;
  const status = httpStatus(e);
  if (status === 404)
    return `${what}: not found or not visible to this token (HTTP 404: ${apiMessage(e)}); grant the permission \`itgc-validate permissions --provider github\` lists`;
  if (status === 403 || status === 401) return `${what}: denied (HTTP ${status}: ${apiMessage(e)})`;
  return `${what}: ${e instanceof Error ? e.message : String(e)}`;
}
