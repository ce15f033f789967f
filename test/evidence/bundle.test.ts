import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { MANIFEST, TAG_MANIFEST } from "../../src/evidence/bagit.js";
import type { BundleFiles } from "../../src/evidence/files.js";
import { readBundle } from "../../src/evidence/files.js";
import { readModel } from "../../src/evidence/read-model.js";
import { readTarGz } from "../../src/evidence/tar.js";
import { verifyBundle } from "../../src/evidence/verify.js";
import {
  buildBundle,
  DSSE_FILE,
  PUBLIC_KEY_FILE,
  SIGNATURE_FILE,
  writeBundle,
} from "../../src/evidence/write-bundle.js";
import { renderHtml } from "../../src/report/html.js";
import { renderOscal } from "../../src/report/oscal.js";
import { pae } from "../../src/signing/dsse.js";
import { fingerprint, type Signer, SigningError } from "../../src/signing/signer.js";
import { FIXED_CLOCK, goldenOutcome, OTHER_KEY, tempDir, testSigner } from "./support.js";

const GOLDEN_DIR = join(import.meta.dirname, "golden", "bundle");
/** Golden copies carry this suffix so formatters leave their bytes alone. Regenerate: UPDATE_GOLDEN=1. */
const SUFFIX = ".golden";
const SIGNATURES = new Set([SIGNATURE_FILE, DSSE_FILE]);

async function golden() {
  return buildBundle(goldenOutcome(), { signer: testSigner(), clock: FIXED_CLOCK, toolCommit: null });
}

function asBundle(files: Map<string, Buffer>, name = "bundle"): BundleFiles {
  return { source: name, name, files: new Map(files), oddities: [] };
}

function sh(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8" });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("DSSE PAE", () => {
  it("matches the spec's test vector", () => {
    expect(pae("http://example.com/HelloWorld", Buffer.from("hello world")).toString()).toBe(
      "DSSEv1 29 http://example.com/HelloWorld 11 hello world",
    );
  });
  it("counts bytes, not characters", () => {
    expect(pae("t", Buffer.from("é")).toString()).toBe("DSSEv1 1 t 2 é");
  });
});

