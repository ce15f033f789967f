/**
 * `npm run bench -- --github` — the large-organization GitHub scenario: 2,000 repositories and 50,000
 * default-branch changes in a quarter, served synthetically by a local HTTP server (node:http on 127.0.0.1):
 * REST in GitHub's REST shapes, POST /graphql by executing each query against GitHub's published schema
 * (github-graphql.ts, which also charges GitHub's cost formula to a points budget). Reached by the real Octokit
 * client (throttling and retry plugins, Link paging) with the real runtime, queries and controls. Two runs:
 *  1. the real budgets (5,000 REST requests and 5,000 GraphQL points an hour, reserve 100): the run stops
 *     cleanly where a budget runs out — controls `error` naming it, every answer obtained kept as evidence;
 *  2. unlimited budgets: how many REST requests and GraphQL points every GitHub control needs, by operation,
 *     against the hourly budgets, with wall time, CPU time and peak RSS.
 *   npm run bench -- --github [--repos 2000] [--changes-per-repo 25]
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import { parsePeriod } from "../core/period.js";
import { executeRun, type RunOutcome } from "../engine/execute-run.js";
import { GitHubRuntime } from "../providers/github/runtime.js";
import {
  answerGraphql,
  type GraphqlPoints,
  type StandInCommit,
  type StandInGitHub,
  type StandInRepository,
} from "./github-graphql.js";

const ORG = "bench-org";
const PERIOD_START = Date.parse("2026-07-01T00:00:00Z");
const HOUR = 5000;

interface Shape {
  repos: number;
  changesPerRepo: number;
}

const sha = (repo: number, i: number) =>
  `${repo.toString(16).padStart(8, "0")}${i.toString(16).padStart(32, "0")}`;
const user = (login: string) => ({ login, id: login.length, node_id: "U", type: "User", site_admin: false });
const iso = (ms: number) => new Date(ms).toISOString();

/** The synthetic organization as a fetch: every answer with rate-limit headers, lists paged by per_page. */
function syntheticGitHub(
  shape: Shape,
  limit: number,
): { fetch: (url: URL) => Response; requests: () => number } {
  let used = 0;
  const reset = Math.floor(Date.now() / 1000) + 3600;
  const answer = (path: URL): { status: number; body: unknown; total?: number } => {
    const p = path.pathname;
    if (p === "/user") return { status: 200, body: user("bench-reader") };
    if (p === `/orgs/${ORG}`)
      return { status: 200, body: { login: ORG, id: 1, two_factor_requirement_enabled: true } };
    if (p === `/orgs/${ORG}/repos`)
      return {
        status: 200,
        body: Array.from({ length: shape.repos }, (_, r) => ({
          id: r,
          name: `repo-${r}`,
          full_name: `${ORG}/repo-${r}`,
          owner: user(ORG),
          private: true,
          archived: false,
          default_branch: "main",
          visibility: "private",
        })),
      };
    if (p.startsWith(`/orgs/${ORG}/members`) || p === `/orgs/${ORG}/outside_collaborators`)
      return { status: 200, body: [user("owner-1")] };
    if (p === `/orgs/${ORG}/actions/permissions`)
      return { status: 200, body: { enabled_repositories: "all", allowed_actions: "local_only" } };
    if (p === `/orgs/${ORG}/actions/permissions/workflow`)
      return {
        status: 200,
        body: { default_workflow_permissions: "read", can_approve_pull_request_reviews: false },
      };
    const m = /^\/repos\/[^/]+\/repo-(\d+)(\/.*)?$/.exec(p);
    if (!m) return { status: 404, body: { message: "Not Found" } };
    const rest = m[2] ?? "";
    if (rest === "/branches/main/protection")
      return { status: 404, body: { message: "Branch not protected" } };
    if (rest === "/rules/branches/main")
      return {
        status: 200,
        body: [
          {
            type: "pull_request",
            ruleset_id: 1,
            parameters: {
              required_approving_review_count: 1,
              dismiss_stale_reviews_on_push: true,
              require_code_owner_review: true,
              require_last_push_approval: true,
            },
          },
        ],
      };
    if (rest === "/rulesets/1") return { status: 200, body: { id: 1, bypass_actors: [] } };
    if (rest === "/collaborators")
      return {
        status: 200,
        body: [{ ...user("owner-1"), role_name: "admin", permissions: { admin: true, push: true } }],
      };
    if (rest === "/keys") return { status: 200, body: [] };
    if (rest === "/environments") return { status: 200, body: { total_count: 0, environments: [] } };
    return { status: 404, body: { message: "Not Found" } };
  };
  const fetchFn = (url: URL) => {
    used++;
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "x-ratelimit-limit": String(limit),
      "x-ratelimit-remaining": String(Math.max(0, limit - used)),
      "x-ratelimit-reset": String(reset),
      "x-ratelimit-resource": "core",
    };
    const a = answer(url);
    let body = a.body;
    if (Array.isArray(body)) {
      const per = Number(url.searchParams.get("per_page") ?? 30);
      const page = Number(url.searchParams.get("page") ?? 1);
      const pages = Math.max(1, Math.ceil(body.length / per));
      if (page < pages) {
        const next = new URL(url);
        next.searchParams.set("page", String(page + 1));
        headers.link = `<${next.href}>; rel="next"`;
      }
      body = body.slice((page - 1) * per, page * per);
    }
    return new Response(JSON.stringify(body), { status: a.status, headers });
  };
  return { fetch: fetchFn, requests: () => used };
}

