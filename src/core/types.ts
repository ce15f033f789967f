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
 * A finding's verdict: a control's statuses, plus `waived` — a failed item covered by an approved, unexpired
 * waiver (src/waivers). A control is never `waived` as a whole: see docs/waivers.md for the rule.
 */
export type FindingStatus = Status | "waived";

/** The waiver that covers a finding, as shown next to it in every report. */
export interface WaiverRef {
  /** Position of the waiver in the waivers file (1-based). */
  index: number;
  ticket: string;
  reason: string;
  requested_by: string;
  approved_by: string;
  approved_on: string;
  expires: string;
}

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

/**
 * Something a query could not establish, scoped as narrowly as it can say (docs/architecture.md, "Failure
 * units"). At most one of `item`, `members`, `field` is set; none means the whole query at its scope.
 */
export interface QueryProblem {
  /** Why, in words an auditor can act on (names the operation and the item). */
  message: string;
  /**
   * One item that could not be established: the fields of it that are known (at least its identifying field
   * when known). Each control whose `where` admits these fields — or cannot decide on them — gets an `error`
   * finding for the item; the others are unaffected.
   */
  item?: Row;
  /**
   * Items that may be missing or wrong, described by the fields they all share (e.g. `{is_root: false}`
   * for "some IAM user"). Each control whose `where` admits them (or cannot decide) is `error` for the scope.
   */
  members?: Row;
  /** A field that could not be established for the scope's rows: controls whose expressions read it are `error`. */
  field?: string;
  /** The region it is about, when narrower than the query's scope (an account-level query over regions). */
  region?: string;
}

/**
 * One reconciliation of a population with an independent count (IPE completeness): e.g. the IAM users in the
 * credential report against GetAccountSummary's `Users`. Recorded with the control result as evidence.
 */
export interface CompletenessCheck {
  /** What was counted, e.g. "IAM users". */
  population: string;
  /** Where the population came from, e.g. "IAM:GetCredentialReport (rows other than <root_account>)". */
  source: string;
  /** The independent count, e.g. "IAM:GetAccountSummary SummaryMap.Users". */
  reference: string;
  /** Items the population holds; null when it could not be counted. */
  found: number | null;
  /** The independent count; null when it could not be obtained. */
  expected: number | null;
  /** `reconciled` (equal or, for a presence check, present), `mismatch`, or `unavailable`. */
  outcome: "reconciled" | "mismatch" | "unavailable";
  /** Extra words: the reason a count is unavailable, or which principal had to be present. */
  detail?: string;
  /** Fields every counted item has (as in QueryProblem.members): controls that cannot include them ignore it. */
  members?: Row;
}

/** A query problem as reported with a control result: where it was, and whether it made this control `error`. */
export interface ProblemReport {
  account: string;
  region: string;
  message: string;
  scope: "item" | "members" | "field" | "query";
  /** item: the item's identifying field value; field: the field's name. */
  subject?: string;
  /** `error` when this control depends on it, `none` when its population and expressions do not. */
  effect: "error" | "none";
}

/** A completeness check as reported with a control result. */
export interface CompletenessRecord extends CompletenessCheck {
  account: string;
  region: string;
  /** `error` when a mismatch or unavailable count made this control `error`; `none` otherwise. */
  effect: "error" | "none";
}

export interface ExpectClause {
  /** CEL expression that must hold for each item of the population. */
  that: string;
  /** Message for an item where it does not hold; `{field}` and `{params.name}` are substituted. */
  message: string;
}

/** How often a control operates (sizes the default sample of an operating-effectiveness test). */
export type ControlFrequency = "annual" | "quarterly" | "monthly" | "weekly" | "daily" | "recurring";
export const CONTROL_FREQUENCIES: readonly ControlFrequency[] = [
  "annual",
  "quarterly",
  "monthly",
  "weekly",
  "daily",
  "recurring",
];

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
  /** Allowed ranges of numeric parameters (`param_ranges:`); every value, default or override, must lie in it. */
  param_ranges?: Record<string, ParamRange>;
  /**
   * List parameters that may be given as a CSV file (`"@file.csv"` in a params file), with the columns of a
   * row (`param_csv:`): each row becomes one element, its cells joined by "|" (src/engine/params-csv.ts).
   */
  param_csv?: Record<string, string[]>;
  /** How often the control operates; `recurring` = many times a day (e.g. every change, every sign-in). */
  frequency?: ControlFrequency;
  /** Where the definition came from, and its exact bytes (for the evidence). */
  source: { file: string; text: string };
}

/** A numeric parameter's allowed values, e.g. an age in days: `{ minimum: 1, maximum: 3650, integer: true }`. */
export interface ParamRange {
  minimum?: number;
  maximum?: number;
  integer?: boolean;
}

export interface Finding {
  resource: string;
  account: string;
  region: string;
  status: FindingStatus;
  /** The failed expectations' messages joined, or the evaluation error; null on pass. */
  message: string | null;
  /** Set when status is `waived`. */
  waiver?: WaiverRef;
  /**
   * For a grant inherited down a hierarchy (a GCP binding on a folder or the organization): the scope units
   * (projects) it reaches. The finding is then reported once, at its grant point (`account` = granted_on).
   */
  reaches?: string[];
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
  /** Number of items in the population (after `where`), over every scope; an inherited grant counts once. */
  population: number;
  /**
   * The population counted once per scope each item was evaluated in (an inherited grant once per project it
   * reaches). Present when some item reached more than one scope, so the workpaper can state both counts.
   */
  scopedPopulation?: number;
  /** Number of findings with status fail (not counting waived ones). */
  exceptions: number;
  /** Number of failed findings covered by an approved waiver (status `waived`); absent when none. */
  waived?: number;
  params: ParamReport;
  mappings: Record<string, string[]>;
  /** Scopes whose data could not be obtained, or expressions that could not be evaluated. */
  errors: ControlError[];
  /** One finding per population item, plus one per failed population assertion. */
  findings: Finding[];
  /** The population rows themselves, in the order of the findings (for CSV export and re-performance). */
  items: Row[];
  /** The problems the query reported at the scopes this control used, and their effect on it. */
  problems?: ProblemReport[];
  /** The population's completeness tests (reconciliations with an independent count), per scope. */
  completeness?: CompletenessRecord[];
  /**
   * Set when the findings and items were written to the run's scratch file as the scopes were evaluated
   * (a run that writes a bundle, large populations only: engine/population-store.ts). `findings` and
   * `items` are then empty: read them through `populationOf(result)`. Never serialised (its toJSON is
   * undefined), so no document changes shape.
   */
  stored?: Population;
}

/**
 * A control's findings and population rows, in the result's order, read as often as needed: the result's
 * own arrays, or its scratch file read back line by line (engine/population-store.ts).
 */
export interface Population {
  /** Findings (one per item, then one per failed population assertion). */
  readonly findingCount: number;
  readonly itemCount: number;
  /** Findings by status. */
  readonly counts: Readonly<Record<FindingStatus, number>>;
  findings(): Iterable<Finding>;
  /** The rows, in the order of the findings; a stored population gives each row's JSON copy. */
  items(): Iterable<Row>;
  /** The keys of the rows' JSON copies (the population CSV's columns), when known without a pass. */
  readonly itemKeys?: readonly string[];
}
