#!/usr/bin/env node
// Runs the built CLI (dist/ is built by `npm install` through the `prepare` script).
// The AWS SDK warns on Node 20 that releases from 2027 will need Node 22; the lockfile pins releases that
// support Node 20, so the warning is noise for our users. Node 22 is recommended (see README).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const { main, scrubConsole } = await import("../dist/cli/main.js");
scrubConsole();
process.exitCode = await main(process.argv.slice(2));
