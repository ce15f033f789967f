#!/usr/bin/env node
// Runs the built CLI (dist/ is built by `npm install` through the `prepare` script): dist/bundle/, the CLI's
// modules bundled into a few files (scripts/bundle-cli.mjs) — the same code as tsc's dist/cli/…, loaded faster.
// This file is CommonJS (bin/package.json): an ES module entry costs Node ≈ 10–20 ms more to start, most of a
// plain `--version` or `--help` beyond Node's own start-up (docs/performance.md, round 12). The CLI itself is
// ES modules (dist/), loaded with import().
"use strict";
// The AWS SDK warns on Node 20 that releases from 2027 will need Node 22; the lockfile pins releases that
// support Node 20, so the warning is noise for our users. Node 22 is recommended (see README).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const { join } = require("node:path");
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  // `--version` alone is answered before the CLI's modules load (the same line commander prints).
  const { readFileSync } = require("node:fs");
  const pkg = JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8"));
  process.stdout.write(`${pkg.version}\n`);
} else if (args.length === 1 && (args[0] === "--help" || args[0] === "-h")) {
  // `--help` alone: the top-level help without loading every command's module (src/cli/top-help.ts). At the
  // default width, 80 columns, the build's record of that program's text (dist/bundle/top-help-80.txt,
  // scripts/bundle-cli.mjs), without loading commander. The width as src/cli/help.ts's helpWidth() decides it.
  const { readFileSync } = require("node:fs");
  const out = process.stdout;
  const columns = Number(process.env.COLUMNS);
  const width =
    out.isTTY && out.columns ? out.columns : Number.isInteger(columns) && columns >= 20 ? columns : 80;
  let text;
  try {
    if (width === 80) text = readFileSync(join(__dirname, "..", "dist", "bundle", "top-help-80.txt"), "utf8");
  } catch {} // a tree built before the record existed: commander, as for any other width
  if (text !== undefined) out.write(text);
  else import("../dist/bundle/top-help.js").then(({ topHelpProgram }) => topHelpProgram().outputHelp());
} else {
  runCli();
}

async function runCli() {
  // Compiled code is cached between runs: Node's own compile cache where Node has one (≥ 22.1); on Node 20
  // the CLI caches V8's code for the AWS SDK's client files itself (dist/providers/aws/sdk/sdk-code-cache.js),
  // and the demo runs the CLI as one CommonJS file from V8's code cache (dist/cli/cached-cli.js).
  const nodeModule = require("node:module");
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
