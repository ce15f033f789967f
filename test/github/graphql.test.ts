/**
 * Per-change evidence over GitHub's GraphQL API, end to end in process: the real Octokit client (throttling and
 * retry plugins) POSTs each query to the local GitHub stand-in, which EXECUTES it against GitHub's published
 * schema (@octokit/graphql-schema) — a field or argument GitHub does not have fails here as it would there.
 * Covered: history over more than one page, reviews past the first page, a direct push, an approval by the
 * author only, a dismissed approval without a new one, a repository GraphQL cannot resolve (NOT_FOUND), a
 * secondary rate limit on /graphql, the GraphQL points budget, strict replay, and the mutation refusal.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  commit,
  demoModel,
  type GitHubOrgModel,
  PERIOD,
  pull,
  type RepoModel,
  repo,
  review,
  sha,
} from "../../fixtures/github/demo-src/model.js";
import type { FakeGitHub } from "../../fixtures/lib/github-server.js";
import { parsePeriod } from "../../src/core/period.js";
import { executeRun } from "../../src/engine/execute-run.js";
import { GitHubRuntime } from "../../src/providers/github/runtime.js";
import {
  byId,
  change,
  flagged,
  ORG,
  R,
  replayRun,
  runLive,
  SEEDED,
  startServer,
  TEST_TOKEN,
  testCalls,
  testClient,
} from "./support.js";

const CONTROL = "change-management.github-changes-reviewed";
let server: FakeGitHub;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

/**
 * ledger-core: 64 first-parent changes (two history pages of 50): 60 squash merges approved by alice-sec,
 * #200 whose only approval (bob-cto) is its 101st review, Q60 associated with two pull requests, #201 approved by its author only, #202 whose one
 * approval was dismissed, and a direct push by eve-admin.
 */
function ledgerModel(): GitHubOrgModel {
  const m = demoModel();
  const L = "ledger-core";
  const hour = (h: number) => new Date(Date.parse("2026-09-01T00:00:00Z") + h * 3_600_000).toISOString();
  const squashes = Array.from({ length: 60 }, (_, i) => i + 1);
  const r: RepoModel = {
    ...structuredClone(m.repos.find((x) => x.repo.name === "legacy-tools")!),
    repo: repo(L, 7010),
    commits: [],
    pulls: [],
    reviews: {},
    pullCommits: {},
    associated: {},
  };
  const line: [label: string, at: string, by: string][] = [
    ["D1", "2026-10-13T10:00:00Z", "eve-admin"],
    ["P202", "2026-10-12T10:00:00Z", "dev-dan"],
    ["P201", "2026-10-11T10:00:00Z", "dev-dan"],
    ["P200", "2026-10-10T10:00:00Z", "dev-carol"],
    ...squashes.reverse().map((i): [string, string, string] => [`Q${i}`, hour(i * 2), "dev-carol"]),
  ];
  r.commits = line.map(([label, at, by], k) =>
    commit(L, label, at, by, [line[k + 1]?.[0] ?? "Q0"], `change ${label}`),
  );
  const squash = (n: number, label: string, by: string, mergedAt: string) => {
    r.pulls.push(pull(L, n, by, mergedAt, mergedAt, label));
    r.pullCommits[n] = [commit(L, `head${n}`, hour(-1), by, ["Q0"], `work for #${n}`)];
  };
  for (const i of squashes) {
    squash(100 + i, `Q${i}`, "dev-carol", hour(i * 2));
    r.reviews[100 + i] = [review("alice-sec", "APPROVED", hour(i * 2 - 1), `${L}:head${100 + i}`)];
  }
  // Q60 is also associated with an earlier, unreviewed pull request (#203, listed first): the one that merged
  // Q60 (its merge commit, #160) is found only through the follow-up listing every associated pull request.
  r.pulls.unshift(pull(L, 203, "dev-dan", hour(100), hour(100), "X203"));
  r.associated[sha(`${L}:Q60`)] = [203];
  squash(200, "P200", "dev-carol", "2026-10-10T10:00:00Z");
  r.reviews[200] = [
    ...Array.from({ length: 100 }, (_, i) =>
      review(
        "dev-erin",
        "COMMENTED",
        new Date(Date.parse("2026-10-09T00:00:00Z") + i * 60_000).toISOString(),
        `${L}:head200`,
      ),
    ),
    review("bob-cto", "APPROVED", "2026-10-10T09:00:00Z", `${L}:head200`),
  ];
  squash(201, "P201", "dev-dan", "2026-10-11T10:00:00Z");
  r.reviews[201] = [review("dev-dan", "APPROVED", "2026-10-11T09:00:00Z", `${L}:head201`)];
  squash(202, "P202", "dev-dan", "2026-10-12T10:00:00Z");
  r.reviews[202] = [review("alice-sec", "DISMISSED", "2026-10-12T09:00:00Z", `${L}:head202`)];
  m.repos.push(r);
  return m;
}

