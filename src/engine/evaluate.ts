/**
 * Turns a control and the rows of its query into a verdict. Pure: no I/O, no clock (time comes in `now`).
 *
 * Fail closed: a scope whose data could not be obtained, or an expression that could not be evaluated,
 * makes the control `error` with the reason. An `error` is never reported as `pass`; failures found in the
 * scopes that did answer are still listed.
 *
 * Fail narrowly: a query problem (an item, a class of items, a field) makes the control `error` only when
 * its population or expressions depend on it (docs/architecture.md, "Failure units"); every problem is
 * listed in the result with its effect, and so is every completeness check of the population.
 */
import { type CompiledExpression, compileExpression } from "../cel/expression.js";
import { errorMessage } from "../core/errors.js";
import { type Period, resolvePeriod } from "../core/period.js";
import type {
  CompletenessCheck,
  CompletenessRecord,
  Control,
  ControlError,
  ControlResult,
  Finding,
  ParamReport,
  ProblemReport,
  QueryProblem,
  Row,
  Status,
} from "../core/types.js";
import { fillTemplate, getPath } from "../util/dotted.js";
import { fieldsReadBy, readsAllRows } from "./dependencies.js";

export interface CompiledControl {
  control: Control;
  where?: CompiledExpression;
  expect: { clause: Control["expect"][number]; expr: CompiledExpression }[];
  assert: { clause: Control["assert"][number]; expr: CompiledExpression }[];
}

/** Compiles every expression of a control once. Throws ExpressionSyntaxError (lint catches these first). */
export function compileControl(control: Control): CompiledControl {
  return {
    control,
    where: control.where ? compileExpression(control.where) : undefined,
    expect: control.expect.map((clause) => ({ clause, expr: compileExpression(clause.that) })),
    assert: control.assert.map((clause) => ({ clause, expr: compileExpression(clause.that) })),
  };
}

/** The rows of one scope (account + region), or why they are missing. */
export interface ScopeRows {
  account: string;
  region: string;
  rows?: Row[];
  error?: string;
  /** What the query could not establish at this scope (see QueryProblem). */
  problems?: QueryProblem[];
  completeness?: CompletenessCheck[];
}

/** A completeness check about a whole unit rather than one scope (e.g. the regions of an account). */
export interface UnitCheck {
  account: string;
  region: string;
  check: CompletenessCheck;
}

export interface EvaluationInput {
  compiled: CompiledControl;
  params: ParamReport;
  scopes: ScopeRows[];
  now: Date;
  checks?: UnitCheck[];
  /** The audit period, bound in CEL as `period.start` / `period.end`; defaults to the 90 days before `now`. */
  period?: Period;
}

