/**
 * The AWS SDK's client packages are loaded with require(), not `import`, through the modules beside this one
 * (one per package: `import { EC2Client } from "…/providers/aws/sdk/client-ec2.js"`).
 *
 * Why: each `@aws-sdk/client-*` package is CommonJS in one large file (client-ec2's is 2 MB) and its
 * package.json has no "type". An ESM `import` of such a file on Node 20 compiles it once to detect its module
 * format, lexes it for its export names, then compiles it again as CommonJS; require() compiles it once.
 * Measured for the 18 clients a run loads: 1.6 s of CPU by import, 0.65 s by require (2-core machine).
 * The classes are the same objects either way (one module cache), so `instanceof`, aws-sdk-client-mock and
 * the types imported from the packages (`import type`) are unaffected.
 *
 * This module is what the tests (from src/), the bench and tsc's dist/ use. The CLI itself (dist/bundle/)
 * has ./require-bundled.ts in its place: the same names from one tree-shaken file, dist/bundle/aws-sdk.cjs
 * (scripts/bundle-sdk.mjs), instead of ≈ 150 files and 6 MB from node_modules. Here, Node 22 keeps a compile
 * cache of its own (bin/itgc-validate.js turns it on); on Node 20, which has none, V8's code cache of the
 * client files and of the CommonJS dependencies they load is kept by sdk-code-cache.ts.
 */
import { createRequire } from "node:module";
import { deferAggregatedClients } from "./deferred-aggregated-clients.js";
import { cacheDependencies, sdkCodeCacheDir } from "./sdk-code-cache.js";

const plainRequire = createRequire(import.meta.url);

/**
 * require() of an SDK client package: Node's own require, with the code cache's compile step installed
 * first when the CLI enabled it (the client file and its dependencies then compile from cached data), and
 * the unused aggregated client classes built only if something touches them (deferred-aggregated-clients.ts).
 */
export function requireSdk<T>(id: string): T {
  const dir = sdkCodeCacheDir();
  if (dir) cacheDependencies(dir);
  deferAggregatedClients();
  return plainRequire(id) as T;
}
