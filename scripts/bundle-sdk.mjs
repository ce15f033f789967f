/**
 * The AWS SDK as the CLI loads it: one CommonJS file, dist/bundle/aws-sdk.cjs, holding exactly the classes
 * and functions src/providers/aws/sdk/ takes from the SDK's packages (18 clients' `…Client` and the commands
 * this code base sends, ServiceException, getEndpointFromInstructions, fromNodeProviderChain) and what they
 * reach. Built by scripts/bundle-cli.mjs (`npm run build`); the CLI bundle's requireSdk reads from it
 * (src/providers/aws/sdk/require-bundled.ts). The tests and the bench (tsc's dist/) load node_modules as before.
 *
 * Why: a warm `demo` loaded the SDK as ≈ 150 CommonJS files, 6 MB (client-ec2 alone 2 MB: ≈ 750 commands and
 * the schemas of every EC2 shape), each resolved, stat'ed, read, hashed and compiled from its code cache, and
 * then ran every client's top-level code for commands it never sends. From the packages' ES module builds
 * (`dist-es`, which every package ships and marks `"sideEffects": false`) esbuild keeps only what the named
 * exports reach: ≈ 2.2 MB in one file, one read, one code cache, no resolution (docs/performance.md, round 9).
 *
 * Two things make that tree-shaking possible and keep it the SDK's behaviour:
 * - The schema modules (`dist-es/schemas/schemas_N.js`: one array per shape, ≈ 3,400 for EC2) hold two
 *   expressions esbuild cannot prove free of side effects, so it kept every schema of every shape, and all
 *   they refer to: objects with computed keys, `{ [_xN]: _dR }` (`_xN` a module-level
 *   `const _xN = "xmlName"`), and bit-or's of two numbers, `64 | 0` (a list of strings). `treeShakableSchemas`
 *   writes the keys as the string literals they are bound to (the same object: a string is its own property
 *   key), except `__proto__`, which as a literal key would set the prototype instead, and each `A | B` of two
 *   integer literals as its value (`64`). The schemas are the same arrays; only what no one reaches goes.
 * - Each package is bundled from one build only: the check below fails the build if any package contributed
 *   files from both its `dist-es` and its `dist-cjs` (two copies of a module — two `ServiceException`
 *   classes, two middleware registries — which Node's loader would never make).
 *
 * Which names: read from tsc's output of src/providers/aws/sdk/*.js, each of which is
 * `const sdk = requireSdk("<package>"); export const { A, B, … } = sdk;`. A module of that directory that
 * calls requireSdk in any other form fails the build, and a name a package does not export fails esbuild.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { build } from "esbuild";

/** The schema modules of the SDK's packages, whose computed trait keys are written as literals. */
const SCHEMA_MODULE =
  /[\\/]node_modules[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/](.+[\\/])?schemas[\\/]schemas_\d+\.js$/;

/**
 * The schema module `source` with `{ [_k]: v }` → `{ "lit": v }` for every `_k` declared in it as
 * `const _k = "lit";` (a plain string literal, no escapes; not `__proto__`) and `A | B` of two decimal
 * integer literals below 2^31, standing alone, → its value: the same values, which esbuild can now drop when unused.
 */
