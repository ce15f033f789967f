/**
 * Turns a control and the rows of its query into a verdict. Pure: no I/O, no clock (time comes in `now`).
 *
 * Fail closed: a scope whose data could not be obtained, or an expression that could not be evaluated,
 * makes the control `error` with the reason. An `error` is never reported as `pass`; failures found in the
 * scopes that did answer are still listed.
 */
import { type CompiledExpression, compileExpression } from "../cel/expression.js";
import { errorMessage } from "../core/errors.js";
import type {
  Control,
  ControlError,
  ControlResult,
  Finding,
  ParamReport,
  Row,
  Status,
} from "../core/types.js";
import { fillTemplate, getPath } from "../util/dotted.js";

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
}

export interface EvaluationInput {
  compiled: CompiledControl;
  params: ParamReport;
  scopes: ScopeRows[];
  now: Date;
}

export function evaluateControl({ compiled, params, scopes, now }: EvaluationInput): ControlResult {
  const { control } = compiled;
  const errors: ControlError[] = [];
  const findings: Finding[] = [];
  const items: Row[] = [];
  const base = { params: params.values, now };
  const byUnit = new Map<string, { population: Row[]; all: Row[] }>();
  /** Findings about inherited grants, by resource + verdict, so each is reported once (see grantPoint). */
  const inherited = new Map<string, Finding>();
  let scopedPopulation = 0;

  for (const scope of scopes) {
    if (scope.error !== undefined || !scope.rows) {
      errors.push({ account: scope.account, region: scope.region, message: scope.error ?? "no data" });
      continue;
    }
    const unit = byUnit.get(scope.account) ?? { population: [], all: [] };
    byUnit.set(scope.account, unit);
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
      const resource = `${control.provider === "aws" ? "aws-account" : "gcp"}:${account}`;
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
  };
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