describe("github.repo.changes over GraphQL, executed against GitHub's schema", () => {
  it("pages the history and a pull request's reviews; flags exactly the direct push, the author-only approval and the dismissed one; replays strictly", async () => {
    server.configure({ token: TEST_TOKEN }, ledgerModel());
    const out = await runLive(server, {
      control: [CONTROL],
      runtime: { repoPatterns: ["ledger-core", "payments-api"] },
    });
    const result = byId(out)[CONTROL]!;
    expect(result.status).toBe("fail");
    expect(result.population).toBe(64 + 7);
    expect(flagged(result)).toEqual(
      [
        change("ledger-core", "D1"),
        change("ledger-core", "P201"),
        change("ledger-core", "P202"),
        change("payments-api", "A5"),
        change("payments-api", "A6"),
        change("payments-api", "A7"),
      ].sort(),
    );
    const message = (label: string) =>
      result.findings.find((f) => f.resource === change("ledger-core", label))?.message ?? "";
    expect(message("D1")).toContain(
      "by eve-admin at 2026-10-13T10:00:00.000Z was pushed to acme-exchange/ledger-core main directly",
    );
    expect(message("P201")).toContain(
      "(pull request #201 by dev-dan, last push by dev-dan) had 0 independent approval(s)",
    );
    expect(message("P202")).toContain(
      "(pull request #202): review by alice-sec dismissed without a new approval",
    );
    // #200 passes only because its 101st review (the approval) was read from the follow-up page.
    const p200 = result.items.find((i) => i.change_id === change("ledger-core", "P200"))!;
    expect(p200).toMatchObject({ pull_request: 200, approvers: ["bob-cto"], independent_approvals: 1 });

    const graphql = out.calls.filter((c) => c.service === "graphql");
    const count = (op: string, repoName: string) =>
      graphql.filter((c) => c.operation === op && c.account === R(repoName)).length;
    expect(count("DefaultBranchChanges", "ledger-core")).toBe(2); // 64 commits at 50 a page
    expect(count("DefaultBranchChanges", "payments-api")).toBe(1);
    expect(count("PullRequestReviews", "ledger-core")).toBe(1);
    expect(count("CommitPullRequests", "ledger-core")).toBe(1);
    expect(graphql).toHaveLength(5);
    expect(result.items.find((i) => i.change_id === change("ledger-core", "Q60"))).toMatchObject({
      pull_request: 160,
      independent_approvals: 1,
    });
    const second = graphql.find(
      (c) =>
        c.operation === "DefaultBranchChanges" &&
        (c.input as { variables: { cursor: unknown } }).variables.cursor,
    )!;
    expect((second.input as { variables: Record<string, unknown> }).variables).toMatchObject({
      owner: ORG,
      name: "ledger-core",
      since: PERIOD.start,
    });
    // What was recorded is what GitHub's schema answered: the query text, its variables, the body with rateLimit.
    expect(typeof (second.input as { query: string }).query).toBe("string");
    expect(
      (second.output as { data: { data: { rateLimit: { cost: number } } } }).data.data.rateLimit.cost,
    ).toBe(2);

    const before = server.requests.length;
    const again = await replayRun({ calls: out.calls, period: out.document.run.period, control: [CONTROL] });
    expect(server.requests.length).toBe(before);
    expect(flagged(byId(again)[CONTROL])).toEqual(flagged(result));
    // Strict: a query with other variables has no recorded answer.
    const tampered = out.calls.map((c) =>
      c === second
        ? {
            ...c,
            input: {
              ...(c.input as object),
              variables: { ...(c.input as { variables: object }).variables, cursor: "x" },
            },
          }
        : c,
    );
    const strict = await replayRun({ calls: tampered, period: out.document.run.period, control: [CONTROL] });
    const replayed = byId(strict)[CONTROL]!;
    expect(replayed.status).toBe("error");
    expect(replayed.errors.map((e) => e.account)).toEqual([R("ledger-core")]);
  });

  it("a repository GraphQL cannot resolve (NOT_FOUND, HTTP 200) is a scope gap: the control errors for it, the others are evaluated", async () => {
    server.configure({ token: TEST_TOKEN, graphqlNotFound: ["infra-terraform"] }, demoModel());
    const out = await runLive(server, { control: [CONTROL] });
    const result = byId(out)[CONTROL]!;
    expect(result.status).toBe("error");
    expect(result.errors.map((e) => e.account)).toEqual([R("infra-terraform")]);
    expect(result.reason).toContain(
      "repository acme-exchange/infra-terraform: not found or not visible to this token (GraphQL NOT_FOUND at repository: Could not resolve to a Repository with the name 'acme-exchange/infra-terraform'.)",
    );
    expect(flagged(result)).toEqual(SEEDED[CONTROL]);
    const recorded = out.calls.find((c) => c.service === "graphql" && c.account === R("infra-terraform"))!;
    expect(recorded.error).toMatchObject({ name: "GraphqlError" });
  });

  it("a secondary rate limit on /graphql (403 + retry-after) is retried and counted; verdicts unchanged", async () => {
    server.configure({ token: TEST_TOKEN, secondaryLimitOnce: ["/graphql"] }, demoModel());
    const out = await runLive(server, { control: [CONTROL], runtime: { concurrency: 1 } });
    expect(flagged(byId(out)[CONTROL])).toEqual(SEEDED[CONTROL]);
    expect(byId(out)[CONTROL]!.status).toBe("fail");
    const graphql = out.calls.filter((c) => c.service === "graphql");
    expect(graphql.map((c) => c.attempts ?? 1).sort()).toEqual([1, 1, 1, 2]);
    expect(server.requests.filter((r) => r.path === "/graphql")).toHaveLength(5);
    expect(out.document.run.stats.throttles).toBeGreaterThanOrEqual(1);
  });

  it("stops sending GraphQL queries when only the reserve of the points budget is left; shows it in the status", async () => {
    server.configure({ token: TEST_TOKEN, graphqlRemaining: 103 }, demoModel());
    let runtime: GitHubRuntime | undefined;
    const out = await executeRun({
      filter: { provider: ["github"], control: [CONTROL] },
      now: new Date("2026-11-20T09:00:00.000Z"),
      period: parsePeriod(PERIOD.spec),
      overrides: {},
      runtimeFactories: {
        github: ({ recorder, replay }) => {
          runtime = new GitHubRuntime({
            recorder,
            replay,
            orgs: [ORG],
            apiUrl: server.url,
            credentials: { kind: "token", token: TEST_TOKEN, source: "GITHUB_TOKEN" },
            reserve: 100,
            concurrency: 1,
          });
          return runtime;
        },
      },
    });
    // The first query (2 points) leaves 101: a second would leave 99, inside the reserve.
    expect(server.requests.filter((r) => r.path === "/graphql")).toHaveLength(1);
    const result = byId(out)[CONTROL]!;
    expect(result.status).toBe("error");
    expect(result.reason).toMatch(
      /rate-limit budget exhausted: 101 of 5000 GraphQL points left until .* \(the next query costs 2\)/,
    );
    expect(out.calls.filter((c) => c.error?.name === "RateLimitBudgetExhausted")).toHaveLength(3);
    expect(runtime!.status()).toMatch(/graphql 101\/5000 points, 2 used/);
    expect(runtime!.stats()).toMatchObject({ graphqlPoints: 2, graphqlRemaining: 101, graphqlLimit: 5000 });
  });
});