export function treeShakableSchemas(source) {
  const strings = new Map();
  for (const m of source.matchAll(/^const (_\w+) = ("[^"\\\n]*");$/gm)) strings.set(m[1], m[2]);
  return (
    source
      .replace(/([{,]\s*)\[(_\w+)\]:/g, (whole, before, name) => {
        const literal = strings.get(name);
        return literal === undefined || literal === '"__proto__"' ? whole : `${before}${literal}:`;
      })
      // Only an operand of its own: after `[`, `,`, `(`, `:` or `=`, before `,`, `]`, `)`, `}` or `;` (so never
      // `x * 64 | 0`, whose `|` applies to the product).
      .replace(
        /([[,(:=]\s*)(\d{1,9}) \| (\d{1,9})(?=\s*[,\])};])/g,
        (_w, before, a, b) => `${before}${Number(a) | Number(b)}`,
      )
  );
}

/**
 * Two one-line modules of the SDK that only re-export a builtin, `import node_https from "node:https";
 * export { node_https };` (node-http-handler) and the same of node:http (the instance-metadata credential
 * provider), written so the builtin loads on its first use instead of when the SDK loads: node:https brings
 * tls, http and their servers (≈ 6–11 ms of a warm demo on the 2-core machine), and a replay never sends a
 * request. The export is a Proxy whose every property read is that of the builtin (`node_https.Agent`,
 * `.request`, `instanceof node_https.Agent`: the only uses), loaded then. The build fails if either module
 * is not found where it is expected (an SDK update moved it): the substitute would silently stop applying.
 */
export const LAZY_BUILTIN_MODULES = [
  {
    file: /[\\/]@smithy[\\/]node-http-handler[\\/]dist-es[\\/]node-https\.js$/,
    builtin: "node:https",
    name: "node_https",
  },
  {
    file: /[\\/]@smithy[\\/]credential-provider-imds[\\/]dist-es[\\/]remoteProvider[\\/]node-http\.js$/,
    builtin: "node:http",
    name: "node_http",
  },
];

/** The substitute of a module that is exactly `import N from "B"; export { N };` (see above), or undefined. */
export function lazyBuiltinModule(source, { builtin, name }) {
  const expected = `import ${name} from ${JSON.stringify(builtin)};\nexport { ${name} };\n`;
  if (source.replace(/\r\n/g, "\n") !== expected) return undefined;
  return (
    `let loaded;\n` +
    `export const ${name} = new Proxy({}, {\n` +
    `  get: (_target, key) => Reflect.get((loaded ??= require(${JSON.stringify(builtin)})), key),\n` +
    `});\n`
  );
}

/** `{ package, names }` of each module in dist/providers/aws/sdk/ that takes values from an SDK package. */
export function sdkImports(sdkDir) {
  const imports = [];
  for (const file of readdirSync(sdkDir)
    .filter((f) => f.endsWith(".js"))
    .sort()) {
    const text = readFileSync(join(sdkDir, file), "utf8");
    const calls = [...text.matchAll(/requireSdk\(/g)].length;
    if (calls === 0 || file === "require.js" || file === "require-bundled.js") continue;
    const m = text.match(/const sdk = requireSdk\("([^"]+)"\);\s*export const \{([^}]*)\} = sdk;/);
    if (calls !== 1 || !m)
      throw new Error(
        `${file}: an SDK module must be \`const sdk = requireSdk("<package>"); export const { … } = sdk;\``,
      );
    const names = m[2]
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    if (names.some((n) => !/^[A-Za-z_$][\w$]*$/.test(n))) throw new Error(`${file}: unexpected export list`);
    imports.push({ package: m[1], names });
  }
  return imports;
}

/** The bundle's entry: `export const packages = { "<package>": { A, B }, … }`. */
function entrySource(imports) {
  const lines = [];
  const entries = [];
  imports.forEach(({ package: pkg, names }, i) => {
    lines.push(
      `import { ${names.map((n) => `${n} as p${i}_${n}`).join(", ")} } from ${JSON.stringify(pkg)};`,
    );
    entries.push(`  ${JSON.stringify(pkg)}: { ${names.map((n) => `${n}: p${i}_${n}`).join(", ")} },`);
  });
  return `${lines.join("\n")}\nexport const packages = {\n${entries.join("\n")}\n};\n`;
}

/** Fails if a package contributed files from more than one of its builds (dist-es and dist-cjs). */
function assertOneBuildPerPackage(inputs) {
  const builds = new Map();
  for (const path of inputs) {
    const m = path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\/(dist-[^/]+)\//);
    if (!m) continue;
    const seen = builds.get(m[1]) ?? new Set();
    seen.add(m[2]);
    builds.set(m[1], seen);
  }
  const mixed = [...builds].filter(([, s]) => s.size > 1).map(([p, s]) => `${p} (${[...s].join(", ")})`);
  if (mixed.length > 0) throw new Error(`SDK bundle: packages bundled from two builds: ${mixed.join("; ")}`);
}

/** Writes `outFile` (see the module comment); `root` is the project, `dist` tsc's output. */
export async function bundleSdk({ root, dist, outFile }) {
  const imports = sdkImports(join(dist, "providers", "aws", "sdk"));
  const substituted = new Set();
  const result = await build({
    stdin: { contents: entrySource(imports), resolveDir: root, sourcefile: "aws-sdk-entry.js", loader: "js" },
    absWorkingDir: root,
    outfile: outFile,
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    // The ES module builds: the only ones esbuild can tree-shake (`module` before Node's `main`).
    mainFields: ["module", "main"],
    // `import("node:http")` (the SDK loads a few builtins lazily) as `Promise.resolve().then(() => require(…))`,
    // as the packages' dist-cjs have it: a file compiled from V8's cached data on Node 20 cannot run an
    // import() (src/providers/aws/sdk/sdk-code-cache.ts), and the code cache would skip the whole file.
    supported: { "dynamic-import": false },
    // No source map (it would be 6 MB in the package): the file is not minified, and each module's code
    // follows a `// node_modules/<package>/dist-es/<file>` line.
    sourcemap: false,
    legalComments: "none",
    logLevel: "warning",
    metafile: true,
    plugins: [
      {
        name: "lazy-builtins",
        setup(b) {
          for (const lazy of LAZY_BUILTIN_MODULES)
            b.onLoad({ filter: lazy.file }, (args) => {
              const contents = lazyBuiltinModule(readFileSync(args.path, "utf8"), lazy);
              if (contents === undefined)
                throw new Error(`SDK bundle: ${args.path} is no longer a plain re-export of ${lazy.builtin}`);
              substituted.add(lazy.builtin);
              return { contents, loader: "js", resolveDir: dirname(args.path) };
            });
        },
      },
      {
        name: "tree-shakable-schemas",
        setup(b) {
          b.onLoad({ filter: SCHEMA_MODULE }, (args) => ({
            contents: treeShakableSchemas(readFileSync(args.path, "utf8")),
            loader: "js",
            resolveDir: dirname(args.path),
          }));
        },
      },
    ],
  });
  assertOneBuildPerPackage(Object.keys(result.metafile.inputs));
  for (const { builtin } of LAZY_BUILTIN_MODULES)
    if (!substituted.has(builtin))
      throw new Error(
        `SDK bundle: the module re-exporting ${builtin} was not found (see LAZY_BUILTIN_MODULES)`,
      );
  if (/\bimport\s*\(/.test(readFileSync(outFile, "utf8")))
    throw new Error("SDK bundle: a dynamic import() is left in the output (see `supported` above)");
  return { packages: imports.length, file: relative(root, outFile).split(sep).join("/") };
}
