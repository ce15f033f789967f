/**
 * CEL (Common Expression Language) for `where`, `expect` and `assert`, evaluated with @bufbuild/cel.
 *
 * Each expression is parsed and planned once (compileExpression) and then evaluated per item. A CEL error
 * (a missing field, a type mismatch) is returned as an EvaluationError, never coerced to true or false:
 * the engine turns it into an `error` verdict.
 *
 * Bindings are plain JS values; Date becomes a CEL timestamp. Extra functions:
 * - `days(n)`: a duration of n days, e.g. `now - password_last_changed > days(params.max_age_days)`.
 * - the strings extension (`lowerAscii`, `indexOf`, `split`, …).
 *
 * Cost budget: @bufbuild/cel has no cost or step limit, so compileExpression rewrites every comprehension's
 * loop condition `c` into `@budget(c)`, a function that counts iterations. One evaluation may run
 * ITERATION_BUDGET iterations, one compiled expression EXPRESSION_BUDGET over all its evaluations (a run);
 * past either, evaluation stops with an EvaluationError (the control is `error`, "cost budget exceeded"),
 * instead of hanging. Once an expression has exceeded a budget, its later evaluations fail at once: the
 * control is `error` already, and evaluating the other rows would only spend the budget again. Lint
 * rejects what is statically knowable (src/cel/check.ts).
 */
import {
  type CelFunc,
  type CelInput,
  CelScalar,
  celEnv,
  celFunc,
  celList,
  celMap,
  isCelError,
  isCelList,
  isCelMap,
  objectType,
  plan,
} from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";
import { create, isMessage } from "@bufbuild/protobuf";
import {
  DurationSchema,
  type Timestamp,
  TimestampSchema,
  timestampDate,
  timestampFromDate,
} from "@bufbuild/protobuf/wkt";
import { DECLINE, directEvaluator } from "./direct.js";
import { parseCached } from "./parse-cache.js";

const DURATION = objectType(DurationSchema);

const days = celFunc("days", [CelScalar.DOUBLE], DURATION, (n) =>
  create(DurationSchema, { seconds: BigInt(Math.round(n * 86_400)) }),
);
const daysInt = celFunc("days", [CelScalar.INT], DURATION, (n) =>
  create(DurationSchema, { seconds: n * 86_400n }),
);

/**
 * Iterations (over all comprehensions) one evaluation may run. An iteration costs about 10 µs in
 * @bufbuild/cel 0.6 on our rows, so this stops a runaway evaluation after about a second, while
 * `items.exists(…)` over 100,000 items still fits.
 */
export const ITERATION_BUDGET = 100_000;
/** Iterations one compiled expression may run over all its evaluations (one control in one run, ~100 s). */
export const EXPRESSION_BUDGET = 10_000_000;
/** Longest expression source accepted (lint reports it; compileExpression refuses it). */
export const MAX_EXPRESSION_LENGTH = 10_000;

const BUDGET_FUNCTION = "@budget";

class BudgetExceeded extends Error {}

/**
 * The meter of the evaluation in progress. Evaluation is synchronous and never re-entrant, so one module-level
 * meter is enough: evaluate() installs its own before running and removes it after.
 */
let meter: { left: number; exceeded: boolean } | undefined;

const budget = celFunc(BUDGET_FUNCTION, [CelScalar.BOOL], CelScalar.BOOL, (condition) => {
  if (meter) {
    meter.left--;
    if (meter.left < 0) {
      meter.exceeded = true;
      throw new BudgetExceeded("cost budget exceeded");
    }
  }
  return condition;
});

const FUNCS = [...strings, days, daysInt];
const ENV = celEnv({ funcs: [...FUNCS, budget] });

/** The functions controls may call (for the type checker: the same overloads the evaluator has). */
export function celFunctions(): Iterable<CelFunc> {
  return celEnv({ funcs: FUNCS }).funcs;
}

export class ExpressionSyntaxError extends Error {
  constructor(
    readonly source: string,
    message: string,
  ) {
    super(message);
    this.name = "ExpressionSyntaxError";
  }
}

