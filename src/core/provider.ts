/**
 * A provider runtime connects the engine to one cloud for one run: it knows the caller, the units in scope
 * (AWS accounts, GCP projects / organization), their regions, and builds the context a query runs in.
 * Implementations live under src/providers/<provider>/ and are the only code that touches cloud SDKs.
 */
import type { QueryContext } from "./query.js";
import type { CompletenessCheck, Provider, Scope, ScopeGap, ScopeKind } from "./types.js";

export interface CallerIdentity {
  provider: Provider;
  /** AWS: caller ARN. GCP: the principal's email. */
  principal: string;
  /** AWS: the caller's account id. GCP: the quota / credentials project when known. */
  account?: string;
  userId?: string;
}

export interface TargetInfo {
  provider: Provider;
  unit: string;
  name?: string;
  regions?: string[];
}

export interface ProviderRunInfo {
  provider: Provider;
  caller?: CallerIdentity;
  targets: TargetInfo[];
  gaps: ScopeGap[];
  homeRegion?: string;
}

export interface ProviderRuntime {
  readonly provider: Provider;
  /** Resolves the caller and the units in scope. Throws InputError for unusable flags or credentials. */
  init(): Promise<void>;
  resolveScopes(kind: ScopeKind): Promise<{ scopes: Scope[]; gaps: ScopeGap[] }>;
  /** The provider-specific context for a query at `scope`; `base` carries the engine's part. */
  contextFor(scope: Scope, base: QueryContext): QueryContext;
  /**
   * Scope for a query of `kind` in the same unit as `from` (for query-to-query dependencies), or in `unit`
   * when given (an organization-level query reading one member account; throws when that unit is not in
   * the run's scope).
   */
  relatedScope(from: Scope, kind: ScopeKind, region?: string, unit?: string): Scope;
  regionsOf(unit: string): Promise<string[]>;
  /**
   * The completeness test of a region-scoped population in one unit: the regions evaluated (`covered`, the
   * scopes that answered) against the regions in scope (enabled, or asked for). Optional: a provider without
   * regions has none.
   */
  regionCompleteness?(unit: string, covered: string[]): Promise<CompletenessCheck>;
  /**
   * The completeness tests of the scopes of a kind themselves (GCP: the projects found vs an independent
   * listing), each about a whole unit (`unit`, e.g. the organization): a control at that kind of scope is
   * `error` when one is not reconciled. Optional: a provider without such a count has none.
   */
  scopeCompleteness?(kind: ScopeKind): Promise<{ unit: string; check: CompletenessCheck }[]>;
  describe(): ProviderRunInfo;
  /**
   * Top-level (query, scope) fetches the engine keeps in flight for this provider, when the provider's own
   * concurrency says how many it can serve (AWS: 2 × its run-wide attempt limit); default
   * DEFAULT_FETCHES_IN_FLIGHT (engine/admission.ts).
   */
  readonly fetchesInFlight?: number;
  /** Counters for run.stats: `throttles` = throttling answers seen on any attempt (also those retried). */
  stats?(): { throttles: number };
  /** One live status line for the progress display (e.g. the rate-limit budget left), when there is one. */
  status?(): string | undefined;
  /**
   * Whether calls among `calls` (`Service:Operation`) are paced by a documented request rate in this run
   * (AWS: LookupEvents at 2 requests per second per account and region, live). A fetch making them spends
   * its time waiting for its rate, holding no call slot, so the engine starts it at once instead of counting
   * it against the bound of fetches in flight. Optional: without it nothing is paced.
   */
  paced?(calls: readonly string[]): boolean;
}
