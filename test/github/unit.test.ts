/** GitHub provider pieces without a server: permissions vs calls, review judgement, first-parent walk, scope patterns, budget, URL rule. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { selectControls } from "../../src/engine/select-controls.js";
import { permissionsFor } from "../../src/permissions/least-privilege.js";
import "../../src/queries/index.js";
import { RateBudget } from "../../src/providers/github/budget.js";
import { parseApiUrl } from "../../src/providers/github/connection.js";
import { DISCOVERY_CALLS } from "../../src/providers/github/context.js";
import { OPERATION_PERMISSIONS } from "../../src/providers/github/permissions.js";
import { isAllowedGitHubRequest } from "../../src/providers/github/read-only.js";
import { matches } from "../../src/providers/github/scope.js";
import { firstParentLine, judgeReviews } from "../../src/queries/github/changes.js";
import { allQueries } from "../../src/queries/registry.js";
import { loadRecording } from "../../src/recording/store.js";
import { ROOT } from "../support/cli.js";

const githubQueries = () => allQueries().filter((q) => q.provider === "github");

describe("permissions --provider github", () => {
  it("prints exactly the read permissions of the operations the selected queries declare", async () => {
    const { selected } = await selectControls(undefined, { provider: ["github"] });
    expect(permissionsFor(selected, "github")).toEqual([
      "Organization: Administration (read)",
      "Organization: Members (read)",
      "Repository: Actions (read)",
      "Repository: Administration (read)",
      "Repository: Contents (read)",
      "Repository: Metadata (read)",
      "Repository: Pull requests (read)",
    ]);
    for (const p of Object.values(OPERATION_PERMISSIONS).flat()) expect(p.access).toBe("read");
    // Only what the selection needs: the Actions policy control alone needs organization Administration.
    const { selected: one } = await selectControls(undefined, {
      control: ["change-management.github-actions-allowed-actions-restricted"],
    });
    expect(permissionsFor(one, "github")).toEqual(["Organization: Administration (read)"]);
  });

  it("every operation a recorded run made is declared by a query, so it has a permission", () => {
    // The queries' calls, plus the runtime's own scope discovery (like AWS's GetCallerIdentity): each has a permission.
    const declared = new Set([...githubQueries().flatMap((q) => q.calls), ...DISCOVERY_CALLS]);
    for (const call of declared) expect(OPERATION_PERMISSIONS[call], call).toBeDefined();
    const made = new Set(
      loadRecording(join(ROOT, "fixtures", "github", "demo"))
        .calls.filter((c) => c.service !== "auth")
        .map((c) => `${c.service}:${c.operation}`),
    );
    for (const op of made) expect(declared.has(op), op).toBe(true);
    // And the demo exercises all of them but the GraphQL follow-ups, which only a commit with more than one
    // pull request or a pull request with more than 100 reviews needs (test/github/graphql.test.ts has one),
    // and repos:get, which only a --github-repos pattern naming an unlisted repository needs.
    expect([...declared].filter((op) => !made.has(op)).sort()).toEqual([
      "graphql:CommitPullRequests",
      "graphql:PullRequestReviews",
      "repos:get",
    ]);
  });
});

describe("review judgement (GitHub semantics)", () => {
  const r = (login: string, state: string, at: string) => ({ author: login, state, submittedAt: at });
  it("takes each reviewer's latest decisive review before the merge", () => {
    const merged = new Date("2026-08-01T12:00:00Z");
    const out = judgeReviews(
      [
        r("ann", "APPROVED", "2026-08-01T10:00:00Z"),
        r("ann", "COMMENTED", "2026-08-01T11:00:00Z"),
        r("ben", "APPROVED", "2026-08-01T09:00:00Z"),
        r("ben", "CHANGES_REQUESTED", "2026-08-01T10:30:00Z"),
        r("cat", "APPROVED", "2026-08-01T13:00:00Z"), // after the merge
        r("dov", "DISMISSED", "2026-08-01T08:00:00Z"),
        r("eli", "DISMISSED", "2026-08-01T08:00:00Z"),
        r("eli", "APPROVED", "2026-08-01T09:00:00Z"),
      ],
      merged,
    );
    expect(out).toEqual({ approvers: ["ann", "eli"], dismissedWithoutNew: ["dov"] });
  });
});

describe("first-parent line", () => {
  const c = (sha: string, parents: string[]) => ({ sha, firstParent: parents[0] ?? null });
  it("follows first parents from the tip and leaves merged-branch commits out", () => {
    const line = firstParentLine([
      c("m2", ["m1", "f2"]),
      c("f2", ["f1"]),
      c("m1", ["m0", "f1"]),
      c("f1", ["m0"]),
    ]);
    expect(line.map((x) => x.sha)).toEqual(["m2", "m1"]);
  });
});

describe("scope and guard", () => {
  const repo = {
    full_name: "acme/payments-api",
    owner: "acme",
    name: "payments-api",
    default_branch: "main",
    visibility: "private",
    archived: false,
  };
  it("matches NAME and ORG/NAME patterns with * wildcards, case-insensitively", () => {
    expect(matches("payments-*", repo)).toBe(true);
    expect(matches("ACME/Payments-API", repo)).toBe(true);
    expect(matches("other/*", repo)).toBe(false);
    expect(matches("pay", repo)).toBe(false);
  });
  it("allows GET and the App token exchange only", () => {
    expect(isAllowedGitHubRequest("GET", "/repos/{owner}/{repo}")).toBe(true);
    expect(isAllowedGitHubRequest("POST", "/app/installations/{installation_id}/access_tokens")).toBe(true);
    expect(
      isAllowedGitHubRequest("POST", "https://ghe.example.com/api/v3/app/installations/42/access_tokens"),
    ).toBe(true);
    expect(isAllowedGitHubRequest("POST", "/graphql")).toBe(false); // no document: nothing to check
    expect(isAllowedGitHubRequest("POST", "/graphql", "query Q { viewer { login } }")).toBe(true);
    expect(
      isAllowedGitHubRequest("POST", "https://ghe.example.com/api/graphql", "{ viewer { login } }"),
    ).toBe(true);
    expect(
      isAllowedGitHubRequest(
        "POST",
        "/graphql",
        'mutation M { addStar(input: {starrableId: "x"}) { clientMutationId } }',
      ),
    ).toBe(false);
    expect(isAllowedGitHubRequest("POST", "/graphql", "subscription S { x }")).toBe(false);
    expect(isAllowedGitHubRequest("POST", "/graphql", "query Q { a } mutation M { b }")).toBe(false);
    expect(isAllowedGitHubRequest("POST", "/graphql", "query Q { a ")).toBe(false); // does not parse
    expect(isAllowedGitHubRequest("POST", "/repos/a/b/issues", "query Q { a }")).toBe(false);
    expect(isAllowedGitHubRequest("PUT", "/repos/a/b/branches/main/protection")).toBe(false);
    expect(isAllowedGitHubRequest("PATCH", "/orgs/acme")).toBe(false);
  });
  it("accepts plain http only for a loopback API URL", () => {
    expect(parseApiUrl("http://127.0.0.1:8080/")).toBe("http://127.0.0.1:8080");
    expect(parseApiUrl("https://ghe.example.com/api/v3")).toBe("https://ghe.example.com/api/v3");
    expect(() => parseApiUrl("http://ghe.example.com/api/v3")).toThrow(/loopback/);
  });
  it("the budget refuses once only the reserve is left before the reset", () => {
    const b = new RateBudget(100);
    const now = new Date("2026-11-20T09:00:00Z");
    const reset = String(Math.floor(now.getTime() / 1000) + 600);
    b.observe({ "x-ratelimit-remaining": "101", "x-ratelimit-limit": "5000", "x-ratelimit-reset": reset });
    expect(() => b.check("core", 1, now)).not.toThrow();
    b.observe({ "x-ratelimit-remaining": "100", "x-ratelimit-limit": "5000", "x-ratelimit-reset": reset });
    expect(() => b.check("core", 1, now)).toThrow(/100 of 5000 requests left until 2026-11-20T09:10:00.000Z/);
    expect(() => b.check("core", 1, new Date("2026-11-20T09:11:00Z"))).not.toThrow(); // a new window
    expect(b.status()).toBe("github budget 100/5000 (resets 09:10Z)");
  });
  it("GraphQL points are a budget of their own: headers, the query's own rateLimit, its cost", () => {
    const b = new RateBudget(100);
    const now = new Date("2026-11-20T09:00:00Z");
    const reset = String(Math.floor(now.getTime() / 1000) + 600);
    b.observe({ "x-ratelimit-remaining": "4000", "x-ratelimit-limit": "5000", "x-ratelimit-reset": reset });
    b.observe({
      "x-ratelimit-remaining": "104",
      "x-ratelimit-limit": "5000",
      "x-ratelimit-reset": reset,
      "x-ratelimit-resource": "graphql",
    });
    expect(() => b.check("graphql", 2, now)).not.toThrow(); // 104 - 2 leaves 102
    b.observeGraphql({ cost: 2, remaining: 102, resetAt: "2026-11-20T09:10:00Z" });
    expect(() => b.check("graphql", 1, now)).not.toThrow();
    expect(() => b.check("graphql", 3, now)).toThrow(
      /102 of 5000 GraphQL points left until 2026-11-20T09:10:00.000Z \(the next query costs 3\)/,
    );
    expect(() => b.check("core", 1, now)).not.toThrow(); // REST's budget is untouched
    expect(b.graphqlPoints).toBe(2);
    expect(b.status()).toBe(
      "github budget 4000/5000 (resets 09:10Z), graphql 102/5000 points, 2 used (resets 09:10Z)",
    );
  });
});
