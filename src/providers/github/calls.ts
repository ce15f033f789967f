/**
 * The one wrapper every GitHub request of a run goes through (the counterpart of GcpCalls / the AWS middleware):
 * - read-only guard: a REST operation must be a GET route of Octokit's REST endpoint table; a GraphQL document
 *   must parse and hold only `query` operations; anything else is refused before it is sent (the connection's
 *   request hook checks every request again, see read-only.ts);
 * - rate-limit budgets: refuses to send once only the reserve is left — REST requests and GraphQL points each
 *   against their own hourly budget (budget.ts); the refusal is recorded, so a replay of the evidence reaches
 *   the same `error` verdicts;
 * - concurrency limit over the run;
 * - recorder: one recorded call per REST page — input `{path}` (relative to the API base, so a recording
 *   replays against any host) — and one per POST /graphql — service `graphql`, operation the document's
 *   operation name, input `{query, variables}`; output `{status, headers, data}` (data: the response body)
 *   with only the headers that matter (rate limit, Link, request id) — never the request's Authorization
 *   header, which is not recorded at all. A GraphQL answer with `errors` (HTTP 200) is recorded as an error
 *   (`GraphqlError`, GitHub's types and messages), like a REST HTTP error;
 * - replay: strict — a request with no recorded answer is an error naming it (a GraphQL one is keyed by its
 *   document and variables); a recorded error is raised again with the same status / type and message.
 * Paging uses Octokit's own paginator (Link header, `rel="next"`), with this wrapper as its request function;
 * GraphQL queries page with cursors, which the query modules follow.
 */
import type { Octokit } from "@octokit/rest";
import type { Recorder } from "../../recording/recorder.js";
import type { ReplayIndex } from "../../recording/store.js";
import type { GraphqlRateLimit, RateBudget } from "./budget.js";
import {
  apiMessage,
  fromRecordedError,
  GitHubApiError,
  GitHubGraphqlError,
  type GraphqlErrorEntry,
  httpStatus,
  toRecordedError,
} from "./errors.js";
import {
  GitHubReadOnlyViolation,
  GitHubUndeclaredOperation,
  operationNames,
  readOnlyProblem,
} from "./read-only.js";

export const GLOBAL_REGION = "global";

/** `namespace:method` of Octokit's REST methods, e.g. `repos:getBranchProtection`. */
export type GitHubOperation = `${string}:${string}`;

/** Response headers kept in the evidence: what proves the rate limit, the paging and the request. */
export const RECORDED_HEADERS = [
  "link",
  "x-ratelimit-limit",
  "x-ratelimit-remaining",
  "x-ratelimit-reset",
  "x-ratelimit-used",
  "x-ratelimit-resource",
  "x-github-request-id",
  "retry-after",
] as const;

export interface GitHubAnswer {
  status: number;
  headers: Record<string, string>;
  data: unknown;
}

/** Per-request counter handed to the throttling callbacks through Octokit's request options. */
export interface AttemptCounter {
  retries: number;
}

export interface GitHubCallsOptions {
  recorder: Recorder;
  /**
   * Routes, pagination and (live) the requests themselves: the live client (connection.ts), or in replay one
   * that never reaches the network (offline-client.ts).
   */
  client: Octokit;
  replay?: ReplayIndex;
  budget: RateBudget;
  limit?: <T>(fn: () => Promise<T>) => Promise<T>;
  /**
   * Read-only by declaration: when given, the only operations this run may send (the selected queries'
   * `calls` plus the runtime's own scope discovery); anything else is refused before it is sent.
   */
  allowed?: ReadonlySet<string>;
}

/** A GraphQL document a query sends: one named `query` operation (its name is the recorded operation). */
export interface GraphqlDocument {
  /** The operation's name, e.g. `DefaultBranchChanges`: declared in `calls` as `graphql:DefaultBranchChanges`. */
  operation: string;
  text: string;
}

/** The body of a GraphQL answer. */
interface GraphqlBody {
  data?: (Record<string, unknown> & { rateLimit?: GraphqlRateLimit | null }) | null;
  errors?: GraphqlErrorEntry[];
}