export class EvaluationError extends Error {
  constructor(
    readonly source: string,
    message: string,
  ) {
    super(`${message} (in \`${source}\`)`);
    this.name = "EvaluationError";
  }
}

/**
 * Bindings already converted to CEL values (celBindings), so one row bound to several expressions — its
 * `where` and each `expect` — is converted once, not once per expression.
 */
export class CelBindings {
  /** `values` with their lists and maps already CEL lists and maps (see celReady), made on first use. */
  private ready: Record<string, unknown> | undefined;

  private constructor(readonly values: Record<string, unknown>) {}

  /** Converts plain bindings (Date → timestamp, recursively). */
  static of(bindings: Record<string, unknown>): CelBindings {
    return new CelBindings(toCelBindings(bindings));
  }

  /** These bindings with `extra` (plain values, converted here) added or replacing, like an object spread. */
  with(extra: Record<string, unknown>): CelBindings {
    return new CelBindings({ ...this.values, ...toCelBindings(extra) });
  }

  /**
   * A row's fields and the row itself as `item`; `rest` (already converted) wins over the row's fields and
   * `extra` over both — what `{ ...row, item: row, ...rest, ...extra }` converted would bind. The row is not
   * copied: a field is converted when an expression reads it (most read a handful of a row's 30 fields),
   * and `item` only if read. `rest` (params, now, period: the same for every row) is bound with its lists
   * and maps already in CEL form, instead of being wrapped again at each read.
   */
  static ofRow(row: Record<string, unknown>, rest: CelBindings, extra: Record<string, unknown>): CelBindings {
    rest.ready ??= celReady(rest.values);
    const binding: RowBinding = { row, rest: rest.ready, extra: toCelBindings(extra), item: undefined };
    return new CelBindings(new Proxy(binding, ROW_BINDING) as unknown as Record<string, unknown>);
  }
}

interface RowBinding {
  row: Record<string, unknown>;
  rest: Record<string, unknown>;
  extra: Record<string, unknown>;
  item: Record<string, unknown> | undefined;
}

const { hasOwn } = Object;
/** What a plain object answers for a name it does not have (inherited members such as `toString`). */
const PLAIN: Record<string, unknown> = {};

/**
 * The evaluator reads bindings by name only (`bindings[name]`, @bufbuild/cel's ObjectActivation), so a row's
 * bindings answer each read in the spread's order of precedence, converting on the way.
 * test/unit/cel-row-bindings.test.ts compares them with the spread.
 */
const ROW_BINDING: ProxyHandler<RowBinding> = {
  get(b, name) {
    if (typeof name !== "string") return undefined;
    if (hasOwn(b.extra, name)) return b.extra[name];
    if (hasOwn(b.rest, name)) return b.rest[name];
    if (name === "item") {
      b.item ??= convert(b.row) as Record<string, unknown>;
      return b.item;
    }
    if (hasOwn(b.row, name)) return convert(b.row[name]);
    return PLAIN[name];
  },
};

/**
 * Converted bindings with every plain list and map (recursively) made a CEL list or map, as the evaluator
 * would make it on each read (@bufbuild/cel toCel: arrays, and objects whose constructor is Object); any
 * other value is left for the evaluator.
 */
function celReady(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) out[k] = celForm(v);
  return out;
}

function celForm(v: unknown): unknown {
  if (Array.isArray(v)) return celList(v.map(celForm) as CelInput[]);
  if (v && typeof v === "object" && (v as object).constructor?.name === "Object" && isPlainRecord(v))
    return celMap(new Map(Object.entries(v).map(([k, x]) => [k, celForm(x) as CelInput])));
  return v;
}

export interface CompiledExpression {
  readonly source: string;
  /** Evaluates with the given bindings; throws EvaluationError on any CEL error. */
  evaluate(bindings: Record<string, unknown> | CelBindings): unknown;
  /** Evaluates and requires a boolean result. */
  test(bindings: Record<string, unknown> | CelBindings): boolean;
}

/**
 * Plans by source text. Planning is the costly part and a plan holds no state, so lint's check and the
 * evaluation of the same control share one plan; the cost budget is not part of the plan but of each
 * compiled expression (compileExpression), so one run's spending never counts against another's.
 */
