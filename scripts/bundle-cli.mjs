/**
 * Bundles the CLI (`npm run build`, after tsc): dist/cli/main.js and dist/cli/top-help.js, with every module of
 * ours they reach and the pure-ESM packages below, into a few files under dist/bundle/, which
 * bin/itgc-validate.js loads.
 *
 * Why: a warm `demo` loaded ≈ 400 ESM modules one by one (ours, @bufbuild/cel and protobuf, csv-*, commander…);
 * on Node 20 each is resolved, read, compiled and linked on its own (docs/performance.md, round 6). Bundled,
 * they are a handful of files.
 *
 * What stays as it was:
 * - Every dynamic import() of ours is still a boundary: with `splitting`, each becomes its own chunk, loaded
 *   when the import runs (`--version`, `--help`, `lint`, `controls list` load no more than before).
 * - Packages other than BUNDLED are left to Node's own loader at run time (ajv, yaml, the Google clients…),
 *   so a package is never loaded twice, once bundled and once not.
 * - The AWS SDK: src/providers/aws/sdk/'s modules take their values from dist/bundle/aws-sdk.cjs, built here
 *   by scripts/bundle-sdk.mjs (one tree-shaken CommonJS file), through require-bundled.ts, which this bundle
 *   has in place of require.ts; nothing else of ours loads an SDK package's values.
 * - `import.meta.url` in each of our modules is rewritten to the URL of that module's own file in dist/ (tsc's
 *   output, which stays), so file lookups relative to a module — controls/, schema/, fixtures/, package.json,
 *   dist/controls/checked-catalogue.json, createRequire — resolve exactly as unbundled.
 * - The tests (vitest, from src/) and the bench (dist/bench/) do not use the bundle.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, transform } from "esbuild";
import { bundleSdk } from "./bundle-sdk.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const DIST = join(ROOT, "dist");
const OUT = join(DIST, "bundle");

/**
 * Packages the CLI imports statically, bundled with it; every other package stays external. Pure ESM, and
 * CommonJS packages only our modules load (commander: 7 files, which every command loads; graphql's
 * parser: 18 files, GitHub's read-only check; bottleneck and content-type, below octokit), which esbuild
 * wraps as it bundles them.
 * Octokit and the packages below it (only src/providers/github/ loads them, and no external package does,
 * so there is one copy a process): a demo's GitHub replay loaded 23 ES modules of @octokit/rest and its
 * plugins one by one (≈ 180 KB; 46–53 ms to import in a fresh process at load 8, against 28–37 ms for the
 * chunk that now holds them with graphql's parser and the GitHub provider — docs/performance.md, round 10).
 */
const BUNDLED = [
  /^@bufbuild\//,
  /^chalk(\/|$)/,
  /^p-limit(\/|$)/,
  /^yocto-queue(\/|$)/,
  /^csv-parse(\/|$)/,
  /^csv-stringify(\/|$)/,
  /^commander(\/|$)/,
  /^graphql(\/|$)/,
  /^@octokit\//,
  /^before-after-hook(\/|$)/,
  /^universal-user-agent(\/|$)/,
  /^json-with-bigint(\/|$)/,
  /^content-type(\/|$)/,
  /^bottleneck(\/|$)/,
  /^universal-github-app-jwt(\/|$)/,
  /^toad-cache(\/|$)/,
];

/** A package name (not a relative path, an absolute one, a builtin, or a package-internal `#import`). */
const isBare = (spec) => !/^(\.|\/|#|node:)/.test(spec);

/** Leaves every package not in BUNDLED (and every builtin) to Node at run time. */
const externals = {
  name: "externals",
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === "entry-point") return undefined;
      if (args.path.startsWith("node:")) return { path: args.path, external: true };
      if (isBare(args.path) && !BUNDLED.some((re) => re.test(args.path)))
        return { path: args.path, external: true };
      return undefined;
    });
  },
};

/**
 * `import.meta.url` of a module of ours → the URL of its own file in dist/ (see above), relative to `base`:
 * `import.meta.url` in the ES-module chunks, `__itgcFileUrl` (defined by its banner) in the one-file
 * CommonJS build.
 */
