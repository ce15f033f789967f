/**
 * What a query module declares and what it receives. A query turns cloud API answers into normalised rows:
 * booleans are booleans, timestamps are Date, "none" is null — never the strings "true" or "N/A".
 */
import type { Provider, Row, Scope, ScopeKind } from "./types.js";

export interface QueryContext {
  scope: Scope;
  /** Run time (the recording's time in replay), for anything time-relative a query must compute. */
  now: Date;
  /**
   * Rows of another query, through the run cache (so the cloud is asked once per run). The scope defaults to
   * this query's unit: the same region for region-scoped queries, the account for account-scoped ones.
   */
  query(id: string, params?: Record<string, unknown>, at?: { region?: string }): Promise<Row[]>;
  /** The regions in scope for this unit (AWS: the account's enabled regions, or --regions). */
  regions(): Promise<string[]>;
}

export interface QueryDef<C extends QueryContext = QueryContext> {
  id: string;
  provider: Provider;
  scope: ScopeKind;
  /** One line: what population this query returns. */
  title: string;
  /** Cloud permissions needed: IAM actions (`iam:GetCredentialReport`) or GCP permissions. */
  permissions: string[];
  /** The API operations it calls (`IAM:GetCredentialReport`), for the docs and the evidence. */
  calls: string[];
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
  fetch(ctx: C, params: Record<string, unknown>): Promise<Row[]>;
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