type EndpointMethod = ((params?: Record<string, unknown>) => Promise<unknown>) & {
  endpoint: ((params?: Record<string, unknown>) => {
    method: string;
    url: string;
    headers: Record<string, string>;
  }) & { DEFAULTS: { method: string; url: string } };
};

export class GitHubCalls {
  private readonly base: URL;
  /** What each GraphQL operation cost last time (GitHub's `rateLimit.cost`): the next one's estimate. */
  private readonly graphqlCost = new Map<string, number>();

  constructor(private readonly opts: GitHubCallsOptions) {
    this.base = new URL(opts.client.request.endpoint.DEFAULTS.baseUrl);
  }

  get replaying(): boolean {
    return this.opts.replay !== undefined;
  }

  /** One GET; resolves to the response body. */
  async get<T = Record<string, unknown>>(
    operation: GitHubOperation,
    account: string,
    params: Record<string, unknown>,
  ): Promise<T> {
    const ep = this.route(operation).endpoint(params);
    const data = (await this.send(operation, account, ep.url, ep.headers)).data;
    // Every GET the queries make answers with a JSON object: an empty or garbled body is not one with no
    // settings (a branch protection read as "nothing required" would be a finding, or worse, a pass).
    if (typeof data !== "object" || data === null)
      throw new Error(`${operation}: the answer is not a JSON object (${describeData(data)})`);
    return data as T;
  }

  /**
   * Every page of a list operation, through Octokit's paginator; resolves to the items of all pages in order.
   * `stop(pageItems)` ends paging early (e.g. pull requests sorted by update time, once older than the period).
   */
  async paged<T = Record<string, unknown>>(
    operation: GitHubOperation,
    account: string,
    params: Record<string, unknown>,
    opts: { stop?: (pageItems: T[]) => boolean } = {},
  ): Promise<T[]> {
    const route = this.route(operation);
    let pageNumber = 0;
    const request = Object.assign(
      async (o: { url: string; headers: Record<string, string> }) => {
        const answer = await this.send(operation, account, o.url, o.headers);
        pageNumber++;
        // A list page is an array, or `{total_count, <items>}`. Octokit's paginator reads an empty body as an
        // empty page, and anything else as it is: either would make the population look complete.
        if (!isListPage(answer.data))
          throw new Error(
            `${operation}: page ${pageNumber} is not a list (${describeData(answer.data)}); the population cannot be read`,
          );
        // The paginator rewrites `data` of namespaced lists ({total_count, environments}); keep ours intact.
        return { ...answer, data: structuredClone(answer.data), url: o.url };
      },
      { endpoint: route.endpoint },
    );
    const items: T[] = [];
    const seen = new Set<string>();
    // biome-ignore lint/suspicious/noExplicitAny: Octokit's paginate typing cannot follow a custom request function
    for await (const page of this.opts.client.paginate.iterator(request as any, {
      per_page: 100,
      ...params,
    })) {
      const pageItems = page.data as T[];
      items.push(...pageItems);
      const next = /<([^<>]+)>;\s*rel="next"/.exec(String(page.headers.link ?? ""))?.[1];
      if (next && seen.has(next)) throw new Error(`${operation}: GitHub repeated the next-page link ${next}`);
      if (next) seen.add(next);
      if (opts.stop?.(pageItems)) break;
    }
    return items;
  }

