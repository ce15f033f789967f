/**
 * What a query module declares and what it receives. A query turns cloud API answers into normalised rows:
 * booleans are booleans, timestamps are Date, "none" is null — never the strings "true" or "N/A".
 */
import type { CompletenessCheck, Provider, QueryProblem, Row, Scope, ScopeKind } from "./types.js";

/**
 * What a query established at one scope: its rows, plus the problems scoped to what it could not establish,
 * plus the completeness checks it ran. The failure rule (docs/architecture.md, "Failure units"): a problem
 * makes a control `error` only where that control's population or expressions depend on it.
 */
export interface QueryResult {
  rows: Row[];
  problems?: QueryProblem[];
  completeness?: CompletenessCheck[];
}

/** The normalised form of a fetch answer: plain `Row[]` is a result without problems. */
export interface NormalisedResult {
  rows: Row[];
  problems: QueryProblem[];
  completeness: CompletenessCheck[];
}

export function normaliseResult(answer: Row[] | QueryResult): NormalisedResult {
  if (Array.isArray(answer)) return { rows: answer, problems: [], completeness: [] };
  return { rows: answer.rows, problems: answer.problems ?? [], completeness: answer.completeness ?? [] };
}

export interface QueryContext {
  scope: Scope;
  /** Run time (the recording's time in replay), for anything time-relative a query must compute. */
  now: Date;
  /**
   * The audit period (`--period`, both ends inclusive, UTC). Event queries fetch exactly this window and must
   * fail (throw) when their source cannot cover all of it; configuration queries ignore it.
   */
  period: { start: Date; end: Date };
  /**
   * Rows of another query, through the run cache (so the cloud is asked once per run). The scope defaults to
   * this query's unit: the same region for region-scoped queries, the account for account-scoped ones.
   * `at.unit` asks another unit of the run (e.g. an organization-level query reading a member account's
   * IAM policies); it rejects when that unit is not in the run's scope.
   */
  query(
    id: string,
    params?: Record<string, unknown>,
    at?: { region?: string; unit?: string },
  ): Promise<Row[]>;
  /**
   * Like `query`, but hands over the dependency's problems instead of inheriting them: through `query`, every
   * problem of the dependency becomes a problem of this whole query (safe: the dependency's item and field
   * names are not this query's); a derived query that maps them onto its own rows uses this instead.
   * Completeness checks are inherited either way.
   */
  queryResult(
    id: string,
    params?: Record<string, unknown>,
    at?: { region?: string; unit?: string },
  ): Promise<NormalisedResult>;
  /** The regions in scope for this unit (AWS: the account's enabled regions, or --regions). */
  regions(): Promise<string[]>;
  /**
   * Rows of a query of *another provider*, over every unit of its scope kind that provider covers in this
   * run (e.g. the repositories of each GitHub organization, read by the AWS OIDC trust link), through the
   * same run cache. `undefined` when that provider is not part of the run: the link is optional, so a run
   * with one provider neither fails nor calls the other. A query may only link what it declares in `links`.
   */
  linked(id: string, params?: Record<string, unknown>): Promise<LinkedResult | undefined>;
  /**
   * Rows of another query batch by batch, in that query's result order, through the run cache: streamed as
   * its source answers when the engine established that nothing else in the run reads that result (the
   * asking query is being streamed, and the dependency is named by its `asksFor`), otherwise its cached
   * rows as one batch. Problems and completeness are inherited as through `query`. Resolves once every batch
   * was delivered; rejects (and delivers no more) when the dependency fails. Always there in the engine's
   * contexts (optional only for hand-made ones in tests).
   */
  queryBatches?(
    id: string,
    params: Record<string, unknown>,
    onBatch: (rows: readonly Row[]) => void,
  ): Promise<void>;
}

/**
 * Where a streaming query delivers its rows (QueryDef.stream): `rows(batch, rank)` as each page is read.
 * The query's result is the batches in ascending `rank`, batches of equal rank in delivery order — a
 * newest-first source delivers in reverse (rank −1, −2, …) and its result is still oldest first.
 */
