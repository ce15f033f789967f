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
   * `at.unit` asks another unit of the run (e.g. an organization-level query reading a member account's
   * IAM policies); it rejects when that unit is not in the run's scope.
   */
  query(
    id: string,
    params?: Record<string, unknown>,
    at?: { region?: string; unit?: string },
  ): Promise<Row[]>;
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
  fetch(ctx: C, params: Record<string, unknown>): Promise<Row[]>;
}

/** A scope resolution: where a query must run for the current run, and what could not be covered. */
export interface ScopeResolution {
  scopes: Scope[];
  gaps: import("./types.js").ScopeGap[];
}
