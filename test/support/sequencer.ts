/**
 * The order test files are handed to the two workers (vitest.config.ts `sequence.sequencer`): the longest
 * files first, so no long file starts near the end and leaves one worker running it alone while the other
 * is idle (the suite's wall time is the later worker's).
 *
 * vitest orders by the durations of the previous run when it has them (node_modules/.vite/vitest), and
 * otherwise by file size, largest first. A clean clone (CI) has no previous run, and size says little: the
 * fault matrix is the 10th largest file but the longest by far; the CLI convention tests are short files that
 * spawn the CLI. So the files listed here go first, in this order (longest first, measured: test/README.md
 * "Measuring"); the others follow in vitest's order. Keep the list to the files that take ≥ 10 s alone.
 */
import { BaseSequencer, type TestSpecification } from "vitest/node";

export const LONGEST_FIRST = [
  "test/org/fault-matrix.test.ts",
  "test/evidence/cli.test.ts",
  "test/e2e/cli-conventions.test.ts",
  "test/e2e/demo.test.ts",
  "test/github/cli.test.ts",
  "test/e2e/lint-cli.test.ts",
  "test/gcp/e2e-grpc.test.ts",
  "test/org/endpoint.test.ts",
  "test/workbench/sql.test.ts",
];

export default class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const root = this.ctx.config.root.replace(/\/?$/, "/");
    const rank = (f: TestSpecification) => {
      const i = LONGEST_FIRST.indexOf(f.moduleId.replace(root, ""));
      return i === -1 ? LONGEST_FIRST.length : i;
    };
    // Projects stay in vitest's order (the isolated project runs first); within each, the listed files lead.
    const projectOrder = new Map<string, number>();
    for (const f of sorted)
      if (!projectOrder.has(f.project.name)) projectOrder.set(f.project.name, projectOrder.size);
    const position = new Map(sorted.map((f, i) => [f, i]));
    return [...sorted].sort(
      (a, b) =>
        projectOrder.get(a.project.name)! - projectOrder.get(b.project.name)! ||
        rank(a) - rank(b) ||
        position.get(a)! - position.get(b)!,
    );
  }
}