/**
 * The same organization as the GraphQL stand-in resolves it: the default branch's 25 changes (squash merges of
 * pull request i + 100 with one approval, one in 25 a direct push) with the same SHAs, times and people as REST.
 */
function syntheticGraphql(shape: Shape): StandInGitHub {
  const at = (repo: number, i: number) => PERIOD_START + (i + 1) * 3_000_000 + repo;
  const repository = (r: number): StandInRepository => {
    const n = shape.changesPerRepo;
    const commitOf = (i: number): StandInCommit => ({
      sha: sha(r, i),
      committedDate: iso(at(r, i)),
      author: { name: "dev", login: "dev" },
      committer: { name: "GitHub", login: "web-flow" },
      parents: [sha(r, i - 1)],
    });
    const history = Array.from({ length: n }, (_, k) => commitOf(n - 1 - k));
    const pulls = history
      .map((_, k) => n - 1 - k)
      .filter((i) => i % 25 !== 24)
      .map((i) => ({
        id: `PR_${r}_${i}`,
        number: i + 100,
        author: "dev",
        mergedAt: iso(at(r, i)),
        baseRefName: "main",
        mergeCommitSha: sha(r, i),
        reviews: [{ author: "reviewer", state: "APPROVED", submittedAt: iso(PERIOD_START) }],
        commits: [{ ...commitOf(i), sha: "x".repeat(40), committer: { name: "dev", login: "dev" } }],
      }));
    return { nameWithOwner: `${ORG}/repo-${r}`, defaultBranch: "main", history, pulls };
  };
  const known = (r: number) => Number.isInteger(r) && r >= 0 && r < shape.repos;
  return {
    repository: (owner, name) => {
      const r = Number(/^repo-(\d+)$/.exec(name)?.[1]);
      return owner === ORG && known(r) ? repository(r) : undefined;
    },
    pullRequest: (id) => {
      const m = /^PR_(\d+)_(\d+)$/.exec(id);
      const r = Number(m?.[1]);
      if (!m || !known(r)) return undefined;
      const repo = repository(r);
      const pull = repo.pulls.find((p) => p.id === id);
      return pull ? { repo, pull } : undefined;
    },
  };
}