interface Planned {
  run: (ctx: Record<string, unknown>) => unknown;
  /** The expression evaluated directly (direct.ts), when it is in that subset. */
  direct: ReturnType<typeof directEvaluator>;
}

const plannedBySource = new Map<string, Planned>();

function planned(source: string): Planned {
  const cached = plannedBySource.get(source);
  if (cached) return cached;
  let p: Planned;
  try {
    const parsed = parseCached(source);
    const metered = meterComprehensions(parsed.expr as unknown as ExprNode, 0);
    const run = plan(ENV, { ...parsed, expr: metered as unknown as typeof parsed.expr }) as unknown as (
      ctx: Record<string, unknown>,
    ) => unknown;
    p = { run, direct: directEvaluator(parsed.expr as unknown as ExprNode) };
  } catch (e) {
    const message = e instanceof RangeError ? "expression is nested too deeply to parse" : errorText(e);
    throw new ExpressionSyntaxError(source, message);
  }
  plannedBySource.set(source, p);
  return p;
}

/** Parses and plans an expression (once per source text). Throws ExpressionSyntaxError for a syntax error. */
export function compileExpression(source: string): CompiledExpression {
  if (source.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionSyntaxError(
      source,
      `expression is ${source.length} characters; the limit is ${MAX_EXPRESSION_LENGTH}`,
    );
  }
  const { run, direct } = planned(source);
  let spent = 0;
  let exhausted: string | undefined;
  const evaluate = (bindings: Record<string, unknown> | CelBindings): unknown => {
    if (exhausted) throw new EvaluationError(source, exhausted);
    // The direct evaluator has no comprehension (nothing to meter) and declines whatever it cannot decide
    // exactly as the interpreter would: a string, bool or null it answers is the interpreter's result.
    let values: Record<string, unknown>;
    try {
      values = bindings instanceof CelBindings ? bindings.values : toCelBindings(bindings);
    } catch (e) {
      throw new EvaluationError(source, e instanceof RangeError ? "expression too deep" : errorText(e));
    }
    if (direct) {
      const v = direct(values);
      if (v !== DECLINE) return v;
    }
    let result: unknown;
    const mine = { left: Math.min(ITERATION_BUDGET, EXPRESSION_BUDGET - spent), exceeded: false };
    const outer = meter;
    meter = mine;
    try {
      result = run(values);
    } catch (e) {
      if (!mine.exceeded) {
        throw new EvaluationError(source, e instanceof RangeError ? "expression too deep" : errorText(e));
      }
    } finally {
      meter = outer;
      spent += Math.min(ITERATION_BUDGET, EXPRESSION_BUDGET - spent) - Math.max(mine.left, 0);
    }
    // An exceeded budget wins over any result: `true || <stopped>` must not pass on a half-run expression.
    if (mine.exceeded) {
      exhausted =
        spent >= EXPRESSION_BUDGET
          ? `cost budget exceeded: more than ${EXPRESSION_BUDGET.toLocaleString("en")} comprehension iterations in this run`
          : `cost budget exceeded: more than ${ITERATION_BUDGET.toLocaleString("en")} comprehension iterations in one evaluation`;
      throw new EvaluationError(source, exhausted);
    }
    if (isCelError(result)) throw new EvaluationError(source, result.message);
    return fromCel(result);
  };
  return {
    source,
    evaluate,
    test(bindings) {
      const v = evaluate(bindings);
      if (typeof v !== "boolean") {
        throw new EvaluationError(source, `expected a boolean result, got ${describe(v)}`);
      }
      return v;
    },
  };
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

interface ExprNode {
  id: bigint;
  exprKind: { case: string | undefined; value?: unknown };
}

/**
 * Every comprehension's loop condition wrapped in `@budget(…)`, so each iteration is counted. The parsed
 * AST is shared with other readers (parse-cache.ts), so it is not changed: the nodes on the way to a
 * comprehension are copied (shallowly) and every other node is the parsed one.
 */
function meterComprehensions(node: ExprNode | undefined, depth: number): ExprNode | undefined {
  if (!node) return node;
  if (depth > 200) throw new RangeError("expression too deep");
  const { case: kind, value } = node.exprKind;
  const next = (n: unknown) => meterComprehensions(n as ExprNode | undefined, depth + 1);
  const withValue = (changed: boolean, v: unknown): ExprNode =>
    changed ? { ...node, exprKind: { case: kind, value: v } } : node;
  switch (kind) {
    case "comprehensionExpr": {
      const v = { ...(value as Record<string, ExprNode | undefined>) };
      for (const k of ["iterRange", "accuInit", "loopCondition", "loopStep", "result"]) v[k] = next(v[k]);
      const cond = v.loopCondition;
      if (cond)
        v.loopCondition = {
          id: cond.id,
          exprKind: { case: "callExpr", value: { function: BUDGET_FUNCTION, args: [cond] } },
        } as ExprNode;
      return withValue(true, v);
    }
    case "callExpr": {
      const v = value as { target?: ExprNode; args: ExprNode[] };
      const target = next(v.target);
      const args = v.args.map(next) as ExprNode[];
      const changed = target !== v.target || args.some((a, i) => a !== v.args[i]);
      return withValue(changed, { ...v, target, args });
    }
    case "selectExpr": {
      const v = value as { operand?: ExprNode };
      const operand = next(v.operand);
      return withValue(operand !== v.operand, { ...v, operand });
    }
    case "listExpr": {
      const v = value as { elements: ExprNode[] };
      const elements = v.elements.map(next) as ExprNode[];
      return withValue(
        elements.some((e, i) => e !== v.elements[i]),
        { ...v, elements },
      );
    }
    case "structExpr": {
      type Entry = { keyKind: { case?: string; value?: unknown }; value?: ExprNode };
      const v = value as { entries: Entry[] };
      let changed = false;
      const entries = v.entries.map((e) => {
        const key = e.keyKind.case === "mapKey" ? next(e.keyKind.value) : e.keyKind.value;
        const val = next(e.value);
        if (key === e.keyKind.value && val === e.value) return e;
        changed = true;
        return { ...e, keyKind: { ...e.keyKind, value: key }, value: val };
      });
      return withValue(changed, { ...v, entries });
    }
    default:
      return node;
  }
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  return `${typeof v} ${JSON.stringify(v)}`.slice(0, 80);
}

/** Converts JS values to the inputs @bufbuild/cel expects: Date → Timestamp, recursively. */
export function toCelBindings(bindings: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // Keys, not entries: no [key, value] pair to allocate per binding (a row's are converted per row).
  for (const k of Object.keys(bindings)) out[k] = toCelValue(bindings[k]);
  return out;
}

/**
 * No cache by identity: a run-wide WeakMap from each row to its converted copy kept every converted row alive
 * as long as the row (the whole run, since results keep their population), and its lookups were most of a
 * million-event run's CPU (docs/performance.md). The engine converts a row once per evaluation instead
 * (CelBindings.ofRow) and drops the copy when the row's verdict is made.
 */
function toCelValue(v: unknown): unknown {
  return convert(v);
}

function isPlainRecord(v: object): boolean {
  return !(v instanceof Date) && !(v instanceof Uint8Array) && !isMessage(v);
}

function convert(v: unknown): unknown {
  if (v instanceof Date) return timestampFromDate(v);
  if (v === undefined) return null;
  if (Array.isArray(v)) return v.map(convert);
  if (v && typeof v === "object" && isPlainRecord(v)) {
    const out: Record<string, unknown> = {};
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) out[k] = convert(o[k]);
    return out;
  }
  return v;
}

/** Converts a CEL result back to plain JS (bigint → number, timestamp → Date, lists and maps). */
function fromCel(v: unknown): unknown {
  if (typeof v === "bigint") return Number(v);
  if (isCelList(v)) return [...v].map(fromCel);
  if (isCelMap(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of v) out[String(k)] = fromCel(x);
    return out;
  }
  if (isMessage(v, TimestampSchema)) return timestampDate(v as Timestamp);
  return v;
}
