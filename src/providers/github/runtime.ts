/**
 * The GitHub side of a run: who the caller is, which organizations and repositories are in scope, and the
 * context GitHub queries run in. Scope kinds: `organization` (unit = the org login) and `repository` (unit =
 * `owner/name`), region "global". Live mode reaches GitHub through Octokit (connection.ts); replay mode
 * answers every request from a recording and needs no credentials.
 */
import pLimit from "p-limit";
import { errorMessage, InputError } from "../../core/errors.js";
import type { CallerIdentity, ProviderRunInfo, ProviderRuntime, TargetInfo } from "../../core/provider.js";
import type { QueryContext } from "../../core/query.js";
import type { Scope, ScopeGap, ScopeKind } from "../../core/types.js";
import type { Recorder } from "../../recording/recorder.js";
import { type LoadedRecording, ReplayIndex } from "../../recording/store.js";
import { parseApiUrl } from "./api-url.js";
import { RateBudget } from "./budget.js";
import { GitHubCalls, type GitHubCallsOptions, GLOBAL_REGION } from "./calls.js";
import type { GitHubClient, GitHubConnectionOptions } from "./connection.js";
import type { GitHubQueryContext, RepositoryInfo } from "./context.js";
import { createOfflineClient } from "./offline-client.js";
import { GitHubScope } from "./scope.js";

export interface GitHubRuntimeOptions extends Partial<GitHubConnectionOptions> {
  recorder: Recorder;
  replay?: LoadedRecording;
  orgs?: string[];
  repoPatterns?: string[];
  /** REST requests and GraphQL points kept in reserve: the run stops sending when only this many are left (default 100). */
  reserve?: number;
  /** Requests in flight at once (default 8; GitHub's secondary limits punish many more). */
  concurrency?: number;
  /** The operations the selected queries declare (the read-only allow-list); the scope reads are added. */
  allowedOperations?: string[];
}

/** What the runtime reads itself to resolve the organizations and repositories in scope (scope.ts). */
const SCOPE_OPERATIONS = ["orgs:get", "repos:listForOrg", "repos:get"];

interface RequestedScope {
  orgs: string[];
  repoPatterns: string[];
}

export interface GitHubRunStats {
  /** Primary and secondary rate-limit answers seen (also those a retry recovered from). */
  throttles: number;
  /** REST requests this run could still send in the current window, when GitHub said. */
  remaining?: number;
  limit?: number;
  /** GraphQL points this run's queries cost (GitHub's `rateLimit.cost`), and the points left in the window. */
  graphqlPoints: number;
  graphqlRemaining?: number;
  graphqlLimit?: number;
}

export class GitHubRuntime implements ProviderRuntime {
  readonly provider = "github" as const;
  readonly budget: RateBudget;
  private scope?: GitHubScope;
  private caller?: CallerIdentity;
  private throttles = 0;
  private readonly memos = new Map<string, Promise<unknown>>();
  private readonly repoByUnit = new Map<string, RepositoryInfo>();
  private live?: GitHubClient;
  private callsOf?: GitHubCalls;

  /**
   * A replay's calls are ready at once, through an Octokit that only expands routes and pages
   * (offline-client.ts). A live run's client — Octokit with the throttling and retry plugins and the App
   * auth (connection.ts) — is made in `init`, so a replay never loads those modules.
   */
  constructor(private readonly opts: GitHubRuntimeOptions) {
    this.budget = new RateBudget(opts.reserve ?? 100);
    if (opts.replay) this.callsOf = this.callsThrough(createOfflineClient());
  }

  /** The run's GitHub calls (after `init` for a live run). */
  get calls(): GitHubCalls {
    if (!this.callsOf) throw new Error("the GitHub runtime is used before init()");
    return this.callsOf;
  }

  private callsThrough(client: GitHubCallsOptions["client"]): GitHubCalls {
    const opts = this.opts;
    return new GitHubCalls({
      recorder: opts.recorder,
      client,
      replay: opts.replay
        ? new ReplayIndex(opts.replay.calls.filter((c) => c.provider === "github"))
        : undefined,
      budget: this.budget,
      limit: pLimit(opts.concurrency ?? 8),
      ...(opts.allowedOperations
        ? { allowed: new Set([...opts.allowedOperations, ...SCOPE_OPERATIONS]) }
        : {}),
    });
  }

  /** The live client and its calls, made on first use (live runs only). */
  private async connect(): Promise<void> {
    if (this.callsOf) return;
    const { createGitHubClient } = await import("./connection.js");
    const opts = this.opts;
    this.live = createGitHubClient({
      apiUrl: opts.apiUrl,
      credentials: opts.credentials ?? { kind: "none" },
      maxThrottleRetries: opts.maxThrottleRetries,
      retryAfterBaseMs: opts.retryAfterBaseMs,
      fetch: opts.fetch,
      onThrottle: (kind) => {
        this.throttles++;
        opts.onThrottle?.(kind);
      },
    });
    this.callsOf = this.callsThrough(this.live);
  }

