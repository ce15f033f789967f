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
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
