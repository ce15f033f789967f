/**
 * requireSdk as the CLI's bundle has it (scripts/bundle-cli.mjs puts this module in place of ./require.ts
 * in dist/bundle/): the SDK's values come from dist/bundle/aws-sdk.cjs, one CommonJS file with exactly the
 * classes and functions the modules of this directory take from the SDK's packages, tree-shaken from the
 * packages' ES module builds (scripts/bundle-sdk.mjs says how and why). Everything else — tests from src/,
 * the bench and tsc's dist/ — loads the packages from node_modules through ./require.ts.
 *
 * One file means one code cache on Node 20 (./sdk-code-cache.ts compiles it like the node_modules files it
 * caches) and one entry in Node ≥ 22.1's own compile cache. The file is loaded the first time a module of
 * this directory asks for a package, as require.ts loads each package.
 */
import { fileURLToPath } from "node:url";
import { requireBundledFile } from "./sdk-code-cache.js";

/** dist/bundle/aws-sdk.cjs (this module is four levels below the project, in src/ as in dist/). */
export const SDK_BUNDLE = fileURLToPath(new URL("../../../../dist/bundle/aws-sdk.cjs", import.meta.url));

let packages: Record<string, unknown> | undefined;

/**
 * The values the SDK bundle holds for package `id` (an object with the names this directory's module for
 * that package exports). A package the bundle does not hold is an error, never a fall-back to node_modules:
 * that would be a second copy of @smithy/core beside the bundle's (two `ServiceException` classes).
 */
export function requireSdk<T>(id: string): T {
  packages ??= (requireBundledFile(SDK_BUNDLE) as { packages: Record<string, unknown> }).packages;
  const values = packages[id];
  if (values === undefined)
    throw new Error(`${id} is not in the CLI's SDK bundle (${SDK_BUNDLE}); rebuild with \`npm run build\``);
  return values as T;
}
