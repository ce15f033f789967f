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
import { CelBindings, type CompiledExpression, compileExpression } from "../cel/expression.js";
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
  Population,
  ProblemReport,
  QueryProblem,
  Row,
  Status,
} from "../core/types.js";
import { fillTemplate, fillTemplateFrom, getPath } from "../util/dotted.js";
import { recomputeWaived } from "../waivers/apply.js";
import { fieldsReadBy, readsAllRows } from "./dependencies.js";
import { type PopulationBlock, type PopulationSink, storedPlaceholder } from "./population-store.js";

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

/** Evaluates a control over every scope at once (the scopes in the order given). */
export function evaluateControl({
  compiled,
  params,
  scopes,
  now,
  checks = [],
  period,
}: EvaluationInput): ControlResult {
  const evaluation = new ControlEvaluation({ compiled, params, now, period, inGivenOrder: true });
  for (const scope of scopes) evaluation.addScope(scope);
  return evaluation.finish(checks);
}

/** Findings and their items (items[i] belongs to findings[i]), in memory or written to the sink. */
interface Stash {
  findings: Finding[];
  items: Row[];
  /** Where these findings and items went when the control writes its population out (then both are empty). */
  stored?: PopulationBlock;
  /** findings[i] is an inherited grant made at this point (see grantPoint): merged across scopes at the end. */
  grantPoints?: Map<number, string>;
}

/** What one scope contributed, evaluated as its rows arrived; the rows themselves are not kept. */
interface ScopePart extends Stash {
  account: string;
  region: string;
  /** Arrival position, for scopes with the same account and region. */
  arrival: number;
  completeness: CompletenessRecord[];
  completenessErrors: ControlError[];
  errors: ControlError[];
  problems: ProblemReport[];
  /** A streamed scope's batches, in the result's order once the scope closed (its own findings stay empty). */
  segments?: Segment[];
  scopedPopulation: number;
  /** Rows kept for population assertions (only when the control has any). */
  population?: Row[];
  all?: Row[];
  answered: boolean;
}

/** One batch of a streamed scope: its place in the scope's result (rank, then delivery) and what it gave. */
interface Segment extends Stash {
  rank: number;
  seq: number;
  errors: ControlError[];
}

/**
 * A scope whose rows arrive in batches (a streaming query: engine/run-controls.ts): each batch is evaluated
 * and, once the control writes its population out, written as it arrives; the rows are then garbage. The
 * scope counts only once closed: `fail` (a later page could not be read) leaves the scope `error` with none
 * of its batches' findings, items or counts in the result.
 */
export interface ScopeStream {
  /** Rows of the scope; the scope's result is the batches in ascending `rank` (ties: delivery order). */
  batch(rows: readonly Row[], rank: number): void;
  /** Every batch was delivered: the scope's problems and completeness checks, as ScopeRows has them. */
  close(end: { problems?: QueryProblem[]; completeness?: CompletenessCheck[] }): void;
  /** The scope's data could not all be obtained: the scope is `error`, its batches are dropped. */
  fail(message: string): void;
}

/**
 * A control's evaluation, one scope at a time (per-scope partial evaluation): `addScope` evaluates a scope's
 * rows as soon as they arrive and keeps only what the result needs — findings, population items, errors,
 * problems and completeness records — so the engine can drop the query's answer (and each row's CEL copy)
 * before the next scope arrives. Population assertions (`assert:` over `items` / `all`) need a unit's whole
 * population: their rows are kept, per scope, only for controls that have assertions, and are evaluated in
 * `finish`.
 *
 * `finish` orders the parts by (account, region) — the order of the results document — and assembles exactly
 * what one pass over sorted scopes gives (evaluateControl), whatever order the scopes arrived in.
 *
 * With a `sink` (a run that writes a bundle: engine/population-store.ts), a control whose population grows
 * past the sink's `spillItems` (SPILL_ITEMS) writes each scope's findings and items out as the scope is evaluated, the run's
 * waivers applied, and keeps only where they are; its result's `stored` handle reads them back in order.
 * Scopes with inherited grants stay in memory (finish merges those findings across scopes) and are written,
 * with the population assertions' findings, in `finish`.
 */
export class ControlEvaluation {
  private readonly parts: ScopePart[] = [];
  private readonly base: Record<string, unknown>;
  private readonly celBase: CelBindings;
  private readonly dependsOn: ReturnType<typeof dependencyTest>;
  private readonly keepsRows: boolean;
  /** Parts held in memory until the control is known to be large (then written out). */
  private held: Stash[] = [];
  private heldItems = 0;
  /** The control writes its population to the sink (it outgrew SPILL_ITEMS). */
  private spilled = false;

