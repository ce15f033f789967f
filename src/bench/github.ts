/**
 * `npm run bench -- --github` — the large-organization GitHub scenario: 2,000 repositories and 50,000
 * default-branch changes in a quarter, served synthetically in GitHub's REST shapes by a local HTTP server
 * (node:http on 127.0.0.1), reached by the real Octokit client (throttling and retry plugins, Link paging)
 * with the real runtime, queries and controls. Two runs:
 *  1. the real budget (5,000, reserve 100): the run stops cleanly — controls `error` naming the budget,
 *     every answer obtained kept as evidence;
 *  2. unlimited budget: how many requests every GitHub control needs, by operation, against the 5,000 an
 *     hour a token gets, with wall time and peak RSS.
 *   npm run bench -- --github [--repos 2000] [--changes-per-repo 25]
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { parsePeriod } from "../core/period.js";
import { executeRun, type RunOutcome } from "../engine/execute-run.js";
import { GitHubRuntime } from "../providers/github/runtime.js";

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
  const at = (repo: number, i: number) => PERIOD_START + (i + 1) * 3_000_000 + repo;
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
    const r = Number(m[1]);
    const rest = m[2] ?? "";
    const n = shape.changesPerRepo;
    // One change in 25 is a direct push; the others are squash merges of pull request i.
    const direct = (i: number) => i % 25 === 24;
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
    if (rest === "/commits")
      return {
        status: 200,
        body: Array.from({ length: n }, (_, k) => {
          const i = n - 1 - k;
          const date = iso(at(r, i));
          return {
            sha: sha(r, i),
            parents: [{ sha: sha(r, i - 1) }],
            author: user("dev"),
            committer: user("web-flow"),
            commit: { author: { date }, committer: { date } },
          };
        }),
      };
    if (rest === "/pulls")
      return {
        status: 200,
        body: Array.from({ length: n + 5 }, (_, k) => {
          const i = n - 1 - k;
          const t = i >= 0 ? iso(at(r, i)) : iso(PERIOD_START - (1 - i) * 86_400_000);
          const merged = i < 0 || !direct(i);
          return {
            number: i + 100,
            user: user("dev"),
            merged_at: merged ? t : null,
            merge_commit_sha: merged ? sha(r, i) : null,
            updated_at: t,
            base: { ref: "main" },
          };
        }),
      };
    if (/^\/commits\/[0-9a-f]{40}\/pulls$/.test(rest)) return { status: 200, body: [] };
    if (/^\/pulls\/\d+\/reviews$/.test(rest))
      return {
        status: 200,
        body: [{ user: user("reviewer"), state: "APPROVED", submitted_at: iso(PERIOD_START) }],
      };
    if (/^\/pulls\/\d+\/commits$/.test(rest))
      return {
        status: 200,
        body: [{ sha: "x", parents: [], author: user("dev"), committer: user("dev"), commit: {} }],
      };
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

/** Serves the synthetic organization over HTTP on 127.0.0.1 (links point back at the server). */
async function serve(
  gh: ReturnType<typeof syntheticGitHub>,
): Promise<{ url: string; close: () => Promise<void> }> {
  let base = "";
  const server = createServer(async (req, res) => {
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
  return { url: base, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function runScenario(
  shape: Shape,
  limit: number,
  control: string[] = [],
): Promise<{ outcome: RunOutcome; requests: number; seconds: number }> {
  const gh = syntheticGitHub(shape, limit);
  const server = await serve(gh);
  const t0 = Date.now();
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
  const seconds = (Date.now() - t0) / 1000;
  await server.close();
  return { outcome, requests: gh.requests(), seconds };
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
    `github-${shape.repos}: ${shape.repos} repositories, ${shape.repos * shape.changesPerRepo} changes in 2026-Q3, ${control.length ? control.join(", ") : "every GitHub control"}; local HTTP server, real Octokit`,
  );
  const capped = await runScenario(shape, HOUR, control);
  const errors = capped.outcome.results.filter((r) => r.status === "error");
  console.log(
    `  5,000 budget, reserve 100: stopped after ${capped.requests} requests, ${capped.seconds.toFixed(1)} s; ${errors.length} of ${capped.outcome.results.length} controls error (${[...new Set(errors.map((e) => e.reason?.replace(/^.*?: /, "").slice(0, 60)))].join("; ")}); ${capped.outcome.calls.length} recorded calls kept`,
  );
  const full = await runScenario(shape, 10_000_000, control);
  const byOp = new Map<string, number>();
  for (const c of full.outcome.calls)
    byOp.set(`${c.service}:${c.operation}`, (byOp.get(`${c.service}:${c.operation}`) ?? 0) + 1);
  console.log(
    `  unlimited budget: ${full.requests} requests (${(full.requests / HOUR).toFixed(1)} hours of a 5,000/hour token), ${full.seconds.toFixed(1)} s wall, peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB, errors ${full.outcome.results.filter((r) => r.status === "error").length}`,
  );
  for (const [op, n] of [...byOp].sort((a, b) => b[1] - a[1])) console.log(`    ${op.padEnd(48)} ${n}`);
}
