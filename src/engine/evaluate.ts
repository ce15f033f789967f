/**
 * Turns a control and the rows of its query into a verdict. Pure: no I/O, no clock (time comes in `now`).
 *
 * Fail closed: a scope whose data could not be obtained, or an expression that could not be evaluated,
 * makes the control `error` with the reason. An `error` is never reported as `pass`; failures found in the
 * scopes that did answer are still listed.
 */
import { type CompiledExpression, compileExpression } from "../cel/expression.js";
import { errorMessage } from "../core/errors.js";
import { type Period, resolvePeriod } from "../core/period.js";
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
  /** The audit period, bound in CEL as `period.start` / `period.end`; defaults to the 90 days before `now`. */
  period?: Period;
}

export function evaluateControl({ compiled, params, scopes, now, period }: EvaluationInput): ControlResult {
  const { control } = compiled;
  const errors: ControlError[] = [];
  const findings: Finding[] = [];
  const items: Row[] = [];
  const p = period ?? resolvePeriod(undefined, now);
  const base = { params: params.values, now, period: { start: p.start, end: p.end } };
  const byUnit = new Map<string, { population: Row[]; all: Row[] }>();

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
      items.push(row);
      findings.push(evaluateItem(compiled, row, bindings, scope.account, region, errors));
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