  constructor(
    private readonly input: {
      compiled: CompiledControl;
      params: ParamReport;
      now: Date;
      period?: Period;
      /** Assemble the scopes in the order they were added instead of by (account, region). */
      inGivenOrder?: boolean;
      /** Where a large population goes as it is evaluated; without one, every part stays in memory. */
      sink?: PopulationSink;
    },
  ) {
    const p = input.period ?? resolvePeriod(undefined, input.now);
    this.base = { params: input.params.values, now: input.now, period: { start: p.start, end: p.end } };
    this.celBase = CelBindings.of(this.base);
    this.dependsOn = dependencyTest(input.compiled, this.base);
    this.keepsRows = input.compiled.assert.length > 0;
  }

  addScope(scope: ScopeRows): void {
    const part = this.newPart(scope.account, scope.region);
    for (const check of scope.completeness ?? [])
      this.record(check, scope.account, scope.region, part.completeness, part.completenessErrors);
    if (scope.error !== undefined || !scope.rows) {
      part.errors.push({ account: scope.account, region: scope.region, message: scope.error ?? "no data" });
      return;
    }
    part.answered = true;
    if (this.keepsRows) {
      part.population = [];
      part.all = [];
    }
    this.addProblems(part, part, scope.problems ?? []);
    this.evaluateRows(part, part, scope.rows);
    this.hold(part);
  }

  /**
   * A scope whose rows come in batches (see ScopeStream). Only for controls without population assertions
   * (those need a unit's rows together: the engine reads their queries whole).
   */
  openScope(account: string, region: string): ScopeStream {
    if (this.keepsRows) throw new Error("internal: a control with population assertions cannot stream");
    const part = this.newPart(account, region);
    part.segments = [];
    const segments = part.segments;
    let open = true;
    const drop = () => {
      open = false;
      part.segments = undefined;
      part.scopedPopulation = 0;
      part.problems = [];
      // Batches held for the spill decision are not the control's any more.
      const dropped = new Set<Stash>(segments);
      const kept = this.held.filter((h) => !dropped.has(h));
      for (const h of this.held) if (dropped.has(h)) this.heldItems -= h.items.length;
      this.held = kept;
    };
    return {
      batch: (rows, rank) => {
        if (!open) throw new Error("internal: a batch after the scope closed");
        const segment: Segment = { rank, seq: segments.length, errors: [], findings: [], items: [] };
        segments.push(segment);
        this.evaluateRows(part, segment, rows);
        this.hold(segment);
      },
      close: ({ problems = [], completeness = [] }) => {
        if (!open) throw new Error("internal: a streamed scope closed twice");
        open = false;
        for (const check of completeness)
          this.record(check, account, region, part.completeness, part.completenessErrors);
        part.answered = true;
        // As addScope orders them: the problems' errors and findings first, then the rows' in result order.
        const first: Segment = { rank: -Infinity, seq: -1, errors: [], findings: [], items: [] };
        this.addProblems(part, first, problems);
        segments.sort((a, b) => a.rank - b.rank || a.seq - b.seq);
        if (first.findings.length > 0 || first.errors.length > 0) {
          segments.unshift(first);
          this.hold(first);
        }
        for (const seg of segments) part.errors.push(...seg.errors);
      },
      fail: (message) => {
        if (!open) throw new Error("internal: a streamed scope failed after it closed");
        drop();
        part.errors.push({ account, region, message });
      },
    };
  }

  private newPart(account: string, region: string): ScopePart {
    const part: ScopePart = {
      account,
      region,
      arrival: this.parts.length,
      completeness: [],
      completenessErrors: [],
      errors: [],
      problems: [],
      findings: [],
      items: [],
      scopedPopulation: 0,
      answered: false,
    };
    this.parts.push(part);
    return part;
  }

  /** A scope's query problems: reported on the part, their errors and error findings into `into`. */
  private addProblems(
    part: ScopePart,
    into: Stash & { errors: ControlError[] },
    problems: readonly QueryProblem[],
  ): void {
    const { control } = this.input.compiled;
    const { account } = part;
    const { errors, findings, items } = into;
    for (const problem of problems) {
      const region = problem.region ?? part.region;
      const report = (kind: ProblemReport["scope"], affects: boolean, subject?: string) =>
        part.problems.push({
          account,
          region,
          message: problem.message,
          scope: kind,
          ...(subject !== undefined ? { subject } : {}),
          effect: affects ? "error" : "none",
        });
      if (problem.item) {
        const resource = resourceOf(problem.item, control.resource);
        const affects = this.dependsOn.members(problem.item, account, region);
        report("item", affects, resource);
        if (!affects) continue;
        // The item is (or may be) in the population but its data is not established: an error finding
        // for that item alone. Its expectations are not evaluated on the partial fields.
        errors.push({ account, region, message: problem.message });
        findings.push({
          resource,
          account,
          region,
          status: "error",
          message: problem.message,
        });
        items.push(problem.item);
      } else if (problem.members) {
        const affects = this.dependsOn.members(problem.members, account, region);
        report("members", affects);
        if (affects) errors.push({ account, region, message: problem.message });
      } else if (problem.field !== undefined) {
        const affects = this.dependsOn.field(problem.field);
        report("field", affects, problem.field);
        if (affects) errors.push({ account, region, message: problem.message });
      } else {
        report("query", true);
        errors.push({ account, region, message: problem.message });
      }
    }
  }