  /**
   * One POST /graphql; resolves to the answer's `data`. Refused before sending unless the document holds
   * exactly one operation, a `query` named `doc.operation`, declared by the selected queries. An answer with
   * `errors` raises GitHubGraphqlError (fail closed, partial data or not).
   */
  async graphql<T = Record<string, unknown>>(
    doc: GraphqlDocument,
    account: string,
    variables: Record<string, unknown>,
  ): Promise<T> {
    const operation: GitHubOperation = `graphql:${doc.operation}`;
    const problem = readOnlyProblem(doc.text);
    if (problem) throw new GitHubReadOnlyViolation("POST", "/graphql", problem);
    const names = operationNames(doc.text);
    if (names.length !== 1 || names[0] !== doc.operation)
      throw new Error(`${operation}: the document must hold exactly one operation, named ${doc.operation}`);
    if (this.opts.allowed && !this.opts.allowed.has(operation))
      throw new GitHubUndeclaredOperation(operation);
    const input = { query: doc.text, variables };
    const answer = (await this.record("graphql", doc.operation, account, input, async () => {
      this.opts.budget.check("graphql", this.graphqlCost.get(doc.operation) ?? 1);
      const counter: AttemptCounter = { retries: 0 };
      try {
        const res = await this.opts.client.request({
          method: "POST",
          url: this.graphqlUrl(),
          query: doc.text,
          variables,
          request: { itgc: counter },
        });
        this.opts.budget.observe(res.headers as Record<string, unknown>);
        const body = res.data as GraphqlBody;
        this.observeCost(doc.operation, body);
        if (body.errors?.length) throw new GitHubGraphqlError(body.errors);
        const answer: GitHubAnswer = {
          status: res.status,
          headers: keptHeaders(res.headers as Record<string, unknown>),
          data: body,
        };
        return {
          output: answer,
          attempts: 1 + counter.retries,
          requestId: answer.headers["x-github-request-id"],
        };
      } catch (e) {
        const failed = e as { response?: { headers?: Record<string, unknown> }; data?: GraphqlBody };
        this.opts.budget.observe(failed.response?.headers);
        let err = e as Error;
        // The throttling plugin raises GitHub's RATE_LIMITED answer (HTTP 200) as a plain error carrying the body.
        if (failed.data?.errors?.length) err = new GitHubGraphqlError(failed.data.errors);
        else if (!(e instanceof GitHubGraphqlError) && httpStatus(e) !== undefined)
          err = new GitHubApiError(httpStatus(e)!, apiMessage(e));
        throw Object.assign(err, { attempts: 1 + counter.retries });
      }
    })) as GitHubAnswer;
    const body = answer.data as GraphqlBody;
    if (this.replaying) this.observeCost(doc.operation, body);
    return (body.data ?? {}) as T;
  }

  /** A pseudo-call answered by `live` (the caller identity), recorded and replayed like an API call. */
  local<T>(
    operation: GitHubOperation,
    account: string,
    input: Record<string, unknown>,
    live: () => Promise<T>,
  ) {
    const [service, op] = split(operation);
    return this.record(service, op, account, input, async () => ({
      output: await live(),
      attempts: 1,
    })) as Promise<T>;
  }

  private route(operation: GitHubOperation): EndpointMethod {
    if (this.opts.allowed && !this.opts.allowed.has(operation))
      throw new GitHubUndeclaredOperation(operation);
    const [ns, name] = split(operation);
    const rest = this.opts.client.rest as unknown as Record<
      string,
      Record<string, EndpointMethod | undefined>
    >;
    const method = rest[ns]?.[name];
    if (!method?.endpoint) throw new Error(`${operation} is not a GitHub REST operation known to Octokit`);
    const { method: verb, url } = method.endpoint.DEFAULTS;
    if (verb !== "GET") throw new GitHubReadOnlyViolation(verb, url);
    return method;
  }

  private observeCost(operation: string, body: GraphqlBody | undefined): void {
    const rate = body?.data?.rateLimit;
    this.opts.budget.observeGraphql(rate);
    if (typeof rate?.cost === "number") this.graphqlCost.set(operation, rate.cost);
  }

  /** GitHub's GraphQL endpoint: /graphql, or /api/graphql beside GitHub Enterprise Server's /api/v3. */
  private graphqlUrl(): string {
    const path = this.base.pathname.replace(/\/$/, "");
    return /\/api\/v3$/.test(path) ? `${this.base.origin}${path.replace(/\/v3$/, "")}/graphql` : "/graphql";
  }

