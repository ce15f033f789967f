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
 */
import {
  CelScalar,
  celEnv,
  celFunc,
  isCelError,
  isCelList,
  isCelMap,
  objectType,
  parse,
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

const DURATION = objectType(DurationSchema);

const days = celFunc("days", [CelScalar.DOUBLE], DURATION, (n) =>
  create(DurationSchema, { seconds: BigInt(Math.round(n * 86_400)) }),
);
const daysInt = celFunc("days", [CelScalar.INT], DURATION, (n) =>
  create(DurationSchema, { seconds: n * 86_400n }),
);

const ENV = celEnv({ funcs: [...strings, days, daysInt] });

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

export interface CompiledExpression {
  readonly source: string;
  /** Evaluates with the given bindings; throws EvaluationError on any CEL error. */
  evaluate(bindings: Record<string, unknown>): unknown;
  /** Evaluates and requires a boolean result. */
  test(bindings: Record<string, unknown>): boolean;
}

/** Parses and plans an expression once. Throws ExpressionSyntaxError for a syntax error. */
export function compileExpression(source: string): CompiledExpression {
  let run: (ctx: Record<string, unknown>) => unknown;
  try {
    run = plan(ENV, parse(source)) as unknown as (ctx: Record<string, unknown>) => unknown;
  } catch (e) {
    throw new ExpressionSyntaxError(source, e instanceof Error ? e.message : String(e));
  }
  const evaluate = (bindings: Record<string, unknown>): unknown => {
    let result: unknown;
    try {
      result = run(toCelBindings(bindings));
    } catch (e) {
      throw new EvaluationError(source, e instanceof Error ? e.message : String(e));
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

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  return `${typeof v} ${JSON.stringify(v)}`.slice(0, 80);
}

/** Converts JS values to the inputs @bufbuild/cel expects: Date → Timestamp, recursively. */
export function toCelBindings(bindings: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(bindings)) out[k] = toCelValue(v);
  return out;
}

/**
 * Converted lists and objects by identity. Population rows are not mutated after their query returns, and
 * each is bound several times (its fields, `item`, once per expression): converting it once keeps a
 * 100,000-event population from being copied a few hundred thousand times (performance only; see
 * docs/performance.md). Dates are converted each time (cheap, and a Date is mutable).
 */
const converted = new WeakMap<object, unknown>();

function toCelValue(v: unknown): unknown {
  if (v instanceof Date) return timestampFromDate(v);
  if (v === undefined) return null;
  if (Array.isArray(v)) {
    const hit = converted.get(v);
    if (hit !== undefined) return hit;
    const out = v.map(toCelValue);
    converted.set(v, out);
    return out;
  }
  if (v && typeof v === "object" && !(v instanceof Uint8Array) && !isMessage(v)) {
    const hit = converted.get(v);
    if (hit !== undefined) return hit;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toCelValue(x);
    converted.set(v, out);
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
