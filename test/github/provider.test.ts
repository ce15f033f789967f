/**
 * The GitHub provider end to end in process: the real Octokit client (throttling and retry plugins, Link
 * paging) against the local GitHub stand-in on 127.0.0.1, the queries, the controls, the recorder and strict
 * replay. One server for the file, reconfigured per scenario.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoModel, type GitHubOrgModel, sha } from "../../fixtures/github/demo-src/model.js";
import type { FakeGitHub } from "../../fixtures/lib/github-server.js";
import {
  byId,
  change,
  flagged,
  ORG,
  PARAMS,
  R,
  replayRun,
  runLive,
  SEEDED,
  startServer,
  TEST_TOKEN,
  testCalls,
  testClient,
} from "./support.js";

let server: FakeGitHub;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

describe("live run against the local GitHub (real Octokit over HTTP)", () => {
  it("flags exactly the seeded exceptions, pages through Link headers, retries a secondary limit, records no token", async () => {
    const secondary = `/orgs/${ORG}/members?per_page=100&role=admin`;
    server.configure({ token: TEST_TOKEN, pageSize: 2, secondaryLimitOnce: [secondary] });
    const out = await runLive(server, { overrides: PARAMS });
    const results = byId(out);
    expect(Object.keys(results).sort()).toEqual(Object.keys(SEEDED).sort());
    for (const [id, expected] of Object.entries(SEEDED)) {
      expect({ id, status: results[id]!.status, flagged: flagged(results[id]) }).toEqual({
        id,
        status: expected.length ? "fail" : "pass",
        flagged: expected,
      });
    }
    // The changes population: first-parent commits in the period only (not the merged branch's F1/F2, not
    // A3 before it), the rebase's first commit found through the commit → pull request association.
    const changes = results["change-management.github-changes-reviewed"]!;
    expect(changes.findings.map((f) => f.resource).sort()).toEqual(
      [
        change("payments-api", "A10"),
        change("payments-api", "A4"),
        change("payments-api", "A5"),
        change("payments-api", "A6"),
        change("payments-api", "A7"),
        change("payments-api", "A8"),
        change("payments-api", "A9"),
        change("infra-terraform", "B2"),
        change("legacy-tools", "L1"),
      ].sort(),
    );
    const direct = changes.findings.find((f) => f.resource === change("payments-api", "A6"))!;
    expect(direct.message).toContain(
      "by bob-cto at 2026-09-15T23:10:00.000Z was pushed to acme-exchange/payments-api main directly",
    );

    // The pull request's last commit answers the last pusher: #11's is F2 by dev-carol.
    const a4 = changes.items.find((i) => i.change_id === change("payments-api", "A4"))!;
    expect(a4).toMatchObject({ pull_request: 11, last_pusher: "dev-carol", independent_approvals: 2 });
    // Per-change evidence is one GraphQL query per repository here (history < 50 commits, < 100 reviews
    // each): no REST listing of commits, pull requests, reviews or pull request commits at all.
    const graphqlCalls = out.calls.filter((c) => c.service === "graphql");
    expect(graphqlCalls.map((c) => `${c.operation} ${c.account}`).sort()).toEqual(
      ["infra-terraform", "legacy-tools", "payments-api", "web-frontend"].map(
        (r) => `DefaultBranchChanges ${R(r)}`,
      ),
    );
    expect(out.calls.filter((c) => c.service === "pulls" || c.operation === "listCommits")).toEqual([]);
    for (const c of graphqlCalls) {
      const output = c.output as {
        headers: Record<string, string>;
        data: { data: { rateLimit: { cost: number } } };
      };
      expect(output.headers["x-ratelimit-resource"]).toBe("graphql");
      expect(output.data.data.rateLimit.cost).toBe(2); // GitHub's formula: (1 + 4 × 50) / 100, rounded
    }
    expect(out.document.run.stats).toBeDefined();
    // The repository list's second page came from GitHub's /organizations/{id}/repos link.
    expect(
      out.calls.some((c) =>
        String((c.input as { path: string }).path).startsWith("/organizations/9000001/repos?"),
      ),
    ).toBe(true);

    // The secondary limit was retried (after retry-after) and counted.
    const throttled = out.calls.find((c) => (c.input as { path?: string }).path === secondary)!;
    expect(throttled.attempts).toBe(2);
    expect(out.document.run.stats.throttles).toBeGreaterThanOrEqual(1);

    // Read-only (GETs, and POST /graphql only for the declared queries), authenticated, and the token is
    // nowhere in the evidence.
    expect(
      server.requests.every(
        (r) =>
          r.method === "GET" ||
          (r.method === "POST" && r.path === "/graphql" && r.operation === "DefaultBranchChanges"),
      ),
    ).toBe(true);
    expect(server.requests.every((r) => r.authorization === `token ${TEST_TOKEN}`)).toBe(true);
    expect(JSON.stringify(out.calls)).not.toContain(TEST_TOKEN);
    expect(JSON.stringify(out.calls).toLowerCase()).not.toContain("authorization");
    for (const c of out.calls.filter((c) => c.service !== "auth"))
      expect(
        c.output
          ? (c.output as { headers: Record<string, string> }).headers["x-ratelimit-remaining"]
          : "error",
      ).toBeDefined();

    // Strict replay of the recording reproduces every verdict without a server.
    const before = server.requests.length;
    const again = await replayRun({ calls: out.calls, period: out.document.run.period, overrides: PARAMS });
    expect(server.requests.length).toBe(before);
    const verdicts = (rs: typeof out.results) => rs.map((r) => `${r.id}:${r.status}:${flagged(r).join(",")}`);
    expect(verdicts(again.results)).toEqual(verdicts(out.results));
  });

  it("a fully compliant organization passes every control", async () => {
    server.configure({ token: TEST_TOKEN }, compliantModel());
    const out = await runLive(server, { overrides: PARAMS });
    for (const r of out.results)
      expect({ id: r.id, status: r.status, flagged: flagged(r) }).toEqual({
        id: r.id,
        status: "pass",
        flagged: [],
      });
    const populations = Object.fromEntries(out.results.map((r) => [r.id, r.population]));
    expect(populations["change-management.github-changes-reviewed"]).toBe(5); // A4, A8, A9, A10, B2
    expect(populations["change-management.github-default-branch-no-bypass"]).toBe(4);
  });
});

describe("the period bounds the changes population", () => {
  it("a commit after the period's end is listed (the walk starts at the tip) but is not a change of the period", async () => {
    server.configure({ token: TEST_TOKEN }, demoModel());
    const out = await runLive(server, {
      control: ["change-management.github-changes-reviewed"],
      period: "2026-08-22T09:00:00Z..2026-10-31",
    });
    const changes = byId(out)["change-management.github-changes-reviewed"]!;
    const resources = changes.findings.map((f) => f.resource);
    expect(resources).not.toContain(change("payments-api", "A10")); // 2026-11-05, after the period
    expect(resources).toContain(change("payments-api", "A9"));
    expect(flagged(changes)).toEqual(SEEDED["change-management.github-changes-reviewed"]);
  });
});

describe("fail closed, narrowly", () => {
  it("a private repository the token cannot see (404) is a scope gap: repository controls error, organization ones still evaluate", async () => {
    server.configure({ token: TEST_TOKEN }, demoModel());
    const out = await runLive(server, {
      overrides: PARAMS,
      runtime: { repoPatterns: ["payments-api", "treasury-keys"] },
      control: ["change-management.github-default-branch-*", "access.github-org-2fa-required"],
    });
    const results = byId(out);
    const approvals = results["change-management.github-default-branch-required-approvals"]!;
    expect(approvals.status).toBe("error");
    expect(approvals.errors.map((e) => e.account)).toEqual([R("treasury-keys")]);
    expect(approvals.reason).toMatch(
      /treasury-keys: not found or not visible to this token \(HTTP 404: Not Found\)/,
    );
    // payments-api was still evaluated (it passes), so nothing else is lost.
    expect(approvals.findings.map((f) => `${f.resource}:${f.status}`)).toEqual([`${R("payments-api")}:pass`]);
    expect(results["access.github-org-2fa-required"]!.status).toBe("fail");
    expect(out.document.run.providers[0]!.targets.map((t) => t.unit)).toEqual([ORG]);
  });

  it("a permission the token lacks (403) makes exactly the dependent control error, never pass", async () => {
    server.configure({ token: TEST_TOKEN, deny: [`/orgs/${ORG}/members?per_page=100&filter=2fa_disabled`] });
    const out = await runLive(server, { overrides: PARAMS, control: ["access.github-*"] });
    const results = byId(out);
    expect(results["access.github-members-without-2fa"]!.status).toBe("error");
    expect(results["access.github-members-without-2fa"]!.reason).toMatch(/403.*Resource not accessible/);
    for (const [id, r] of Object.entries(results))
      if (id !== "access.github-members-without-2fa") expect(flagged(r)).toEqual(SEEDED[id]);
  });

  it("a list page answered 200 with an empty body is an error, never an empty population", async () => {
    server.configure({
      token: TEST_TOKEN,
      emptyBody: [`/orgs/${ORG}/members?per_page=100&filter=2fa_disabled`],
    });
    const out = await runLive(server, { overrides: PARAMS, control: ["access.github-*"] });
    const results = byId(out);
    expect(results["access.github-members-without-2fa"]!.status).toBe("error");
    expect(results["access.github-members-without-2fa"]!.reason).toMatch(
      /page 1 is not a list \(an empty body\)/,
    );
    for (const [id, r] of Object.entries(results))
      if (id !== "access.github-members-without-2fa") expect(flagged(r)).toEqual(SEEDED[id]);
  });

  it("a single answer (branch protection) with an empty body is an error for that repository only", async () => {
    server.configure({
      token: TEST_TOKEN,
      emptyBody: [`/repos/${ORG}/payments-api/branches/main/protection`],
    });
    const out = await runLive(server, {
      overrides: PARAMS,
      control: ["change-management.github-default-branch-required-approvals"],
    });
    const approvals = byId(out)["change-management.github-default-branch-required-approvals"]!;
    expect(approvals.status).toBe("error");
    expect(approvals.errors).toEqual([
      {
        account: R("payments-api"),
        region: "global",
        message: "repos:getBranchProtection: the answer is not a JSON object (an empty body)",
      },
    ]);
    // Every other repository was still evaluated.
    const evaluated = approvals.findings.map((f) => f.resource);
    expect(evaluated.length).toBeGreaterThan(1);
    expect(evaluated).not.toContain(R("payments-api"));
  });

  it("stops sending when only the reserve of the rate limit is left: waiting controls error, evidence kept", async () => {
    server.configure({ token: TEST_TOKEN, remaining: 115 });
    const out = await runLive(server, { runtime: { reserve: 100, concurrency: 1 } });
    const sent = server.requests.length;
    // REST requests: the identity lookup, then at most 15 until 100 are left (GraphQL has its own budget).
    expect(server.requests.filter((r) => r.method === "GET").length).toBeLessThanOrEqual(16);
    const stopped = out.results.filter((r) => r.status === "error");
    expect(stopped.length).toBeGreaterThan(0);
    for (const r of stopped)
      expect(r.reason).toMatch(/rate-limit budget exhausted: 100 of 5000 requests left/);
    const refused = out.calls.filter((c) => c.error?.name === "RateLimitBudgetExhausted");
    expect(refused.length).toBeGreaterThan(0);
    // Every request that was sent is in the evidence (the identity lookup is one recorded pseudo-call).
    expect(
      out.calls.filter((c) => c.service !== "auth" && c.error?.name !== "RateLimitBudgetExhausted"),
    ).toHaveLength(sent - 1);
  });
});

describe("read-only by construction", () => {
  it("refuses a non-GET operation before anything is sent, in the wrapper and in the request hook", async () => {
    server.configure({ token: TEST_TOKEN });
    const client = testClient(server);
    const calls = testCalls(client);
    await expect(
      calls.get("repos:update", R("payments-api"), { owner: ORG, repo: "payments-api" }),
    ).rejects.toThrow(/refused PATCH/);
    await expect(
      client.request("POST /repos/{owner}/{repo}/issues", { owner: ORG, repo: "payments-api", title: "x" }),
    ).rejects.toThrow(/refused POST/);
    await expect(
      client.request("DELETE /repos/{owner}/{repo}", { owner: ORG, repo: "payments-api" }),
    ).rejects.toThrow(/refused DELETE/);
    expect(server.requests).toEqual([]);
  });

  it("with the run's allow-list, refuses a read no selected query declares, before anything is sent", async () => {
    server.configure({ token: TEST_TOKEN });
    const calls = testCalls(testClient(server), ["orgs:get"]);
    await expect(
      calls.get("repos:getBranchProtection", R("payments-api"), {
        owner: ORG,
        repo: "payments-api",
        branch: "main",
      }),
    ).rejects.toThrow(/refused repos:getBranchProtection: not an operation the selected queries declare/);
    expect(server.requests).toEqual([]);
    await calls.get("orgs:get", ORG, { org: ORG });
    expect(server.requests.length).toBe(1);
  });
});

/** The demo organization with every seeded exception repaired. */
function compliantModel(): GitHubOrgModel {
  const m = demoModel();
  m.org.two_factor_requirement_enabled = true;
  m.without2fa = [];
  m.owners = ["alice-sec", "bob-cto"];
  m.actions.workflow.default_workflow_permissions = "read";
  const payments = m.repos.find((r) => r.repo.name === "payments-api")!;
  for (const r of m.repos) {
    if (r.repo.name === "payments-api") continue;
    r.protection = structuredClone(payments.protection);
    r.rules = [];
    r.rulesets = [];
    r.keys = r.keys.map((k) => ({ ...k, read_only: true }));
    r.environments = r.environments.map((e) =>
      structuredClone({ ...payments.environments[0]!, id: e.id, name: e.name }),
    );
    r.collaborators = r.collaborators.filter((c) => c.login !== "terraform-bot" && c.login !== "eve-admin");
  }
  for (const r of m.repos) r.collaborators = r.collaborators.filter((c) => c.login !== "eve-admin");
  payments.collaborators = payments.collaborators.filter((c) => c.login !== "ext-contractor");
  // Only approved, pull-request changes: drop the direct pushes and the badly reviewed pull requests.
  const legacy = m.repos.find((r) => r.repo.name === "legacy-tools")!;
  legacy.commits = [];
  const keep = new Set(["A10", "A9", "A8", "A4", "F2", "F1"].map((l) => sha(`payments-api:${l}`)));
  payments.commits = payments.commits.filter((c) => keep.has(c.sha));
  payments.commits.find((c) => c.sha === sha("payments-api:A8"))!.parents = [
    { sha: sha("payments-api:A4"), url: "" },
  ];
  return m;
}