export interface RowSink {
  rows(batch: readonly Row[], rank: number): void;
}

/** What a linked (other-provider) query established, unit by unit. */
export interface LinkedResult {
  /** The units that answered completely (no problem), with their rows. */
  units: { unit: string; rows: Row[] }[];
  /** Units asked for but not established (a scope gap, an error, or a problem of the linked query). */
  failed: { unit: string; reason: string }[];
}

/**
 * What a query declares about itself, without its code: enough for `lint`, `controls list`, `queries` and
 * `permissions`, which read these from the generated src/queries/declarations.generated.ts instead of
 * loading the query modules (and with them every cloud SDK).
 */
export type QueryDeclaration = Omit<QueryDef, "fetch">;

export interface QueryDef<C extends QueryContext = QueryContext> {
  id: string;
  provider: Provider;
  scope: ScopeKind;
  /** One line: what population this query returns. */
  title: string;
  /** Cloud permissions needed: IAM actions (`iam:GetCredentialReport`) or GCP permissions. */
  permissions: string[];
  /**
   * The exact API operations it calls itself (`IAM:GetCredentialReport`; GCP `ProjectsClient:getIamPolicy`):
   * the read-only allow-list of a run is built from these, so an undeclared call is refused before sending.
   */
  calls: string[];
  /** The queries it asks through `ctx.query` (their calls join the allow-list; asking another is refused). */
  uses?: string[];
  /**
   * Queries of other providers it reads through `ctx.linked` when those providers run too (their calls join
   * that provider's allow-list only then; linking another is refused). Never a reason to start a provider.
   */
  links?: string[];
  /** The row fields, each with a short description: the vocabulary controls may use in CEL. */
  fields: Record<string, string>;
  /** JSON Schema for `query_params`. */
  paramsSchema?: Record<string, unknown>;
  /**
   * Control parameters that also decide what the query fetches (e.g. the names of extra log-archive buckets):
   * the engine adds their effective values — the control's default or the auditor's `--params` — to the
   * query params, so an auditor can widen the population without editing the control. Each must be declared
   * in the control's `params` and in `paramsSchema`.
   */
  controlParams?: string[];
  /**
   * The rows established, or `{rows, problems, completeness}`. Throwing means nothing could be established
   * at this scope (every control using the query is `error` for it).
   */
  fetch(ctx: C, params: Record<string, unknown>): Promise<Row[] | QueryResult>;
  /**
   * Optional: the same result, delivered to `sink` batch by batch as the source answers (a page's rows are
   * then evaluated and written out while the next page is read, and are garbage after), resolving to the
   * problems and completeness checks once the last batch is delivered. Exactly `fetch`'s rows, in its order
   * (RowSink), or a rejection: a failure after some batches fails the whole scope. The engine uses it only
   * where it can prove one reader (release-plan.ts `streamable`); everywhere else `fetch` answers.
   */
  stream?(ctx: C, params: Record<string, unknown>, sink: RowSink): Promise<Omit<QueryResult, "rows">>;
  /**
   * The dependency reads a fetch with these params will make at its own scope (ctx.query / queryBatches
   * without `at`), when known from the params alone: lets the engine prove that a streamed dependency has
   * no other reader. A query that declares none has dependencies that are never streamed.
   */
  asksFor?(params: Record<string, unknown>): { id: string; params: Record<string, unknown> }[];
}

/** A scope resolution: where a query must run for the current run, and what could not be covered. */
export interface ScopeResolution {
  scopes: Scope[];
  gaps: import("./types.js").ScopeGap[];
}

/** The query params of a control's query: its `query_params` plus the values of the query's controlParams. */
export function queryParamsFor(
  def: Pick<QueryDef, "controlParams">,
  queryParams: Record<string, unknown>,
  controlParams: Record<string, unknown>,
): Record<string, unknown> {
  if (!def.controlParams?.length) return queryParams;
  const out = { ...queryParams };
  for (const k of def.controlParams) if (k in controlParams) out[k] = controlParams[k];
  return out;
}
