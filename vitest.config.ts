import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import LongestFirstSequencer from "./test/support/sequencer.js";

/**
 * Files that need a fresh module graph: fixtures.test.ts re-records the GitHub demo through Octokit and
 * compares it byte for byte with the committed recording, which process-wide state left by earlier files
 * in a shared worker changed (it passes alone). They run in isolated workers.
 */
const ISOLATED = ["test/fixtures.test.ts"];

/**
 * The control loader's checked catalogue in tests: the record the build makes for dist/ (the shipped CLI's
 * start-up trusts it), made once per worker by the same checks (test/support/checked-catalogue.ts), instead of
 * none — without it every run of a test parsed and type-checked the whole catalogue again. Only the loader's
 * own import is redirected: tests of the catalogue itself import the real module.
 */
const TEST_CATALOGUE = fileURLToPath(new URL("./test/support/checked-catalogue.ts", import.meta.url));
const testCheckedCatalogue = {
  name: "itgc-test-checked-catalogue",
  enforce: "pre" as const,
  resolveId(source: string, importer: string | undefined) {
    if (
      source === "./checked-catalogue.js" &&
      importer?.replace(/\?.*$/, "").endsWith("/src/controls/loader.ts")
    )
      return TEST_CATALOGUE;
    return undefined;
  },
};

export default defineConfig({
  plugins: [testCheckedCatalogue],
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Two workers on the 2-core machine (vitest's default is cores − 1, i.e. one: the suite ran serially).
    maxWorkers: 2,
    // A worker keeps its loaded modules (the AWS / Google SDKs, the engine, the catalogue) from one test file
    // to the next instead of importing them again for each of the ~65 files: that import was the largest
    // single cost of the suite. Test files themselves are still evaluated afresh. So a test must leave
    // process-wide state as it found it (env vars, patched prototypes, process.exitCode): restore in
    // afterEach / finally.
    isolate: false,
    // The longest files start first, so none is left running alone at the end (test/support/sequencer.ts).
    sequence: { sequencer: LongestFirstSequencer },
    // One temporary root for the whole run (TMPDIR), removed at the end; see test/support/global-setup.ts.
    globalSetup: ["test/support/global-setup.ts"],
    setupFiles: ["test/support/setup.ts"],
    // The lockfile pins AWS SDK releases that support Node 20 (see README); the SDK's warning about later
    // releases is noise in test output (the CLI silences it the same way in bin/itgc-validate.js).
    // No test probes the EC2 / GCE metadata services (run without --provider would, off those clouds).
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      AWS_EC2_METADATA_DISABLED: "true",
      METADATA_SERVER_DETECTION: "none",
      // An organization run lowers V8's heap growing factor for the rest of the process
      // (engine/heap-tuning.ts). Only the process entry (bin/, `main(argv, { processEntry: true })`) does
      // that, so an in-process `main()` in a test worker never does; this is a second guard, for the CLI
      // processes tests spawn with `run --org` or a large replay (no test measures memory), and for any
      // test file that calls the tuning itself. test/unit/heap-tuning.test.ts tests the decision with its
      // own environment.
      ITGC_HEAP_GROWING_PERCENT: "0",
    },
    projects: [
      // (include is per project: extends would add a root include to both.)
      { extends: true, test: { name: "shared", include: ["test/**/*.test.ts"], exclude: ISOLATED } },
      { extends: true, test: { name: "isolated", include: ISOLATED, isolate: true } },
    ],
  },
});
