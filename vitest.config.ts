import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    setupFiles: ["test/support/setup.ts"],
    // The lockfile pins AWS SDK releases that support Node 20 (see README); the SDK's warning about later
    // releases is noise in test output (the CLI silences it the same way in bin/itgc-validate.js).
    // No test probes the EC2 / GCE metadata services (run without --provider would, off those clouds).
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      AWS_EC2_METADATA_DISABLED: "true",
      METADATA_SERVER_DETECTION: "none",
    },
  },
});