export function evaluateControl({
  compiled,
  params,
  scopes,
  now,
  checks = [],
  period,
}: EvaluationInput): ControlResult {
  const { control } = compiled;
  const errors: ControlError[] = [];
  const findings: Finding[] = [];
  const items: Row[] = [];
  const p = period ?? resolvePeriod(undefined, now);
  const base = { params: params.values, now, period: { start: p.start, end: p.end } };
  const byUnit = new Map<string, { population: Row[]; all: Row[] }>();
  const problems: ProblemReport[] = [];
  const completeness: CompletenessRecord[] = [];
  const completenessErrors: ControlError[] = [];
  const dependsOn = dependencyTest(compiled, base);
  /** Findings about inherited grants, by resource + verdict, so each is reported once (see grantPoint). */
  const inherited = new Map<string, Finding>();
  let scopedPopulation = 0;

  const record = (check: CompletenessCheck, account: string, region: string) => {
    const unsettled = check.outcome !== "reconciled";
    const affects = unsettled && dependsOn.members(check.members, account, region);
    completeness.push({ ...check, account, region, effect: affects ? "error" : "none" });
    // Listed after the scopes' own errors, so the reason names the missing data first when there is some.
    if (affects) completenessErrors.push({ account, region, message: completenessMessage(check) });
  };
  for (const { check, account, region } of checks) record(check, account, region);
  for (const scope of scopes) {
    for (const check of scope.completeness ?? []) record(check, scope.account, scope.region);
    if (scope.error !== undefined || !scope.rows) {
      errors.push({ account: scope.account, region: scope.region, message: scope.error ?? "no data" });
      continue;
    }
    const unit = byUnit.get(scope.account) ?? { population: [], all: [] };
    byUnit.set(scope.account, unit);
    for (const problem of scope.problems ?? []) {
      const region = problem.region ?? scope.region;
      const report = (kind: ProblemReport["scope"], affects: boolean, subject?: string) =>
        problems.push({
          account: scope.account,
          region,
          message: problem.message,
          scope: kind,
          ...(subject !== undefined ? { subject } : {}),
          effect: affects ? "error" : "none",
        });
      if (problem.item) {
        const resource = resourceOf(problem.item, control.resource);
        const affects = dependsOn.members(problem.item, scope.account, region);
        report("item", affects, resource);
        if (!affects) continue;
        // The item is (or may be) in the population but its data is not established: an error finding
        // for that item alone. Its expectations are not evaluated on the partial fields.
        errors.push({ account: scope.account, region, message: problem.message });
        findings.push({
          resource,
          account: scope.account,
          region,
          status: "error",
          message: problem.message,
        });
        items.push(problem.item);
      } else if (problem.members) {
        const affects = dependsOn.members(problem.members, scope.account, region);
        report("members", affects);
        if (affects) errors.push({ account: scope.account, region, message: problem.message });
      } else if (problem.field !== undefined) {
        const affects = dependsOn.field(problem.field);
        report("field", affects, problem.field);
        if (affects) errors.push({ account: scope.account, region, message: problem.message });
      } else {
        report("query", true);
        errors.push({ account: scope.account, region, message: problem.message });
      }
    }
    for (const row of scope.rows) {
      const region = typeof row.region === "string" ? row.region : scope.region;
      const bindings = { ...row, item: row, ...base, account: scope.account, region };
      unit.all.push(row);
      let inPopulation: boolean;
      try {
        inPopulation = compiled.where ? compiled.where.test(bindings) : true;
      } catch (e) {
        const message = `cannot decide population membership: ${errorMessage(e)}`;
        errors.push({ account: scope.account, region, message });
        findings.push({
          resource: resourceOf(row, control.resource),
          account: scope.account,
          region,
          status: "error",
          message,
        });
        items.push(row);
        continue;
      }
      if (!inPopulation) continue;
      unit.population.push(row);
      scopedPopulation++;
      const finding = evaluateItem(compiled, row, bindings, scope.account, region, errors);
      const point = grantPoint(row);
      if (point !== null && finding.status !== "error") {
        // An inherited grant is one exception in a workpaper, not one per project it reaches: report it once
        // at its grant point, listing the projects. Evaluation (and a project's `error`) stays per project;
        // only identical verdicts are merged, so a grant judged differently in two projects stays two findings.
        const key = `${finding.resource}\u0000${finding.status}\u0000${finding.message ?? ""}`;
        const seen = inherited.get(key);
        if (seen) {
          seen.reaches!.push(scope.account);
          continue;
        }
        const merged: Finding = { ...finding, account: point, reaches: [scope.account] };
        inherited.set(key, merged);
        items.push(row);
        findings.push(merged);
        continue;
      }
      items.push(row);
      findings.push(finding);
    }
  }

  for (const [account, unit] of byUnit) {
    for (const { clause, expr } of compiled.assert) {
      const bindings = { ...base, items: unit.population, all: unit.all, account };
      const resource = `${control.provider === "aws" ? "aws-account" : control.provider}:${account}`;
      try {
        if (!expr.test(bindings)) {
          findings.push({
            resource,
            account,
            region: "global",
            status: "fail",
            message: fillTemplate(clause.message, bindings),
          });
        }
      } catch (e) {
        const message = errorMessage(e);
        errors.push({ account, region: "global", message });
        findings.push({ resource, account, region: "global", status: "error", message });
      }
    }
  }

  errors.push(...completenessErrors);
  const population = items.length;
  const exceptions = findings.filter((f) => f.status === "fail").length;
  let status: Status;
  let reason: string | undefined;
  if (errors.length > 0) {
    status = "error";
    reason = summariseErrors(errors);
  } else if (exceptions > 0) {
    status = "fail";
  } else if (population === 0 && compiled.assert.length === 0) {
    status = control.when_empty;
    if (status === "not_applicable") reason = "the population is empty";
    if (status === "fail") reason = "the population is empty, and this control requires at least one item";
  } else {
    status = "pass";
  }

  return {
    id: control.id,
    title: control.title,
    provider: control.provider,
    domain: control.domain,
    severity: control.severity,
    status,
    ...(reason ? { reason } : {}),
    query: control.query,
    population,
    ...(scopedPopulation !== population ? { scopedPopulation } : {}),
    exceptions,
    params,
    mappings: control.mappings,
    errors,
    findings,
    items,
    ...(problems.length > 0 ? { problems } : {}),
    ...(completeness.length > 0 ? { completeness } : {}),
  };
}

