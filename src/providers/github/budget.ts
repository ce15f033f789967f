/**
 * The primary rate-limit budgets of a run. GitHub gives a token two separate hourly budgets: 5,000 REST
 * requests (`core`; an App installation more) and 5,000 GraphQL points (`graphql`; a query costs ≥ 1 point,
 * by GitHub's formula over its connections). Every answer says what is left (`x-ratelimit-remaining`,
 * `-limit`, `-reset`, `-resource`), and a GraphQL query that selects `rateLimit { cost remaining resetAt }`
 * also says what it cost. The budget keeps the latest figures per resource and refuses to send another request
 * once it would eat into the reserve, so a run over a large organization stops cleanly — the controls still
 * waiting are `error` (the budget is named), the evidence gathered so far is kept — instead of sleeping for up
 * to an hour or failing half-way through a page sequence.
 */
import { GitHubBudgetExhausted } from "./errors.js";

export type RateResource = "core" | "graphql";

export interface RateSnapshot {
  limit: number;
  remaining: number;
  /** When the window resets. */
  reset: Date;
  resource: RateResource;
}

/** What a GraphQL answer's `rateLimit` selection says (GitHub's RateLimit object). */
export interface GraphqlRateLimit {
  cost?: number;
  limit?: number;
  remaining?: number;
  resetAt?: string;
}

const UNIT: Record<RateResource, string> = { core: "requests", graphql: "GraphQL points" };

export class RateBudget {
  private readonly latest = new Map<RateResource, RateSnapshot>();
  /** GraphQL points this run's queries cost, as GitHub reported them (`rateLimit.cost`). */
  graphqlPoints = 0;

  constructor(private readonly reserve: number) {}

  /** Reads the rate-limit headers of an answer (live or replayed). */
  observe(headers: Record<string, unknown> | undefined): void {
    if (!headers) return;
    const remaining = Number(headers["x-ratelimit-remaining"]);
    const limit = Number(headers["x-ratelimit-limit"]);
    const reset = Number(headers["x-ratelimit-reset"]);
    const resource = String(headers["x-ratelimit-resource"] ?? "core");
    if (resource !== "core" && resource !== "graphql") return;
    if (!Number.isFinite(remaining) || !Number.isFinite(limit)) return;
    this.latest.set(resource, {
      limit,
      remaining,
      reset: new Date((Number.isFinite(reset) ? reset : 0) * 1000),
      resource,
    });
  }

  /**
   * Reads a GraphQL answer's `rateLimit` (the cost of that query and what is left after it). It is newer than
   * the headers when both are present: GitHub computes the headers before the query runs.
   */
  observeGraphql(rate: GraphqlRateLimit | null | undefined): void {
    if (!rate) return;
    if (typeof rate.cost === "number") this.graphqlPoints += rate.cost;
    const prev = this.latest.get("graphql");
    const reset = rate.resetAt ? new Date(rate.resetAt) : prev?.reset;
    const limit = rate.limit ?? prev?.limit;
    if (typeof rate.remaining !== "number" || limit === undefined || !reset) return;
    this.latest.set("graphql", { limit, remaining: rate.remaining, reset, resource: "graphql" });
  }

  /**
   * Throws GitHubBudgetExhausted when sending one more request of `resource` (costing `cost`: 1 request, or
   * the points the same GraphQL query cost last time) would eat into the reserve.
   */
  check(resource: RateResource = "core", cost = 1, now: Date = new Date()): void {
    const s = this.latest.get(resource);
    if (!s || s.reset.getTime() <= now.getTime()) return;
    if (s.remaining - (cost - 1) <= this.reserve)
      throw new GitHubBudgetExhausted(
        `GitHub rate-limit budget exhausted: ${s.remaining} of ${s.limit} ${UNIT[resource]} left until ${s.reset.toISOString()}` +
          `${cost > 1 ? ` (the next query costs ${cost})` : ""}, and the run keeps ${this.reserve} in reserve (--github-reserve); ` +
          "run again after the reset, or select fewer controls or repositories",
      );
  }

  snapshot(resource: RateResource = "core"): RateSnapshot | undefined {
    const s = this.latest.get(resource);
    return s ? { ...s } : undefined;
  }

  /** One line for the progress display: each budget this run has drawn on. */
  status(): string | undefined {
    const parts: string[] = [];
    const core = this.latest.get("core");
    if (core) parts.push(`${core.remaining}/${core.limit} (resets ${hhmm(core.reset)}Z)`);
    const gql = this.latest.get("graphql");
    if (gql)
      parts.push(
        `graphql ${gql.remaining}/${gql.limit} points, ${this.graphqlPoints} used (resets ${hhmm(gql.reset)}Z)`,
      );
    return parts.length ? `github budget ${parts.join(", ")}` : undefined;
  }
}

function hhmm(d: Date): string {
  return d.toISOString().slice(11, 16);
}
