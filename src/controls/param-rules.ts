/**
 * The rules every parameter value obeys, whether it is a control's default or an organisation's `--params`
 * override: it has its default's type (a list's elements too), numbers are finite, and a declared range
 * (`param_ranges:`) holds. One function, so lint and run cannot disagree.
 */
import { formatType, typeOfValue } from "../cel/types.js";
import type { ParamRange } from "../core/types.js";

/** Why `value` is not acceptable for a parameter whose default is `fallback`, or undefined when it is. */
export function paramValueProblem(
  value: unknown,
  fallback: unknown,
  range: ParamRange | undefined,
): string | undefined {
  const want = typeOfValue(fallback);
  const got = typeOfValue(value);
  if (want.kind !== got.kind) {
    return `must be a ${describeKind(want.kind)} like the default ${JSON.stringify(fallback)}, got ${show(value)}`;
  }
  if (want.kind === "list" && got.kind === "list" && Array.isArray(value)) {
    const elem = want.elem;
    for (const [i, x] of value.entries()) {
      const t = typeOfValue(x);
      if (elem.kind !== "dyn" ? t.kind !== elem.kind : !["string", "double", "bool"].includes(t.kind)) {
        return `[${i}] must be a ${elem.kind === "dyn" ? "string, number or boolean" : formatType(elem)}, got ${show(x)}`;
      }
      if (typeof x === "number" && !Number.isFinite(x))
        return `[${i}] must be a finite number, got ${show(x)}`;
    }
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return `must be a finite number, got ${show(value)}`;
    if (range) {
      const problem = rangeProblem(value, range);
      if (problem) return problem;
    }
  } else if (range) {
    return `must be a number (${describeRange(range)}), got ${show(value)}`;
  }
  return undefined;
}

function rangeProblem(value: number, range: ParamRange): string | undefined {
  const outside =
    (range.integer && !Number.isInteger(value)) ||
    (range.minimum !== undefined && value < range.minimum) ||
    (range.maximum !== undefined && value > range.maximum);
  return outside ? `must be ${describeRange(range)}, got ${show(value)}` : undefined;
}

export function describeRange(range: ParamRange): string {
  const what = range.integer ? "an integer" : "a number";
  if (range.minimum !== undefined && range.maximum !== undefined) {
    return `${what} from ${range.minimum} to ${range.maximum}`;
  }
  if (range.minimum !== undefined) return `${what} of at least ${range.minimum}`;
  if (range.maximum !== undefined) return `${what} of at most ${range.maximum}`;
  return what;
}

function describeKind(kind: string): string {
  return kind === "double" ? "number" : kind === "bool" ? "boolean" : kind;
}

function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === "number") return String(v);
  const json = JSON.stringify(v);
  return json === undefined ? String(v) : json.length > 60 ? `${json.slice(0, 60)}…` : json;
}
