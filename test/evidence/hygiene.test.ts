/**
 * Output hygiene: `--out` checked before any API call, interrupted writes leave no `.partial-*`, the bag
 * names its key without local paths, VERIFY.md's manual procedure catches extra files and symlinks, and
 * `verify` accepts a symlink to a bundle.
 */
import { spawn, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/core/errors.js";
import { readBundle } from "../../src/evidence/files.js";
import { ensureOutputDir } from "../../src/evidence/output-dir.js";
import { verifyBundle } from "../../src/evidence/verify.js";
import { writeBundle } from "../../src/evidence/write-bundle.js";
import { cli, ROOT } from "../support/cli.js";
import { goldenOutcome, TEST_KEY, testSigner } from "./support.js";

const root = mkdtempSync(join(tmpdir(), "itgc-hygiene-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const dir = () => {
  const d = join(root, `d${++n}`);
  mkdirSync(d);
  return d;
};

/** The bash block of VERIFY.md (the completeness check), run in the bundle: [exit code, output]. */
function manualCheck(bundle: string): [number | null, string] {
  const md = readFileSync(join(bundle, "VERIFY.md"), "utf8");
  const block = /```bash\n([\s\S]*?)```/.exec(md)![1]!.replace(/^ {3}/gm, "");
  const r = spawnSync("bash", ["-c", `set -e\n${block}\n`], { cwd: bundle, encoding: "utf8" });
  return [r.status, `${r.stdout}${r.stderr}`];
}

describe("VERIFY.md's manual procedure", () => {
  it("passes on a bundle as written, and catches an extra file at the root, in attestation/, and a symlink", async () => {
    const out = dir();
    // An absolute key path, as a user's --sign-key would be.
    const signer = testSigner(TEST_KEY, TEST_KEY);
    const { path } = await writeBundle(goldenOutcome(), { outDir: out, signer, toolCommit: null });
    expect(manualCheck(path)).toEqual([0, ""]);

    const tampered = (name: string, change: (p: string) => void) => {
      const copy = join(dir(), name);
      cpSync(path, copy, { recursive: true });
      change(copy);
      return copy;
    };
    const extraRoot = tampered("extra-root", (p) => writeFileSync(join(p, "notes.txt"), "x"));
    const extraAtt = tampered("extra-att", (p) => writeFileSync(join(p, "attestation", "extra.sig"), "x"));
    const outside = join(dir(), "bag-info.txt");
    const linked = tampered("linked", (p) => {
      cpSync(join(p, "bag-info.txt"), outside);
      unlinkSync(join(p, "bag-info.txt"));
      symlinkSync(outside, join(p, "bag-info.txt"));
    });
    for (const p of [extraRoot, extraAtt, linked]) {
      const [code, text] = manualCheck(p);
      expect(code, p).not.toBe(0);
      expect(text, p).not.toBe("");
      expect(verifyBundle(readBundle(p)).ok, p).toBe(false);
    }
    // Why the check is needed: sha256sum alone follows the link and is satisfied.
    expect(spawnSync("sha256sum", ["-c", "tagmanifest-sha256.txt"], { cwd: linked }).status).toBe(0);
    expect(manualCheck(linked)[1]).toContain("./bag-info.txt");

    // The bag records a key reference, never the local absolute path of the key.
    const bagInfo = readFileSync(join(path, "bag-info.txt"), "utf8");
    expect(bagInfo).toContain("Signer-Key: file:test-signing-key.pem\n");
    const all = readBundle(path);
    for (const [file, data] of all.files) expect(data.toString("utf8"), file).not.toContain(ROOT);

    // verify accepts a symbolic link to a bundle directory (a "latest" link).
    const link = join(dir(), "latest");
    symlinkSync(path, link);
    const viaLink = readBundle(link);
    expect(viaLink.name).toBe(all.name);
    expect(verifyBundle(viaLink).ok).toBe(true);
  });
});

describe("--out is checked before anything else", () => {
  it("refuses a path under /proc, an existing file and an unwritable place at once; creates missing levels", () => {
    expect(() => ensureOutputDir("/proc/x")).toThrow(InputError);
    expect(() => ensureOutputDir("/proc/x")).toThrow(/--out: \/proc\/x: cannot create \/proc\/x/);
    const file = join(dir(), "a-file");
    writeFileSync(file, "x");
    expect(() => ensureOutputDir(file)).toThrow(/exists and is not a directory/);
    expect(() => ensureOutputDir(join(file, "below"))).toThrow(/is not a directory/);
    const nested = join(dir(), "a", "b", "c");
    expect(ensureOutputDir(nested)).toBe(nested);
    expect(readdirSync(nested)).toEqual([]);
  });

  it("the real CLI exits 2 at once for --out /proc/x and --out <existing file>, before any call", () => {
    const file = join(dir(), "existing");
    writeFileSync(file, "x");
    const env = { HOME: root, XDG_CONFIG_HOME: root };
    const args = [
      "run",
      "--replay",
      join(ROOT, "fixtures/aws/demo"),
      "--control",
      "access.aws-iam-console-mfa",
    ];
    for (const out of ["/proc/x", file]) {
      const r = cli([...args, "--out", out, "--no-sign"], { env });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/--out: .*(cannot create|not a directory)/);
      expect(r.stdout).toBe("");
    }
  });
});

describe("an interrupted write", () => {
  it("SIGTERM / SIGINT while writing removes the partial output and exits 143 / 130", async () => {
    const script = `
      import { mkdirSync, writeFileSync } from "node:fs";
      import { removeOnInterrupt } from "${ROOT}dist/evidence/interrupt.js";
      const partial = process.argv[1];
      await removeOnInterrupt(partial, async () => {
        mkdirSync(partial);
        writeFileSync(partial + "/one.json", "{}");
        process.stdout.write("writing\\n");
        await new Promise((r) => setTimeout(r, 30000));
      });`;
    for (const [signal, code] of [
      ["SIGTERM", 143],
      ["SIGINT", 130],
    ] as const) {
      const partial = join(dir(), ".partial-bundle");
      const child = spawn(process.execPath, ["--input-type=module", "-e", script, partial]);
      await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
      expect(existsSync(join(partial, "one.json"))).toBe(true);
      child.kill(signal);
      const exit = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
      expect(exit).toBe(code);
      expect(existsSync(partial)).toBe(false);
    }
  });
});
