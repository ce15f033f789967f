/**
 * The vocabulary shared by every layer. Controls, queries and reporters speak only these types;
 * cloud SDK types never leave src/providers and src/queries.
 */

export type Provider = "aws" | "gcp" | "github";
/** Every provider, for option parsing and docs (keep in step with Provider). */
export const PROVIDERS: readonly Provider[] = ["aws", "gcp", "github"];
export type Domain = "access" | "change-management" | "logging";
export type Severity = "critical" | "high" | "medium" | "low" | "info";

/** Verdict for one control, or for one item of its population. */
export type Status = "pass" | "fail" | "error" | "not_applicable";
export const STATUSES: readonly Status[] = ["pass", "fail", "error", "not_applicable"];

/**
 * Where a query runs. `account` (AWS account, global services), `region` (one AWS region of one account),
 * `organization` (AWS Organization, GCP organization, GitHub organization), `folder` and `project` (GCP),
 * `repository` (GitHub: one repository, unit `owner/name`).
 */
export type ScopeKind = "organization" | "account" | "region" | "folder" | "project" | "repository";

/** One concrete place a query is asked: e.g. account 111122223333, region eu-west-1. */
export interface Scope {
  provider: Provider;
  kind: ScopeKind;
  /** The unit findings are reported against: AWS account id, GCP project id, or organization id. */
  unit: string;
  /** AWS region, or "global". */
  region: string;
  /** Stable cache key, unique per scope. */
  key: string;
}

/** A part of the requested scope that could not be covered, and why (e.g. AssumeRole denied). */
export interface ScopeGap {
  provider: Provider;
  unit: string;
  region?: string;
  reason: string;
}

/** One normalised population item. Values are JSON-like plus Date for timestamps; null for "none". */
export type Row = Record<string, unknown>;

export interface ExpectClause {
  /** CEL expression that must hold for each item of the population. */
  that: string;
  /** Message for an item where it does not hold; `{field}` and `{params.name}` are substituted. */
  message: string;
}

export interface Control {
  id: string;
  title: string;
  provider: Provider;
  domain: Domain;
  severity: Severity;
  objective: string;
  procedure: string;
  remediation: string;
  mappings: Record<string, string[]>;
  query: string;
  query_params: Record<string, unknown>;
  /** Field (dotted path) naming each population item, e.g. `arn`. */
  resource: string;
  where?: string;
  expect: ExpectClause[];
  /** Assertions over the whole population of one unit: bindings `items`, `all`, `params`, `now`, `account`. */
  assert: ExpectClause[];
  when_empty: Status;
  params: Record<string, unknown>;
  /** Where the definition came from, and its exact bytes (for the evidence). */
  source: { file: string; text: string };
}

export interface Finding {
  resource: string;
  account: string;
  region: string;
  status: Status;
  /** The failed expectations' messages joined, or the evaluation error; null on pass. */
  message: string | null;
}

export interface ControlError {
  account: string;
  region: string;
  message: string;
}

export interface ParamReport {
  /** Values used in this run. */
  values: Record<string, unknown>;
  /** The control's defaults. */
  defaults: Record<string, unknown>;
  /** Names of params whose value differs from the default (a deviation the report must show). */
  overridden: string[];
}

export interface ControlResult {
  id: string;
  title: string;
  provider: Provider;
  domain: Domain;
  severity: Severity;
  status: Status;
  /** Why the status is `error` or `not_applicable`. */
  reason?: string;
  query: string;
  /** Number of items in the population (after `where`), over every scope. */
  population: number;
  /** Number of findings with status fail. */
  exceptions: number;
  params: ParamReport;
  mappings: Record<string, string[]>;
  /** Scopes whose data could not be obtained, or expressions that could not be evaluated. */
  errors: ControlError[];
  /** One finding per population item, plus one per failed population assertion. */
  findings: Finding[];
  /** The population rows themselves, in the order of the findings (for CSV export and re-performance). */
  items: Row[];
}