describe("GitHub's own RATE_LIMITED answer (HTTP 200, errors)", () => {
  it("is not waited out: the control errors naming it, never pass", async () => {
    server.configure({ token: TEST_TOKEN, graphqlRemaining: 1 }, demoModel());
    const out = await runLive(server, { control: [CONTROL], runtime: { reserve: 0, concurrency: 1 } });
    const result = byId(out)[CONTROL]!;
    expect(result.status).toBe("error");
    expect(result.reason).toContain("RATE_LIMITED: API rate limit already exceeded");
    expect(result.findings.filter((f) => f.status === "pass")).toEqual([]);
    expect(
      out.calls.filter((c) => c.service === "graphql").every((c) => c.error?.name === "GraphqlError"),
    ).toBe(true);
  });
});

describe("read-only: GraphQL only for queries", () => {
  it("refuses a mutation or subscription before anything is sent, in the wrapper and in the request hook", async () => {
    server.configure({ token: TEST_TOKEN });
    const client = testClient(server);
    const calls = testCalls(client);
    const star = 'mutation AddStar { addStar(input: {starrableId: "R_1"}) { clientMutationId } }';
    await expect(calls.graphql({ operation: "AddStar", text: star }, ORG, {})).rejects.toThrow(
      /refused POST \/graphql: the GraphQL document holds a mutation \(AddStar\): only queries are sent/,
    );
    await expect(
      calls.graphql({ operation: "Q", text: `query Q { viewer { login } } ${star}` }, ORG, {}),
    ).rejects.toThrow(/holds a mutation \(AddStar\)/);
    await expect(
      calls.graphql({ operation: "S", text: "subscription S { viewer { login } }" }, ORG, {}),
    ).rejects.toThrow(/holds a subscription/);
    // Octokit's own entry points, below our wrapper: the request hook parses the document too.
    await expect(client.request("POST /graphql", { query: star })).rejects.toThrow(/refused POST/);
    await expect(client.graphql(star)).rejects.toThrow(/refused POST/);
    await expect(client.request("POST /graphql", { data: JSON.stringify({ query: star }) })).rejects.toThrow(
      /refused POST/,
    );
    expect(server.requests).toEqual([]);
    // A query goes through (and is answered by GitHub's schema).
    await expect(client.graphql("query Who { rateLimit { limit } }")).resolves.toEqual({
      rateLimit: { limit: 5000 },
    });
    expect(server.requests.map((r) => `${r.method} ${r.path} ${r.operation}`)).toEqual(["POST /graphql Who"]);
  });

  it("with the run's allow-list, refuses a query no selected query declares", async () => {
    server.configure({ token: TEST_TOKEN });
    const calls = testCalls(testClient(server), ["graphql:DefaultBranchChanges"]);
    await expect(
      calls.graphql({ operation: "Viewer", text: "query Viewer { viewer { login } }" }, ORG, {}),
    ).rejects.toThrow(/refused graphql:Viewer: not an operation the selected queries declare/);
    expect(server.requests).toEqual([]);
  });
});