  async init(): Promise<void> {
    await this.connect();
    let requested: RequestedScope = {
      orgs: this.opts.orgs ?? [],
      repoPatterns: this.opts.repoPatterns ?? [],
    };
    try {
      // The scope asked for is recorded with the caller, so replaying the evidence (re-performance) covers the
      // same organizations and repositories without repeating the flags.
      const id = await this.calls.local("auth:identity", "caller", {}, async () => ({
        // Answered live only (a replay takes the recorded answer), so connection.ts is loaded by then.
        ...(await (
          await import("./connection.js")
        ).callerIdentity(this.live!, this.opts.credentials ?? { kind: "none" })),
        apiUrl: parseApiUrl(this.opts.apiUrl),
        requestedScope: requested,
      }));
      const recorded = (id as { requestedScope?: RequestedScope }).requestedScope;
      if (this.opts.replay && requested.orgs.length === 0 && recorded) requested = recorded;
      this.caller = { provider: "github", principal: id.principal };
    } catch (e) {
      if (e instanceof InputError) throw e;
      const hint = this.opts.replay
        ? "the recording has no auth.identity answer"
        : "check GITHUB_TOKEN / GH_TOKEN or the GitHub App flags";
      throw new InputError(`cannot establish the GitHub caller identity: ${errorMessage(e)} (${hint})`);
    }
    if (requested.orgs.length === 0)
      throw new InputError("no GitHub organization in scope: name one with --github-org ORG");
    this.scope = new GitHubScope(this.calls, requested);
    await this.scope.discoverOrganizations();
  }

  async resolveScopes(kind: ScopeKind): Promise<{ scopes: Scope[]; gaps: ScopeGap[] }> {
    const s = this.requireScope();
    if (kind === "organization")
      return { scopes: s.orgs.map((o) => this.scopeOf("organization", o.login)), gaps: [...s.gaps] };
    if (kind === "repository") {
      const { repos, gaps } = await s.repositories();
      for (const r of repos) this.repoByUnit.set(r.full_name, r);
      return {
        scopes: repos.map((r) => this.scopeOf("repository", r.full_name)),
        gaps: [...s.gaps, ...gaps],
      };
    }
    return { scopes: [], gaps: [{ provider: "github", unit: "-", reason: `GitHub has no ${kind} scope` }] };
  }

  contextFor(scope: Scope, base: QueryContext): GitHubQueryContext {
    const repo = scope.kind === "repository" ? this.repoByUnit.get(scope.unit) : undefined;
    if (scope.kind === "repository" && !repo)
      throw new Error(`repository ${scope.unit} is not in this run's scope`);
    const login = repo ? repo.owner : scope.unit;
    const org = this.requireScope().orgs.find((o) => o.login.toLowerCase() === login.toLowerCase());
    return {
      ...base,
      github: {
        org: org?.login ?? login,
        organization: org?.raw ?? {},
        ...(repo ? { repo } : {}),
        calls: this.calls,
        memo: <T>(key: string, fn: () => Promise<T>) => {
          let p = this.memos.get(key) as Promise<T> | undefined;
          if (!p) {
            p = fn();
            this.memos.set(key, p);
          }
          return p;
        },
        repositories: () => this.requireScope().listing(org?.login ?? login),
      },
    };
  }

  relatedScope(from: Scope, kind: ScopeKind): Scope {
    if (kind === from.kind) return from;
    if (kind === "organization" && from.kind === "repository")
      return this.scopeOf("organization", from.unit.split("/")[0]!);
    throw new Error(`a ${kind}-scoped GitHub query cannot be asked from ${from.kind} ${from.unit}`);
  }

  async regionsOf(): Promise<string[]> {
    return [GLOBAL_REGION];
  }

  describe(): ProviderRunInfo {
    const s = this.scope;
    const targets: TargetInfo[] = (s?.orgs ?? []).map((o) => ({
      provider: "github",
      unit: o.login,
      ...(o.name ? { name: o.name } : {}),
      regions: [GLOBAL_REGION],
    }));
    return { provider: "github", caller: this.caller, targets, gaps: s ? [...s.gaps] : [] };
  }

  stats(): GitHubRunStats {
    const snap = this.budget.snapshot("core");
    const gql = this.budget.snapshot("graphql");
    return {
      throttles: this.throttles,
      ...(snap ? { remaining: snap.remaining, limit: snap.limit } : {}),
      graphqlPoints: this.budget.graphqlPoints,
      ...(gql ? { graphqlRemaining: gql.remaining, graphqlLimit: gql.limit } : {}),
    };
  }

  /** The rate-limit budget, for the progress display. */
  status(): string | undefined {
    return this.budget.status();
  }

  private requireScope(): GitHubScope {
    if (!this.scope) throw new Error("GitHubRuntime.init() has not run");
    return this.scope;
  }

  private scopeOf(kind: ScopeKind, unit: string): Scope {
    return { provider: "github", kind, unit, region: GLOBAL_REGION, key: `github:${kind}:${unit}` };
  }
}