  /** The path of `url` relative to the API base (`/orgs/acme/repos?per_page=100`); refuses other hosts. */
  private relative(url: string): string {
    const u = new URL(url, this.base);
    if (this.replaying) {
      // Recorded Link headers name the host the recording was made against; nothing is sent in replay, so
      // only the path matters (GitHub Enterprise Server's /api/v3 prefix removed, as when recording).
      return `${u.pathname.replace(/^\/api\/v3(?=\/)/, "")}${u.search}`;
    }
    if (u.origin !== this.base.origin)
      throw new Error(
        `refused to follow ${u.origin}: not the GitHub API host of this run (${this.base.origin})`,
      );
    const basePath = this.base.pathname.replace(/\/$/, "");
    const path =
      basePath && u.pathname.startsWith(`${basePath}/`) ? u.pathname.slice(basePath.length) : u.pathname;
    return `${path}${u.search}`;
  }

  private async send(
    operation: GitHubOperation,
    account: string,
    url: string,
    headers: Record<string, string>,
  ): Promise<GitHubAnswer> {
    const [service, op] = split(operation);
    const path = this.relative(url);
    const output = await this.record(service, op, account, { path }, async () => {
      this.opts.budget.check("core");
      const counter: AttemptCounter = { retries: 0 };
      try {
        const res = await this.opts.client.request({
          method: "GET",
          url: path,
          headers,
          request: { itgc: counter },
        });
        this.opts.budget.observe(res.headers as Record<string, unknown>);
        const answer: GitHubAnswer = {
          status: res.status,
          headers: keptHeaders(res.headers as Record<string, unknown>),
          data: res.data,
        };
        return {
          output: answer,
          attempts: 1 + counter.retries,
          requestId: answer.headers["x-github-request-id"],
        };
      } catch (e) {
        this.opts.budget.observe(
          (e as { response?: { headers?: Record<string, unknown> } }).response?.headers,
        );
        // The same error a replay raises (status and GitHub's message), so live and re-performed verdicts match.
        const status = httpStatus(e);
        const err = status === undefined ? (e as Error) : new GitHubApiError(status, apiMessage(e));
        throw Object.assign(err, { attempts: 1 + counter.retries });
      }
    });
    return output as GitHubAnswer;
  }

  private async record(
    service: string,
    operation: string,
    account: string,
    input: Record<string, unknown>,
    live: () => Promise<{ output: unknown; attempts: number; requestId?: string }>,
  ): Promise<unknown> {
    const run = async () => {
      const key = { provider: "github" as const, service, operation, account, region: GLOBAL_REGION, input };
      const end = this.opts.recorder.begin(key);
      try {
        if (this.opts.replay) {
          const call = this.opts.replay.take(key);
          if (call.error) throw fromRecordedError(call.error);
          const output = structuredClone(call.output ?? {}) as Partial<GitHubAnswer>;
          this.opts.budget.observe(output.headers);
          end({ output, attempts: call.attempts ?? 1 });
          return output;
        }
        const { output, attempts, requestId } = await live();
        end({ output, attempts, ...(requestId ? { requestId } : {}) });
        return output;
      } catch (e) {
        const attempts = (e as { attempts?: number }).attempts;
        end({ error: toRecordedError(e), ...(attempts ? { attempts } : {}) });
        throw e;
      }
    };
    return this.opts.limit ? this.opts.limit(run) : run();
  }
}

function split(operation: GitHubOperation): [string, string] {
  const i = operation.indexOf(":");
  return [operation.slice(0, i), operation.slice(i + 1)];
}

function keptHeaders(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of RECORDED_HEADERS) if (headers[h] !== undefined) out[h] = String(headers[h]);
  return out;
}

/** What GitHub answers a list with: an array, or an object naming its total and holding the items. */
function isListPage(data: unknown): boolean {
  if (Array.isArray(data)) return true;
  return (
    typeof data === "object" &&
    data !== null &&
    typeof (data as { total_count?: unknown }).total_count === "number"
  );
}

/** Names what an answer held instead of what was expected, for an error reason (never its content). */
function describeData(data: unknown): string {
  if (data === "" || data === undefined || data === null) return "an empty body";
  if (typeof data === "string") return "a body that is not JSON";
  if (Array.isArray(data)) return "a list";
  return typeof data === "object" ? "a JSON object without total_count" : `a JSON ${typeof data}`;
}
