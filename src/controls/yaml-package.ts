/**
 * The `yaml` package, loaded on first use (it is CommonJS: 72 files). Every module of ours that parses YAML
 * takes it from here, so a process has one copy. The CLI's bundle (scripts/bundle-cli.mjs) has
 * ./yaml-package-bundled.ts in this module's place: the same package from one file, dist/bundle/yaml.cjs.
 */
import { createRequire } from "node:module";

let yamlPackage: typeof import("yaml") | undefined;

/** The yaml package (loaded on the first call). */
export const yaml = (): typeof import("yaml") =>
  (yamlPackage ??= createRequire(import.meta.url)("yaml") as typeof import("yaml"));