/**
 * Whether this control depends on a problem. `members`: could an item with (at least) these fields be in the
 * population? Yes when `where` holds on them or cannot be decided from them (a field it reads is unknown),
 * and always when a population assertion reads `all` (every row, whatever `where` says). `field`: does any
 * expression, the resource or a message read a field of that name?
 */
function dependencyTest(compiled: CompiledControl, base: Record<string, unknown>) {
  const reads = fieldsReadBy(compiled);
  const readsAll = readsAllRows(compiled);
  return {
    members(fields: Row | undefined, account: string, region: string): boolean {
      if (!fields || !compiled.where || readsAll) return true;
      const bindings = { ...fields, item: fields, ...base, account, region: fields.region ?? region };
      try {
        return compiled.where.test(bindings);
      } catch {
        return true;
      }
    },
    field(name: string): boolean {
      return reads.has("*") || reads.has(name) || reads.has(name.split(".")[0]!);
    },
  };
}

function completenessMessage(c: CompletenessCheck): string {
  if (c.outcome === "unavailable")
    return `completeness of ${c.population} not tested: ${c.reference} is unavailable${c.detail ? ` (${c.detail})` : ""}`;
  if (c.found !== null && c.expected !== null)
    return `completeness of ${c.population}: ${c.source} has ${c.found}, ${c.reference} says ${c.expected}${c.detail ? ` (${c.detail})` : ""}`;
  return `completeness of ${c.population}: ${c.detail ?? `${c.source} does not reconcile with ${c.reference}`}`;
}

function evaluateItem(
  compiled: CompiledControl,
  row: Row,
  bindings: Record<string, unknown>,
  account: string,
  region: string,
  errors: ControlError[],
): Finding {
  const resource = resourceOf(row, compiled.control.resource);
  const failed: string[] = [];
  for (const { clause, expr } of compiled.expect) {
    try {
      if (!expr.test(bindings)) failed.push(fillTemplate(clause.message, bindings));
    } catch (e) {
      const message = `${resource}: ${errorMessage(e)}`;
      errors.push({ account, region, message });
      return { resource, account, region, status: "error", message: errorMessage(e) };
    }
  }
  return failed.length > 0
    ? { resource, account, region, status: "fail", message: failed.join("; ") }
    : { resource, account, region, status: "pass", message: null };
}

/**
 * Where a row's grant was made, when the row is evidence about an inherited grant rather than about its scope:
 * a query marks such rows `inherited: true` and names the grant point in `granted_on` (GCP effective IAM
 * bindings granted on a folder or the organization). Null for every other row.
 */
function grantPoint(row: Row): string | null {
  return row.inherited === true && typeof row.granted_on === "string" && row.granted_on !== ""
    ? row.granted_on
    : null;
}

function resourceOf(row: Row, field: string): string {
  const v = getPath(row, field);
  return v === undefined || v === null ? `(no ${field})` : String(v);
}

function summariseErrors(errors: ControlError[]): string {
  const first = errors[0]!;
  const where =
    first.region && first.region !== "global" ? `${first.account}/${first.region}` : first.account;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
  return `${where}: ${first.message}${more}`;
}
