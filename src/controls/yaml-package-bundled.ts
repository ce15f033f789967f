/**
 * ./yaml-package.ts as the CLI's bundle has it (scripts/bundle-cli.mjs puts this module in its place): the
 * yaml package from one CommonJS file, dist/bundle/yaml.cjs (esbuild's bundle of the package's 72 files,
 * built with the CLI bundle), instead of resolving, reading and compiling each file. On Node 20 the file
 * goes through the code cache the SDK uses (providers/aws/sdk/sdk-code-cache.ts), when the CLI turned it
 * on; Node ≥ 22.1 caches it in its own compile cache. Loaded on first use, as before.
 */
import { fileURLToPath } from "node:url";
import { requireBundledFile } from "../providers/aws/sdk/sdk-code-cache.js";

/** dist/bundle/yaml.cjs (this module is three levels below the project, in src/ as in dist/). */
export const YAML_BUNDLE = fileURLToPath(new URL("../../dist/bundle/yaml.cjs", import.meta.url));

let yamlPackage: typeof import("yaml") | undefined;

/** The yaml package (loaded on the first call). */
export const yaml = (): typeof import("yaml") =>
  (yamlPackage ??= requireBundledFile(YAML_BUNDLE) as typeof import("yaml"));
