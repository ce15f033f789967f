/**
 * Read-only by construction for GitHub: every request the Octokit client would send passes this check first
 * (an Octokit `request` hook, so it also sees the requests of the auth strategy and of retries). Allowed:
 * - GET (and HEAD);
 * - POST to the GraphQL endpoint (/graphql; GitHub Enterprise Server: /api/graphql) only when the document,
 *   parsed with the reference GraphQL parser, holds nothing but `query` operations (and fragments): a
 *   `mutation` or `subscription`, a document that does not parse, or a body the check cannot see is refused;
 * - one exchange that changes nothing: a GitHub App trading its JWT for an installation token.
 */
// The parser alone, not the package's index: the index loads all of graphql-js (type system, validation,
// execution: ≈ 100 files) where a read-only check needs its parser (docs/performance.md, round 8).
import { Kind } from "graphql/language/kinds.js";
import { parse } from "graphql/language/parser.js";

export class GitHubReadOnlyViolation extends Error {
  constructor(method: string, url: string, why = "itgc-validate only sends read requests to GitHub") {
    super(`refused ${method} ${url}: ${why}`);
    this.name = "ReadOnlyViolation";
  }
}

/** A read the selected queries do not declare in `calls`: refused, as AWS and GCP refuse one. */
export class GitHubUndeclaredOperation extends Error {
  constructor(operation: string) {
    super(`refused ${operation}: not an operation the selected queries declare`);
    this.name = "ReadOnlyViolation";
  }
}

/** Non-GET requests the tool may send, each with why it is safe. */
export const ALLOWED_NON_GET: Readonly<Record<string, string>> = {
  "POST /app/installations/{installation_id}/access_tokens":
    "a GitHub App exchanges its JWT for a short-lived installation token; changes no configuration",
  "POST /graphql":
    "GraphQL queries only: the document is parsed and refused unless every operation in it is a `query`",
};

const INSTALLATION_TOKEN = /^\/app\/installations\/\d+\/access_tokens$/;

/**
 * `url` is the route template (`/repos/{owner}/{repo}`) or an expanded path / absolute URL; `graphqlDocument`
 * the `query` of a POST to the GraphQL endpoint (anything but a string is refused).
 */
export function isAllowedGitHubRequest(method: string, url: string, graphqlDocument?: unknown): boolean {
  const m = method.toUpperCase();
  if (m === "GET" || m === "HEAD") return true;
  if (m !== "POST") return false;
  const path = pathOf(url);
  if (isGraphqlPath(path))
    return typeof graphqlDocument === "string" && readOnlyProblem(graphqlDocument) === undefined;
  return INSTALLATION_TOKEN.test(path) || path === "/app/installations/{installation_id}/access_tokens";
}

export function isGraphqlPath(path: string): boolean {
  return path === "/graphql" || path === "/api/graphql";
}

/**
 * Why a GraphQL document is not a pure read (undefined when it is): it does not parse, or it defines an
 * operation other than `query`. Fragments are allowed (they only shape a query's selection).
 */
export function readOnlyProblem(document: string): string | undefined {
  let ast: ReturnType<typeof parse>;
  try {
    ast = parse(document, { noLocation: true });
  } catch (e) {
    return `the GraphQL document does not parse (${(e as Error).message})`;
  }
  for (const d of ast.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) continue;
    if (d.kind !== Kind.OPERATION_DEFINITION)
      return `the GraphQL document defines a ${d.kind}, not only queries`;
    if (d.operation !== "query")
      return `the GraphQL document holds a ${d.operation}${d.name ? ` (${d.name.value})` : ""}: only queries are sent`;
  }
  return undefined;
}

/** The names of a document's operations (each must be named: the name is the recorded operation). */
export function operationNames(document: string): string[] {
  return parse(document, { noLocation: true })
    .definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION)
    .map((d) => (d.kind === Kind.OPERATION_DEFINITION ? (d.name?.value ?? "") : ""));
}

function pathOf(url: string): string {
  const noQuery = url.split("?")[0] ?? "";
  const path = /^https?:\/\//.test(noQuery) ? new URL(noQuery).pathname : noQuery;
  // GitHub Enterprise Server serves the REST API under /api/v3 (and GraphQL at /api/graphql).
  return path.replace(/^\/api\/v3(?=\/)/, "");
}
