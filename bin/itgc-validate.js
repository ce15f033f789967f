#!/usr/bin/env node
// Runs the built CLI (dist/ is built by `npm install` through the `prepare` script): dist/bundle/, the CLI's
// modules bundled into a few files (scripts/bundle-cli.mjs) — the same code as tsc's dist/cli/…, loaded faster.
// The AWS SDK warns on Node 20 that releases from 2027 will need Node 22; the lockfile pins releases that
// support Node 20, so the warning is noise for our users. Node 22 is recommended (see README).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  // `--version` alone is answered before the CLI's modules load (the same line commander prints).
  const { readFileSync } = await import("node:fs");
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  process.stdout.write(`${pkg.version}\n`);
} else if (args.length === 1 && (args[0] === "--help" || args[0] === "-h")) {
  // `--help` alone: the top-level help without loading every command's module (src/cli/top-help.ts).
  const { topHelpProgram } = await import("../dist/bundle/top-help.js");
  topHelpProgram().outputHelp();
} else {
  // Compiled code is cached between runs: Node's own compile cache where Node has one (≥ 22.1); on Node 20
  // the CLI caches V8's code for the AWS SDK's client files itself (dist/providers/aws/sdk/sdk-code-cache.js),
  // and the demo runs the CLI as one CommonJS file from V8's code cache (dist/cli/cached-cli.js).
  const { default: nodeModule } = await import("node:module");
  let cli;
  if (typeof nodeModule.enableCompileCache === "function") {
    // Node's compile cache in the user's own directory, not Node's default under the shared /tmp: cached
    // data is code the process runs (dist/util/code-cache-dir.js).
    const { userCodeCacheDir } = await import("../dist/util/code-cache-dir.js");
    const dir = userCodeCacheDir(process.env);
    if (dir !== undefined) nodeModule.enableCompileCache(dir);
  } else {
    process.env.ITGC_SDK_CODE_CACHE ??= "on";
    const { cachedCliFor } = await import("../dist/cli/cached-cli.js");
    cli = await cachedCliFor(args);
  }
  const { main, scrubConsole } = cli ?? (await import("../dist/bundle/main.js"));
  scrubConsole();
  // processEntry: this is the process's own entry, so process-wide settings (V8's heap growing factor for
  // an organization run, dist/cli/heap-for-command.js) are made here, before the command runs.
  process.exitCode = await main(args, { processEntry: true, jitTunedAtEntry: cli !== undefined });
}