/** Serves the synthetic organization over HTTP on 127.0.0.1 (links point back at the server). */
async function serve(
  gh: ReturnType<typeof syntheticGitHub>,
  graph: StandInGitHub,
  points: GraphqlPoints,
): Promise<{ url: string; close: () => Promise<void>; graphqlRequests: () => number }> {
  let base = "";
  let graphqlRequests = 0;
  const server = createServer(async (req, res) => {
    if (req.method === "POST" && req.url === "/graphql") {
      graphqlRequests++;
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const { body } = await answerGraphql(graph, JSON.parse(Buffer.concat(chunks).toString("utf8")), points);
      res.writeHead(200, {
        "content-type": "application/json",
        "x-ratelimit-limit": String(points.limit),
        "x-ratelimit-remaining": String(points.remaining),
        "x-ratelimit-reset": String(Math.floor(points.resetAt.getTime() / 1000)),
        "x-ratelimit-resource": "graphql",
      });
      res.end(JSON.stringify(body));
      return;
    }
    const answer = gh.fetch(new URL(req.url ?? "/", base));
    const headers: Record<string, string> = {};
    answer.headers.forEach((v, k) => {
      headers[k] = v;
    });
    res.writeHead(answer.status, headers);
    res.end(await answer.text());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    close: () => new Promise((resolve) => server.close(() => resolve())),
    graphqlRequests: () => graphqlRequests,
  };
}

interface ScenarioResult {
  outcome: RunOutcome;
  rest: number;
  graphql: number;
  points: number;
  seconds: number;
  cpuSeconds: number;
}

async function runScenario(shape: Shape, limit: number, control: string[] = []): Promise<ScenarioResult> {
  const gh = syntheticGitHub(shape, limit);
  const points: GraphqlPoints = { limit, remaining: limit, resetAt: new Date(Date.now() + 3600_000) };
  const server = await serve(gh, syntheticGraphql(shape), points);
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  const outcome = await executeRun({
    filter: { provider: ["github"], ...(control.length ? { control } : {}) },
    now: new Date("2026-11-20T09:00:00Z"),
    period: parsePeriod("2026-Q3"),
    runtimeFactories: {
      github: ({ recorder }) =>
        new GitHubRuntime({
          recorder,
          orgs: [ORG],
          apiUrl: server.url,
          credentials: { kind: "token", token: "bench", source: "GITHUB_TOKEN" },
          concurrency: 16,
        }),
    },
  });
  const cpu = process.cpuUsage(cpu0);
  const seconds = (Date.now() - t0) / 1000;
  await server.close();
  return {
    outcome,
    rest: gh.requests(),
    graphql: server.graphqlRequests(),
    points: limit - points.remaining,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

/** The points a recorded GraphQL answer says its query cost (GitHub's `rateLimit.cost`). */
function pointsOf(output: unknown): number {
  return (
    (output as { data?: { data?: { rateLimit?: { cost?: number } } } } | undefined)?.data?.data?.rateLimit
      ?.cost ?? 0
  );
}

export async function githubBench(argv: string[]): Promise<void> {
  const num = (flag: string, dflt: number) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? Number(argv[i + 1]) : dflt;
  };
  // --control PATTERN (repeatable): only those controls, to show what a narrower selection costs.
  const control = argv.flatMap((a, i) => (a === "--control" && argv[i + 1] ? [argv[i + 1]!] : []));
  const shape = { repos: num("--repos", 2000), changesPerRepo: num("--changes-per-repo", 25) };
  console.log(
    `github-${shape.repos}: ${shape.repos} repositories, ${shape.repos * shape.changesPerRepo} changes in 2026-Q3, ${control.length ? control.join(", ") : "every GitHub control"}; local HTTP server (REST shapes; GraphQL executed against GitHub's schema), real Octokit`,
  );
  const capped = await runScenario(shape, HOUR, control);
  const errors = capped.outcome.results.filter((r) => r.status === "error");
  console.log(
    `  budgets 5,000 requests + 5,000 points, reserve 100: ${capped.rest} REST requests, ${capped.graphql} GraphQL queries (${capped.points} points), ${capped.seconds.toFixed(1)} s; ${errors.length} of ${capped.outcome.results.length} controls error (${[...new Set(errors.map((e) => e.reason?.replace(/^.*?: /, "").slice(0, 70)))].join("; ")}); ${capped.outcome.calls.length} recorded calls kept`,
  );
  const full = await runScenario(shape, 10_000_000, control);
  const byOp = new Map<string, { calls: number; points: number }>();
  for (const c of full.outcome.calls) {
    const key = `${c.service === "graphql" ? "GraphQL" : "REST"} ${c.service}:${c.operation}`;
    const e = byOp.get(key) ?? { calls: 0, points: 0 };
    e.calls++;
    e.points += c.service === "graphql" ? pointsOf(c.output) : 0;
    byOp.set(key, e);
  }
  console.log(
    `  unlimited budgets: ${full.rest} REST requests (${(full.rest / HOUR).toFixed(1)} hours of a 5,000/hour token) + ${full.graphql} GraphQL queries costing ${full.points} points (${(full.points / HOUR).toFixed(1)} hours of 5,000 points/hour), ${full.seconds.toFixed(1)} s wall, ${full.cpuSeconds.toFixed(1)} s CPU, peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}, errors ${full.outcome.results.filter((r) => r.status === "error").length}`,
  );
  for (const [op, e] of [...byOp].sort((a, b) => b[1].calls - a[1].calls))
    console.log(
      `    ${op.padEnd(56)} ${String(e.calls).padStart(6)}${e.points ? `  ${e.points} points` : ""}`,
    );
}