describe("golden bundle (injected clock, fixed run, test key)", () => {
  it("every file but the two signatures equals the golden copy", async () => {
    const { name, files } = await golden();
    expect(name).toBe("itgc-aws-111122223333-20261120T090000Z-00000000");
    if (process.env.UPDATE_GOLDEN) {
      for (const [p, data] of files) {
        if (SIGNATURES.has(p)) continue;
        mkdirSync(dirname(join(GOLDEN_DIR, p)), { recursive: true });
        writeFileSync(join(GOLDEN_DIR, `${p}${SUFFIX}`), data);
      }
    }
    const listGolden = (dir: string, rel = ""): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory()
          ? listGolden(join(dir, e.name), `${rel}${e.name}/`)
          : [`${rel}${e.name.slice(0, -SUFFIX.length)}`],
      );
    const expected = listGolden(GOLDEN_DIR).sort();
    expect([...files.keys()].filter((p) => !SIGNATURES.has(p)).sort()).toEqual(expected);
    for (const p of expected)
      expect(files.get(p)!.toString(), p).toBe(readFileSync(join(GOLDEN_DIR, `${p}${SUFFIX}`), "utf8"));
    expect([...files.keys()].filter((p) => SIGNATURES.has(p)).sort()).toEqual([DSSE_FILE, SIGNATURE_FILE]);
  });

  it("has the layout of the design: bag, payload, attestation", async () => {
    const { files } = await golden();
    for (const p of [
      "bagit.txt",
      "bag-info.txt",
      MANIFEST,
      TAG_MANIFEST,
      "VERIFY.md",
      "data/run.json",
      "data/controls/access.aws-iam-console-mfa.yaml",
      "data/raw/111122223333/us-east-1/000002-IAM.GetCredentialReport.json",
      "data/results/access.aws-iam-console-mfa.json",
      "data/results/exceptions.csv",
      "data/results/population/access.aws-iam-console-mfa.csv",
      "data/report.html",
      "data/oscal/assessment-results.json",
      "data/sql/schema.sql",
      SIGNATURE_FILE,
      DSSE_FILE,
      PUBLIC_KEY_FILE,
      "attestation/signer.json",
    ])
      expect(files.has(p), p).toBe(true);
    for (const p of files.keys()) expect(p).toMatch(/^[A-Za-z0-9._/-]+$/);
    // The exact control file bytes; the tag manifest lists tag files but not the signatures over it.
    expect(files.get("data/controls/access.aws-iam-console-mfa.yaml")!.toString()).toBe(
      goldenOutcome().controls[0]!.source.text,
    );
    const tagListed = files
      .get(TAG_MANIFEST)!
      .toString()
      .trim()
      .split("\n")
      .map((l) => l.split("  ")[1]);
    expect(tagListed.sort()).toEqual(
      ["VERIFY.md", "attestation/signer.json", PUBLIC_KEY_FILE, "bag-info.txt", "bagit.txt", MANIFEST].sort(),
    );
    const run = JSON.parse(files.get("data/run.json")!.toString());
    expect(run).toMatchObject({
      evaluatedAt: "2026-11-20T09:00:00.000Z",
      homeRegion: "us-east-1",
      commandLine: "run --control access.aws-iam-console-mfa --sign-key 'test key.pem'",
      callers: [{ principal: "arn:aws:sts::111122223333:assumed-role/Audit/auditor" }],
      scope: { skipped: [{ region: "ap-east-1", reason: "region not enabled" }] },
      evidence: { signing: { signed: true, algorithm: "ECDSA_P256_SHA256" } },
    });
    const result = JSON.parse(files.get("data/results/access.aws-iam-console-mfa.json")!.toString());
    expect(result.counts).toEqual({
      population: 2,
      pass: 1,
      fail: 1,
      error: 0,
      not_applicable: 0,
      waived: 0,
    });
    expect(result.conclusion).toMatch(/1 exception/);
    expect(files.get("data/results/exceptions.csv")!.toString()).toContain(
      "bob can sign in to the console without MFA",
    );
  });

  it("is deterministic but for the ECDSA signatures, and both signatures verify", async () => {
    const a = await golden();
    const b = await golden();
    for (const [p, data] of a.files)
      if (!SIGNATURES.has(p)) expect(b.files.get(p)!.equals(data), p).toBe(true);
    const r = verifyBundle(asBundle(a.files), { fingerprint: fingerprint(testSigner().publicKey) });
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    const env = JSON.parse(a.files.get(DSSE_FILE)!.toString());
    expect(env.payloadType).toBe("application/vnd.in-toto+json");
    expect(env.signatures).toHaveLength(1);
    const st = JSON.parse(Buffer.from(env.payload, "base64").toString());
    expect(Object.keys(st).sort()).toEqual(["_type", "predicate", "predicateType", "subject"]);
    expect(st._type).toBe("https://in-toto.io/Statement/v1");
    expect(st.subject.map((s: { name: string }) => s.name)).toEqual([MANIFEST, TAG_MANIFEST]);
  });

  it("re-exports (report) the same HTML and OSCAL as written in the bundle", async () => {
    const { files } = await golden();
    const b = asBundle(files, "itgc-aws-111122223333-20261120T090000Z-00000000");
    expect(renderHtml(readModel(b, "html"))).toBe(files.get("data/report.html")!.toString());
    expect(renderOscal(readModel(b, "oscal"))).toBe(
      files.get("data/oscal/assessment-results.json")!.toString(),
    );
  });

  it("OSCAL has the required 1.1.3 fields and hashes of the evidence files", async () => {
    const { files } = await golden();
    const ar = JSON.parse(files.get("data/oscal/assessment-results.json")!.toString())["assessment-results"];
    expect(ar.metadata).toMatchObject({ "oscal-version": "1.1.3" });
    for (const k of ["title", "last-modified", "version"]) expect(ar.metadata[k]).toBeTruthy();
    const res = ar.results[0];
    for (const k of ["uuid", "title", "description", "start", "reviewed-controls"])
      expect(res[k]).toBeTruthy();
    expect(res.observations[0]).toMatchObject({ methods: ["TEST"], collected: "2026-11-20T09:00:00.000Z" });
    expect(res.findings[0].target).toMatchObject({
      type: "objective-id",
      "target-id": "access.aws-iam-console-mfa",
      status: { state: "not-satisfied" },
    });
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(ar.uuid).toMatch(uuid);
    const rl = ar["back-matter"].resources.flatMap((r: { rlinks?: unknown[] }) => r.rlinks ?? []);
    const runJson = rl.find((l: { href: string }) => l.href === "../run.json");
    expect(runJson.hashes[0].algorithm).toBe("SHA-256");
    expect(runJson.hashes[0].value).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("writing a bundle", () => {
  it("renames a finished bundle into place and leaves nothing partial", async () => {
    const out = tempDir();
    const w = await writeBundle(goldenOutcome(), {
      outDir: out,
      signer: testSigner(),
      clock: FIXED_CLOCK,
      toolCommit: null,
    });
    expect(readdirSync(out)).toEqual([w.name]);
    expect(readFileSync(join(w.path, "bagit.txt"), "utf8")).toBe(
      "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
    );
  });

  it("fails closed: a signer that fails or returns a bad signature leaves no bundle", async () => {
    const good = testSigner();
    const other = testSigner(OTHER_KEY);
    const cases: Signer[] = [
      { ...good, signRaw: async () => Promise.reject(new Error("KMS unavailable")) },
      { ...good, signRaw: other.signRaw }, // signs with a different key than the one it claims
      { ...good, signRaw: async (d) => (await good.signRaw(d)).subarray(0, 20) },
    ];
    for (const signer of cases) {
      const out = tempDir();
      await expect(writeBundle(goldenOutcome(), { outDir: out, signer })).rejects.toBeInstanceOf(
        SigningError,
      );
      expect(readdirSync(out)).toEqual([]);
    }
  });

  it("the README / VERIFY.md commands pass with openssl and sha256sum alone", async () => {
    const out = tempDir();
    const { path } = await writeBundle(goldenOutcome(), {
      outDir: out,
      signer: testSigner(),
      toolCommit: null,
    });
    const verifyOut = sh(
      "openssl",
      ["dgst", "-sha256", "-verify", PUBLIC_KEY_FILE, "-signature", SIGNATURE_FILE, TAG_MANIFEST],
      path,
    );
    expect(verifyOut).toEqual({ code: 0, out: "Verified OK\n" });
    for (const m of [TAG_MANIFEST, MANIFEST]) {
      const r = sh("sha256sum", ["-c", m], path);
      expect(r.code, r.out).toBe(0);
      expect(r.out).not.toMatch(/FAILED/);
    }
    const fp = spawnSync(
      "sh",
      ["-c", `openssl pkey -pubin -in ${PUBLIC_KEY_FILE} -outform DER | openssl dgst -sha256`],
      {
        cwd: path,
        encoding: "utf8",
      },
    );
    expect(fp.stdout.trim().split("= ")[1]).toBe(fingerprint(testSigner().publicKey));
    const verifyMd = readFileSync(join(path, "VERIFY.md"), "utf8");
    expect(verifyMd).toContain(
      "openssl dgst -sha256 -verify attestation/signer.pub.pem -signature attestation/tagmanifest-sha256.txt.sig tagmanifest-sha256.txt",
    );
    expect(verifyMd).toContain(fingerprint(testSigner().publicKey));
    // openssl rejects a tampered manifest
    writeFileSync(join(path, TAG_MANIFEST), `${readFileSync(join(path, TAG_MANIFEST), "utf8")} `);
    expect(
      sh(
        "openssl",
        ["dgst", "-sha256", "-verify", PUBLIC_KEY_FILE, "-signature", SIGNATURE_FILE, TAG_MANIFEST],
        path,
      ).code,
    ).toBe(1);
  });

  it("--archive writes one .tar.gz that system tar extracts to the same bytes and verify accepts", async () => {
    const out = tempDir();
    const w = await writeBundle(goldenOutcome(), {
      outDir: out,
      signer: testSigner(),
      archive: true,
      clock: FIXED_CLOCK,
      toolCommit: null,
    });
    expect(readdirSync(out)).toEqual([`${w.name}.tar.gz`]);
    const x = tempDir();
    const r = spawnSync("tar", ["-xzf", w.path, "-C", x], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const fromArchive = readBundle(w.path);
    expect([...fromArchive.files.keys()].sort()).toEqual([...w.digests.keys()].sort());
    for (const [p, data] of fromArchive.files)
      expect(readFileSync(join(x, w.name, p)).equals(data), p).toBe(true);
    expect(fromArchive.name).toBe(w.name);
    expect(verifyBundle(fromArchive).ok).toBe(true);
    // and our reader reads what system tar writes in ustar format
    const again = join(tempDir(), "again.tar.gz");
    expect(spawnSync("tar", ["--format=ustar", "-czf", again, "-C", x, w.name]).status).toBe(0);
    expect(verifyBundle(readBundle(again)).ok).toBe(true);
    expect(readTarGz(readFileSync(again)).filter((e) => e.type === "file")).toHaveLength(w.digests.size);
  });

  it("an unsigned bundle (--no-sign) says so in every report and verify fails on it", async () => {
    const { files } = await buildBundle(goldenOutcome(), {
      signer: null,
      clock: FIXED_CLOCK,
      toolCommit: null,
    });
    expect([...files.keys()].some((p) => p.startsWith("attestation/"))).toBe(false);
    expect(files.get("data/report.html")!.toString()).toContain("UNSIGNED evidence bundle");
    expect(files.get("VERIFY.md")!.toString()).toContain("THIS BUNDLE IS UNSIGNED");
    expect(JSON.parse(files.get("data/run.json")!.toString()).evidence.signing.signed).toBe(false);
    expect(files.get("bag-info.txt")!.toString()).toContain("Signature: none");
    const r = verifyBundle(asBundle(files));
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.message).join("\n")).toMatch(/UNSIGNED/);
  });
});

describe("verify detects tampering and names the file", () => {
  it("flipping one byte in every file, in turn", async () => {
    const { files } = await golden();
    expect(verifyBundle(asBundle(files)).ok).toBe(true);
    for (const [path, data] of files) {
      for (const at of [0, Math.floor(data.length / 2), data.length - 1]) {
        const copy = new Map(files);
        const bad = Buffer.from(data);
        bad[at] = bad[at]! ^ 0x01;
        copy.set(path, bad);
        const r = verifyBundle(asBundle(copy));
        expect(r.ok, `${path}@${at}`).toBe(false);
        expect(
          r.problems.map((p) => p.file),
          `${path}@${at}: ${JSON.stringify(r.problems)}`,
        ).toContain(path);
      }
    }
  });

  it("removing any file, in turn", async () => {
    const { files } = await golden();
    for (const path of files.keys()) {
      const copy = new Map(files);
      copy.delete(path);
      const r = verifyBundle(asBundle(copy));
      expect(r.ok, path).toBe(false);
      expect(
        r.problems.map((p) => p.file),
        path,
      ).toContain(path);
    }
  });

  it("adding a payload file, a tag file, or an attestation file", async () => {
    const { files } = await golden();
    for (const extra of ["data/raw/extra.json", "data/notes.txt", "README.txt", "attestation/extra.sig"]) {
      const copy = new Map(files);
      copy.set(extra, Buffer.from("{}\n"));
      const r = verifyBundle(asBundle(copy));
      expect(r.ok, extra).toBe(false);
      expect(r.problems.map((p) => p.file)).toContain(extra);
    }
  });

  it("swapping the public key (alone, or with the whole bundle re-signed by someone else)", async () => {
    const { files } = await golden();
    const other = testSigner(OTHER_KEY);
    const swapped = new Map(files);
    swapped.set(
      PUBLIC_KEY_FILE,
      Buffer.from(other.publicKey.export({ format: "pem", type: "spki" }).toString()),
    );
    const r = verifyBundle(asBundle(swapped));
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.file)).toContain(PUBLIC_KEY_FILE);

    // A forger rebuilds and re-signs everything with their key: internally consistent, so only the
    // external fingerprint check catches it.
    const forged = await buildBundle(goldenOutcome(), {
      signer: other,
      clock: FIXED_CLOCK,
      toolCommit: null,
    });
    expect(verifyBundle(asBundle(forged.files)).ok).toBe(true);
    expect(verifyBundle(asBundle(forged.files)).keyCheck).toBe("embedded-only");
    const checked = verifyBundle(asBundle(forged.files), {
      fingerprint: fingerprint(testSigner().publicKey),
    });
    expect(checked.ok).toBe(false);
    expect(checked.problems[0]!.file).toBe(PUBLIC_KEY_FILE);
    const withKey = verifyBundle(asBundle(forged.files), { key: testSigner().publicKey });
    expect(withKey.problems.map((p) => p.file)).toEqual(
      expect.arrayContaining([PUBLIC_KEY_FILE, SIGNATURE_FILE, DSSE_FILE]),
    );
  });

  it("an edited payload file with a re-hashed manifest still fails the signature", async () => {
    const { files } = await golden();
    const copy = new Map(files);
    const path = "data/results/exceptions.csv";
    copy.set(path, Buffer.from("control_id\n"));
    const { formatManifest } = await import("../../src/evidence/bagit.js");
    copy.set(
      MANIFEST,
      Buffer.from(
        formatManifest(
          [...copy].filter(([p]) => p.startsWith("data/")).map(([p, data]) => ({ path: p, data })),
        ),
      ),
    );
    const r = verifyBundle(asBundle(copy));
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.file)).toEqual(expect.arrayContaining([MANIFEST, "bag-info.txt"]));
    expect(existsSync(GOLDEN_DIR)).toBe(true);
  });
});
