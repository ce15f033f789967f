/** Small CLI helpers: parsing list flags, choosing colour, printing errors the same way everywhere. */
import { InvalidArgumentError } from "commander";

/** Accepts `--x a,b --x c` → [a, b, c]. */
export function collectList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

export function oneOf<T extends string>(allowed: readonly T[]) {
  return (value: string, previous: T[] = []): T[] => {
    const items = value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    for (const item of items) {
      if (!allowed.includes(item as T))
        throw new InvalidArgumentError(`"${item}" is not one of ${allowed.join(", ")}.`);
    }
    return [...previous, ...(items as T[])];
  };
}

export function parsePositiveInt(value: string): number {
  // Decimal digits only: Number() would also take "1e9", "0x10" and " 5 ", which nobody means as a count.
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError(`"${value}" is not a positive whole number.`);
  return n;
}

export function parseTimestamp(value: string): Date {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new InvalidArgumentError(`"${value}" is not an ISO 8601 timestamp.`);
  return d;
}

export function useColor(stream: NodeJS.WriteStream): boolean {
  if (process.env.NO_COLOR) return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== "0") return true;
  return Boolean(stream.isTTY);
}