function ownImportMetaUrl(name, base) {
  return {
    name,
    setup(b) {
      b.onLoad({ filter: /\.js$/ }, async (args) => {
        const contents = await readFile(args.path, "utf8");
        if (!args.path.startsWith(DIST + sep) || !contents.includes("import.meta.url"))
          return { contents, loader: "js" };
        const rel = relative(OUT, args.path).split(sep).join("/");
        return {
          contents: contents.replaceAll("import.meta.url", `new URL(${JSON.stringify(rel)}, ${base}).href`),
          loader: "js",
        };
      });
    },
  };
}
const ownUrl = ownImportMetaUrl("own-import-meta-url", "import.meta.url");
const ownUrlCjs = ownImportMetaUrl("own-import-meta-url-cjs", "__itgcFileUrl");

/**
 * Modules the bundle has in another form: the SDK modules' `./require.js` is `./require-bundled.js` (the SDK
 * bundle's requireSdk), and `yaml-package.js` is `yaml-package-bundled.js` (dist/bundle/yaml.cjs).
 */
const VARIANTS = new Map([
  [
    join(DIST, "providers", "aws", "sdk", "require.js"),
    join(DIST, "providers", "aws", "sdk", "require-bundled.js"),
  ],
  [join(DIST, "controls", "yaml-package.js"), join(DIST, "controls", "yaml-package-bundled.js")],
]);
const bundledVariants = {
  name: "bundled-variants",
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      const variant = VARIANTS.get(join(args.resolveDir, args.path));
      return variant ? { path: variant } : undefined;
    });
  },
};

// Chunk names change with their content: nothing of an earlier build may stay.
rmSync(OUT, { recursive: true, force: true });
const result = await build({
  entryPoints: { main: join(DIST, "cli", "main.js"), "top-help": join(DIST, "cli", "top-help.js") },
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  chunkNames: "chunk-[hash]",
  // Not `keepNames`: its __name() call for every function and class cost ≈ 1–2 % of a demo's CPU, and no code of
  // ours reads the name of a function or class it defines (the SDK's classes, whose names are read, are not
  // bundled); esbuild renames only top-level functions whose names collide (`compileField2`), no class.
  keepNames: false,
  sourcemap: "linked",
  legalComments: "none",
  logLevel: "warning",
  metafile: true,
  // The CommonJS packages in BUNDLED require Node's builtins (`require("events")`); an ES module has no
  // `require`, so each file gets one (esbuild's __require shim uses it; nothing else in the bundle reads it).
  banner: {
    js: 'import { createRequire as __itgcCreateRequire } from "node:module";\nconst require = __itgcCreateRequire(import.meta.url);',
  },
  plugins: [externals, bundledVariants, ownUrl],
});
// The SDK and yaml reach the bundle only through their variants: node_modules' copy loaded beside the SDK
// bundle would be a second @smithy/core (and slow); fail the build if a substitution stopped happening.
const inputs = new Set(Object.keys(result.metafile.inputs).map((p) => join(ROOT, p)));
for (const [module, variant] of VARIANTS)
  if (inputs.has(module) || !inputs.has(variant))
    throw new Error(
      `bundle-cli: the bundle must reach ${relative(DIST, variant)}, not ${relative(DIST, module)}`,
    );
await bundleCachedCli();
await recordTopHelp();
await bundleSdk({ root: ROOT, dist: DIST, outFile: join(OUT, "aws-sdk.cjs") });
// The yaml package (CommonJS, 72 files) as one file, loaded on first use (src/controls/yaml-package-bundled.ts).
await build({
  entryPoints: ["yaml"],
  absWorkingDir: ROOT,
  outfile: join(OUT, "yaml.cjs"),
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  legalComments: "none",
  logLevel: "warning",
});
await asciiOnly(OUT);

/**
 * `--help` alone at the default width, 80 columns (stdout no terminal and no $COLUMNS: a pipe, a script, CI; or
 * an 80-column terminal), as text: dist/bundle/top-help-80.txt, commander's output of the bundle's own
 * top-level help program (src/cli/top-help.ts), which bin/itgc-validate.js prints without loading commander.
 * Loading the help program is ≈ 15–35 ms of a `--help` that Node's own start-up already makes ≈ 0.13 s on
 * this machine (docs/performance.md, round 12). Any other width is commander's, through the same program.
 */
