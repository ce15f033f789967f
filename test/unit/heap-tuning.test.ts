/**
 * engine/heap-tuning.ts: which runs get the organization heap growing factor, and the override. (What the
 * factor does to memory is measured by the bench, docs/performance.md; here only the decision and the guard.)
 */
import { describe, expect, it } from "vitest";
import { ORGANIZATION_HEAP_GROWING_PERCENT, tuneHeapForRun } from "../../src/engine/heap-tuning.js";

/** Records the V8 flags that would be set (the test process keeps V8's own heap sizing). */
function flags() {
  const set: string[] = [];
  return { set, setFlags: (f: string) => void set.push(f) };
}

describe("tuneHeapForRun", () => {
  it("sets the organization factor for an organization run and leaves V8's default otherwise", () => {
    const f = flags();
    expect(tuneHeapForRun({ organization: true }, {}, f.setFlags)).toBe(ORGANIZATION_HEAP_GROWING_PERCENT);
    expect(tuneHeapForRun({ organization: false }, {}, f.setFlags)).toBeUndefined();
    expect(f.set).toEqual([`--heap-growing-percent=${ORGANIZATION_HEAP_GROWING_PERCENT}`]);
  });

  it("honours ITGC_HEAP_GROWING_PERCENT (0 = V8's default) and refuses a value that is not a whole number", () => {
    const f = flags();
    expect(
      tuneHeapForRun({ organization: true }, { ITGC_HEAP_GROWING_PERCENT: "0" }, f.setFlags),
    ).toBeUndefined();
    expect(tuneHeapForRun({ organization: false }, { ITGC_HEAP_GROWING_PERCENT: "30" }, f.setFlags)).toBe(30);
    expect(() =>
      tuneHeapForRun({ organization: true }, { ITGC_HEAP_GROWING_PERCENT: "lots" }, f.setFlags),
    ).toThrow(/whole number/);
    expect(f.set).toEqual(["--heap-growing-percent=30"]);
  });
});