  /** Evaluates rows of the part's scope (where, expect): findings and items into `into`. */
  private evaluateRows(
    part: ScopePart,
    into: Stash & { errors: ControlError[] },
    rows: readonly Row[],
  ): void {
    const compiled = this.input.compiled;
    const { control } = compiled;
    const { account } = part;
    const { errors, findings, items } = into;
    for (const row of rows) {
      const region = typeof row.region === "string" ? row.region : part.region;
      // Converted once for `where` and every `expect`; a message reads the plain bindings by name.
      const cel = CelBindings.ofRow(row, this.celBase, { account, region });
      const plain = (name: string) => rowBinding(row, this.base, account, region, name);
      part.all?.push(row);
      let inPopulation: boolean;
      try {
        inPopulation = compiled.where ? compiled.where.test(cel) : true;
      } catch (e) {
        const message = `cannot decide population membership: ${errorMessage(e)}`;
        errors.push({ account, region, message });
        findings.push({
          resource: resourceOf(row, control.resource),
          account,
          region,
          status: "error",
          message,
        });
        items.push(row);
        continue;
      }
      if (!inPopulation) continue;
      part.population?.push(row);
      part.scopedPopulation++;
      const finding = evaluateItem(compiled, row, cel, plain, account, region, errors);
      const point = grantPoint(row);
      if (point !== null && finding.status !== "error") {
        into.grantPoints ??= new Map();
        into.grantPoints.set(findings.length, point);
      }
      items.push(row);
      findings.push(finding);
    }
  }

  /** Keeps a part in memory, or writes it (and the parts held so far) out once the control is large. */
  private hold(part: Stash): void {
    const { sink } = this.input;
    if (!sink || part.findings.length === 0 || part.grantPoints) return;
    if (!this.spilled) {
      this.heldItems += part.items.length;
      this.held.push(part);
      if (this.heldItems <= sink.spillItems) return;
      this.spilled = true;
      for (const p of this.held) this.store(p, sink);
      this.held = [];
      return;
    }
    this.store(part, sink);
  }

  private store(part: Stash, sink: PopulationSink): void {
    part.stored = sink.write(part.findings, part.items);
    part.findings = [];
    part.items = [];
  }

