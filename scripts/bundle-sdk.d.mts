/** Types of scripts/bundle-sdk.mjs (read by test/unit/sdk-bundle.test.ts). */
export function treeShakableSchemas(source: string): string;
export function sdkImports(sdkDir: string): { package: string; names: string[] }[];
export function bundleSdk(options: {
  root: string;
  dist: string;
  outFile: string;
}): Promise<{ packages: number; file: string }>;
export interface LazyBuiltinModule {
  file: RegExp;
  builtin: string;
  name: string;
}
export const LAZY_BUILTIN_MODULES: LazyBuiltinModule[];
export function lazyBuiltinModule(source: string, module: LazyBuiltinModule): string | undefined;