async function recordTopHelp() {
  const { topHelpProgram } = await import(pathToFileURL(join(OUT, "top-help.js")).href);
  const program = topHelpProgram();
  program.configureOutput({ getOutHelpWidth: () => 80, getOutHasColors: () => false });
  writeFileSync(join(OUT, "top-help-80.txt"), program.helpInformation());
}

/**
 * The CLI as one CommonJS file, dist/bundle/cli.cjs, which the demo runs from V8's code cache on Node 20
 * (src/cli/cached-cli.ts): the same modules as dist/bundle/main.js, with the same externals, variants and
 * `import.meta.url`s. Without splitting, each dynamic import() of ours becomes a part of the file that runs
 * when the import does (esbuild's lazy module wrappers), so the demo still evaluates only what it imports.
 * What is left of import() is a package's (the Google clients, loaded only by a live GCP run): each becomes a
 * call of `__itgcImport`, the importer cached-cli.ts passes in, since a script compiled from cached data has
 * no dynamic-import callback of its own on Node 20. The file is compiled as a function in strict mode
 * (cached-cli.ts), as ES modules are.
 */
async function bundleCachedCli() {
  const cjs = await build({
    entryPoints: [join(DIST, "cli", "main.js")],
    outfile: join(OUT, "cli.cjs"),
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    keepNames: false,
    sourcemap: "linked",
    legalComments: "none",
    logLevel: "warning",
    metafile: true,
    write: false,
    banner: { js: 'const __itgcFileUrl = require("node:url").pathToFileURL(__filename).href;' },
    plugins: [externals, bundledVariants, ownUrlCjs],
  });
  const inputs = new Set(Object.keys(cjs.metafile.inputs).map((p) => join(ROOT, p)));
  for (const [module, variant] of VARIANTS)
    if (inputs.has(module) || !inputs.has(variant))
      throw new Error(
        `bundle-cli: cli.cjs must reach ${relative(DIST, variant)}, not ${relative(DIST, module)}`,
      );
  for (const file of cjs.outputFiles) {
    if (!file.path.endsWith(".cjs")) {
      writeFileSync(file.path, file.contents);
      continue;
    }
    // Each package esbuild left to a dynamic import (by name, from the metafile): `import("name")` → the importer.
    const packages = new Set(
      Object.values(cjs.metafile.outputs)
        .flatMap((o) => o.imports)
        .filter((i) => i.kind === "dynamic-import" && i.external)
        .map((i) => i.path),
    );
    let text = file.text;
    for (const name of packages) {
      const call = `import(${JSON.stringify(name)})`;
      if (!text.includes(call)) throw new Error(`bundle-cli: cli.cjs does not have ${call} as expected`);
      text = text.replaceAll(call, `__itgcImport(${JSON.stringify(name)})`);
    }
    writeFileSync(file.path, text);
  }
}

/**
 * Every character outside ASCII in the bundle's JavaScript files written as a `\uXXXX` escape. esbuild writes
 * strings, regular expressions and names in ASCII already; what it leaves are comments of ours (…, →, ≈).
 * One such character makes the whole file a two-byte string for Node and V8: for dist/bundle/cli.cjs (2.4 MB)
 * reading it as UTF-8 took ≈ 27 ms instead of ≈ 13, and hashing it for its code-cache entry ≈ 13 ms instead of
 * ≈ 6 (docs/performance.md, round 12). An escape in a comment is only text, and in a string, a regular
 * expression or a name it is the same character; the build checks that each file, minified, is the same
 * program as before (the minifier drops comments and normalises escapes), so a file where it would not be
 * (a template's raw text, a line separator ending a line comment) fails the build instead.
 */
async function asciiOnly(dir) {
  for (const name of readdirSync(dir)) {
    if (!/\.(c?js)$/.test(name)) continue;
    const file = join(dir, name);
    const text = readFileSync(file, "utf8");
    if (!/[\u0080-\uffff]/.test(text)) continue;
    const ascii = text.replace(
      /[\u0080-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
    const format = name.endsWith(".cjs") ? "cjs" : "esm";
    const [before, after] = await Promise.all(
      [text, ascii].map(async (t) => (await transform(t, { minify: true, format, logLevel: "silent" })).code),
    );
    if (before !== after)
      throw new Error(`bundle-cli: ${name} is not the same program once written in ASCII`);
    writeFileSync(file, ascii);
  }
}