  /** The control's result, once every scope was added; `checks` are the unit-level completeness checks. */
  finish(checks: UnitCheck[] = []): ControlResult {
    const { compiled } = this.input;
    const { control } = compiled;
    const errors: ControlError[] = [];
    const findings: Finding[] = [];
    const items: Row[] = [];
    const problems: ProblemReport[] = [];
    const completeness: CompletenessRecord[] = [];
    const completenessErrors: ControlError[] = [];
    const byUnit = new Map<string, { population: Row[]; all: Row[] }>();
    /** Findings about inherited grants, by resource + verdict, so each is reported once (see grantPoint). */
    const inherited = new Map<string, Finding>();
    let scopedPopulation = 0;
    // A control that wrote its population out: the result's order is its stored blocks with, between them,
    // what is made here (merged inherited grants, the assertions' findings), written once all is known.
    const sink = this.spilled ? this.input.sink : undefined;
    const layout: ({ block: PopulationBlock } | { findings: Finding[]; items: Row[] })[] = [];
    const cut = () => {
      if (sink && findings.length > 0) layout.push({ findings: findings.splice(0), items: items.splice(0) });
    };

    for (const { check, account, region } of checks)
      this.record(check, account, region, completeness, completenessErrors);
    // Scopes arrive in any order; sorted, results are deterministic (re-performance compares them).
    const parts = this.input.inGivenOrder
      ? this.parts
      : [...this.parts].sort(
          (a, b) =>
            `${a.account}|${a.region}`.localeCompare(`${b.account}|${b.region}`) || a.arrival - b.arrival,
        );
    for (const part of parts) {
      completeness.push(...part.completeness);
      completenessErrors.push(...part.completenessErrors);
      errors.push(...part.errors);
      if (part.segments && !part.answered)
        errors.push({
          account: part.account,
          region: part.region,
          message: "internal: the scope's stream never ended",
        });
      if (!part.answered) continue;
      const unit = byUnit.get(part.account) ?? { population: [], all: [] };
      byUnit.set(part.account, unit);
      if (part.population) for (const r of part.population) unit.population.push(r);
      if (part.all) for (const r of part.all) unit.all.push(r);
      problems.push(...part.problems);
      scopedPopulation += part.scopedPopulation;
      for (const stash of part.segments ?? [part]) {
        if (stash.stored) {
          cut();
          layout.push({ block: stash.stored });
          continue;
        }
        for (let i = 0; i < stash.findings.length; i++) {
          const finding = stash.findings[i]!;
          const point = stash.grantPoints?.get(i);
          if (point !== undefined) {
            // An inherited grant is one exception in a workpaper, not one per project it reaches: report it
            // once at its grant point, listing the projects. Evaluation (and a project's `error`) stays per
            // project; only identical verdicts are merged, so a grant judged differently in two projects
            // stays two findings.
            const key = `${finding.resource}\u0000${finding.status}\u0000${finding.message ?? ""}`;
            const seen = inherited.get(key);
            if (seen) {
              seen.reaches!.push(part.account);
              continue;
            }
            const merged: Finding = { ...finding, account: point, reaches: [part.account] };
            inherited.set(key, merged);
            items.push(stash.items[i]!);
            findings.push(merged);
            continue;
          }
          items.push(stash.items[i]!);
          findings.push(finding);
        }
      }
    }

    for (const [account, unit] of byUnit) {
      // One conversion of the unit's population for all its assertions.
      let cel: CelBindings | undefined;
      for (const { clause, expr } of compiled.assert) {
        const bindings = { ...this.base, items: unit.population, all: unit.all, account };
        cel ??= CelBindings.of(bindings);
        const resource = `${control.provider === "aws" ? "aws-account" : control.provider}:${account}`;
        try {
          if (!expr.test(cel)) {
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
    let stored: Population | undefined;
    if (sink) {
      cut();
      stored = sink.population(layout.map((s) => ("block" in s ? s.block : sink.write(s.findings, s.items))));
    }
    const population = stored ? stored.itemCount : items.length;
    // Before waivers (a stored population's were applied as it was written; recomputeWaived below).
    const exceptions = stored
      ? stored.counts.fail + stored.counts.waived
      : findings.filter((f) => f.status === "fail").length;
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

    const result: ControlResult = {
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
      params: this.input.params,
      mappings: control.mappings,
      errors,
      // A stored population is read through `populationOf(result)`; the arrays refuse every read.
      findings: stored ? storedPlaceholder<Finding>("findings") : findings,
      items: stored ? storedPlaceholder<Row>("items") : items,
      ...(problems.length > 0 ? { problems } : {}),
      ...(completeness.length > 0 ? { completeness } : {}),
      ...(stored ? { stored } : {}),
    };
    return stored && stored.counts.waived > 0
      ? recomputeWaived(result, {
          waived: stored.counts.waived,
          fails: stored.counts.fail,
          errorFindings: stored.counts.error,
        })
      : result;
  }

  private record(
    check: CompletenessCheck,
    account: string,
    region: string,
    into: CompletenessRecord[],
    errorsInto: ControlError[],
  ): void {
    const unsettled = check.outcome !== "reconciled";
    const affects = unsettled && this.dependsOn.members(check.members, account, region);
    into.push({ ...check, account, region, effect: affects ? "error" : "none" });
    // Listed after the scopes' own errors, so the reason names the missing data first when there is some.
    if (affects) errorsInto.push({ account, region, message: completenessMessage(check) });
  }
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
  cel: CelBindings,
  plain: (name: string) => unknown,
  account: string,
  region: string,
  errors: ControlError[],
): Finding {
  const resource = resourceOf(row, compiled.control.resource);
  // Made for a failed row only (most rows pass).
  let failed: string[] | undefined;
  for (const { clause, expr } of compiled.expect) {
    try {
      if (!expr.test(cel)) {
        failed ??= [];
        failed.push(fillTemplateFrom(clause.message, plain));
      }
    } catch (e) {
      const message = `${resource}: ${errorMessage(e)}`;
      errors.push({ account, region, message });
      return { resource, account, region, status: "error", message: errorMessage(e) };
    }
  }
  return failed
    ? { resource, account, region, status: "fail", message: failed.join("; ") }
    : { resource, account, region, status: "pass", message: null };
}

const { hasOwn } = Object;
const PLAIN: Record<string, unknown> = {};

/**
 * `{ ...row, item: row, ...base, account, region }[name]` (a row's plain bindings, what its messages read),
 * without making that object: later members of the spread win.
 */
export function rowBinding(
  row: Row,
  base: Record<string, unknown>,
  account: string,
  region: string,
  name: string,
): unknown {
  if (name === "region") return region;
  if (name === "account") return account;
  if (hasOwn(base, name)) return base[name];
  if (name === "item") return row;
  if (hasOwn(row, name)) return row[name];
  return PLAIN[name];
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
