/**
 * Read-only by construction for GitHub: every request the Octokit client would send passes this check first
 * (an Octokit `request` hook, so it also sees the requests of the auth strategy and of retries). Only GET is
 * allowed, plus one exchange that changes nothing: a GitHub App trading its JWT for an installation token.
 * GraphQL (POST /graphql) is refused: the queries use REST only (docs/performance.md has the figures).
 */
export class GitHubReadOnlyViolation extends Error {
  constructor(method: string, url: string) {
    super(`refused ${method} ${url}: itgc-validate only sends read requests to GitHub`);
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
};

const INSTALLATION_TOKEN = /^\/app\/installations\/\d+\/access_tokens$/;

/** `url` is the route template (`/repos/{owner}/{repo}`) or an expanded path / absolute URL. */
export function isAllowedGitHubRequest(method: string, url: string): boolean {
  const m = method.toUpperCase();
  if (m === "GET" || m === "HEAD") return true;
  const path = pathOf(url);
  return (
    m === "POST" &&
    (INSTALLATION_TOKEN.test(path) || path === "/app/installations/{installation_id}/access_tokens")
  );
}

function pathOf(url: string): string {
  const noQuery = url.split("?")[0] ?? "";
  const path = /^https?:\/\//.test(noQuery) ? new URL(noQuery).pathname : noQuery;
  // GitHub Enterprise Server serves the API under /api/v3.
  return path.replace(/^\/api\/v3(?=\/)/, "");
}
