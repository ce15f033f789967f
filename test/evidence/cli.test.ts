/**
 * The evidence commands through the real built CLI: run writes a signed bundle that openssl and sha256sum
 * accept, verify / reperform / report work on it (directory and .tar.gz), tampering is detected, and the
 * HTML report renders in headless Chromium.
 *
 * Each command's process side (exit status, stdout, stderr) is checked once through a real spawn (`cli`);
 * the further cases of the same command (tampered copies, other flags, other inputs) run the same entry point
 * in process (`cliInProcess`), which skips a Node start and module load per case.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { formatManifest } from "../../src/evidence/bagit.js";
import { readTarGz, writeTarGz } from "../../src/evidence/tar.js";
import { cli, cliInProcess } from "../support/cli.js";
import { decodePng, inkStats } from "./png.js";
import { DEMO_RECORDING, OTHER_KEY, onlyEntry, TEST_KEY, tempDir } from "./support.js";

const env = () => ({ XDG_CONFIG_HOME: tempDir("itgc-config-") });
let bundle: string;
let fp: string;

function rehashPayload(dir: string): void {
  const files: { path: string; data: Buffer }[] = [];
  const walk = (d: string, rel: string) => {
    for (const n of readdirSync(d)) {
      const abs = join(d, n);
      if (statSync(abs).isDirectory()) walk(abs, `${rel}${n}/`);
      else files.push({ path: `${rel}${n}`, data: readFileSync(abs) });
    }
  };
  walk(join(dir, "data"), "data/");
  writeFileSync(join(dir, "manifest-sha256.txt"), formatManifest(files));
}

function copyOf(src: string): string {
  const dst = join(tempDir(), "bundle");
  cpSync(src, dst, { recursive: true });
  return dst;
}

beforeAll(() => {
  const out = tempDir();
  const r = cli(
    ["run", "--replay", DEMO_RECORDING, "--provider", "aws", "--sign-key", TEST_KEY, "--out", out, "--json"],
    {
      env: env(),
    },
  );
  expect([0, 1, 3]).toContain(r.code);
  bundle = onlyEntry(out);
  const f = spawnSync(
    "sh",
    ["-c", `openssl pkey -in ${TEST_KEY} -pubout -outform DER | openssl dgst -sha256`],
    {
      encoding: "utf8",
    },
  );
  fp = f.stdout.trim().split("= ")[1]!;
});

describe("a bundle written by run, checked without our tool", () => {
  it("openssl verifies the signature; sha256sum -c accepts both manifests; the fingerprint matches", () => {
    const sh = (c: string) => spawnSync("sh", ["-c", c], { cwd: bundle, encoding: "utf8" });
    const v = sh(
      "openssl dgst -sha256 -verify attestation/signer.pub.pem -signature attestation/tagmanifest-sha256.txt.sig tagmanifest-sha256.txt",
    );
    expect(v.stdout).toBe("Verified OK\n");
    expect(v.status).toBe(0);
    for (const m of ["tagmanifest-sha256.txt", "manifest-sha256.txt"]) {
      const r = sh(`sha256sum -c ${m}`);
      expect(r.status, r.stdout + r.stderr).toBe(0);
    }
    expect(
      sh("openssl pkey -pubin -in attestation/signer.pub.pem -outform DER | openssl dgst -sha256").stdout,
    ).toContain(fp);
    // every payload file is in the manifest
    const listed = readFileSync(join(bundle, "manifest-sha256.txt"), "utf8")
      .trim()
      .split("\n")
      .map((l) => l.slice(66));
    const found = sh("find data -type f | sort").stdout.trim().split("\n");
    expect(listed.sort()).toEqual(found.sort());
    expect(found.filter((p) => p.startsWith("data/raw/")).length).toBeGreaterThan(10);
  });

  it("stays a replay source: a run replaying the bundle gives the same verdicts", async () => {
    // In-process: replaying a bundle is the engine's behaviour (the CLI's --replay of a .tar.gz is tested
    // in test/e2e/cli-conventions.test.ts).
    const { executeRun } = await import("../../src/engine/execute-run.js");
    const original = JSON.parse(readFileSync(join(bundle, "data/results.json"), "utf8"));
    const again = (await executeRun({ replayDir: bundle, filter: { provider: ["aws"] } })).document;
    const v = (d: { controls: { id: string; status: string; exceptions: number }[] }) =>
      d.controls.map((c) => `${c.id}:${c.status}:${c.exceptions}`);
    expect(v(again)).toEqual(v(original));
  });
});

describe("itgc-validate verify", () => {
  it("exit 0 on the bundle; with --fingerprint it says the key was checked, without it says it was not", async () => {
    const plain = cli(["verify", bundle]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^OK /);
    expect(plain.stdout).toMatch(/NOT checked against an external record/);
    const checked = await cliInProcess(["verify", bundle, "--fingerprint", `SHA256:${fp}`]);
    expect(checked.code).toBe(0);
    expect(checked.stdout).toMatch(/checked against --fingerprint/);
    const wrong = await cliInProcess(["verify", bundle, "--fingerprint", "ab".repeat(32)]);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain("attestation/signer.pub.pem: is not the expected key");
    const otherPub = join(tempDir(), "other.pub.pem");
    spawnSync("openssl", ["pkey", "-in", OTHER_KEY, "-pubout", "-out", otherPub]);
    expect((await cliInProcess(["verify", bundle, "--key", otherPub])).code).toBe(1);
  });

  it("exit 2 for unusable input", async () => {
    expect(cli(["verify", join(tempDir(), "nope")]).code).toBe(2);
    expect((await cliInProcess(["verify", tempDir()])).code).toBe(2);
    const notGz = join(tempDir(), "x.tar.gz");
    writeFileSync(notGz, "not gzip");
    expect((await cliInProcess(["verify", notGz])).code).toBe(2);
    expect((await cliInProcess(["verify", bundle, "--fingerprint", "xyz"])).code).toBe(2);
  });

  it("names the file for a flipped byte, an added file, a removed file and a swapped public key", async () => {
    const raw = readFileSync(join(bundle, "manifest-sha256.txt"), "utf8").match(/ {2}(data\/raw\/\S+)/)![1]!;
    const cases: [string, (dir: string) => void, string][] = [
      [
        "flip",
        (d) => {
          const b = readFileSync(join(d, raw));
          b[10] = b[10]! ^ 1;
          writeFileSync(join(d, raw), b);
        },
        raw,
      ],
      ["add", (d) => writeFileSync(join(d, "data/results/extra.csv"), "a,b\n"), "data/results/extra.csv"],
      ["remove", (d) => rmSync(join(d, "data/report.html")), "data/report.html"],
      [
        "swap key",
        (d) => {
          spawnSync("openssl", [
            "pkey",
            "-in",
            OTHER_KEY,
            "-pubout",
            "-out",
            join(d, "attestation/signer.pub.pem"),
          ]);
        },
        "attestation/signer.pub.pem",
      ],
    ];
    for (const [what, tamper, file] of cases) {
      const d = copyOf(bundle);
      tamper(d);
      const r = await cliInProcess(["verify", d]);
      expect(r.code, what).toBe(1);
      expect(r.stdout, what).toMatch(/^FAILED/);
      expect(r.stdout, what).toContain(`  ${file}: `);
    }
  });
});

describe("--archive, and the commands on a .tar.gz", () => {
  it("writes one .tar.gz that verify, reperform and report accept", async () => {
    const out = tempDir();
    const r = await cliInProcess(
      [
        "run",
        "--replay",
        DEMO_RECORDING,
        "--provider",
        "aws",
        "--control",
        "access.*",
        "--sign-key",
        TEST_KEY,
        "--out",
        out,
        "--archive",
      ],
      { env: env() },
    );
    expect([0, 1, 3]).toContain(r.code);
    const [file] = readdirSync(out);
    expect(file).toMatch(/^itgc-aws-111122223333-\d{8}T\d{6}Z-[0-9a-f]{8}\.tar\.gz$/);
    const archive = join(out, file!);
    expect((await cliInProcess(["verify", archive, "--fingerprint", fp])).code).toBe(0);
    const rp = await cliInProcess(["reperform", archive]);
    expect(rp.stdout).toMatch(/^REPRODUCED/);
    expect(rp.code).toBe(0);
    const junit = await cliInProcess(["report", archive, "--format", "junit"]);
    expect(junit.code).toBe(0);
    expect(junit.stdout).toMatch(/<testsuites /);
    // The same archive with one raw response garbled: --replay stops (exit 2) and names the file inside the
    // archive, not the scratch copy it was read from (gone by the time anyone reads the message).
    const entries = readTarGz(readFileSync(archive));
    const raw = entries.find((e) => e.type === "file" && /\/data\/raw\/.+\.json$/.test(e.path));
    expect(raw).toBeDefined();
    raw!.data = Buffer.from("{not json");
    const garbled = join(tempDir(), "garbled.tar.gz");
    writeFileSync(garbled, writeTarGz(entries, new Date(0)));
    const replayed = await cliInProcess(["run", "--replay", garbled, "--out", tempDir()], { env: env() });
    expect(replayed.code).toBe(2);
    const inArchive = raw!.path.slice(raw!.path.indexOf("/data/raw/"));
    expect(replayed.stderr).toContain(`${garbled}${inArchive}: not valid JSON`);
    expect(replayed.stderr).not.toContain("itgc-replay-");
  });
});

describe("itgc-validate reperform", () => {
  it("reproduces every verdict of the demo recording's bundle", async () => {
    // In process: reperform's process side (exit status and stdout through a real spawn) is tested in
    // test/github/cli.test.ts; this is about the verdicts it re-performs.
    const r = await cliInProcess(["reperform", bundle, "--json"]);
    const report = JSON.parse(r.stdout);
    expect(report.differences).toEqual([]);
    expect(report.reproduced).toBe(true);
    expect(report.controls).toBeGreaterThan(5);
    expect(r.code).toBe(0);
  });

  it("on an edited (and re-hashed) raw response, lists the verdicts that changed and exits 1", async () => {
    const d = copyOf(bundle);
    const results = JSON.parse(readFileSync(join(d, "data/results.json"), "utf8"));
    const before = results.controls.find(
      (c: { id: string }) => c.id === "logging.aws-cloudtrail-log-file-validation",
    );
    expect(before.status).toBe("fail");
    let edited = 0;
    const walk = (dir: string) => {
      for (const n of readdirSync(dir)) {
        const abs = join(dir, n);
        if (statSync(abs).isDirectory()) walk(abs);
        else if (n.endsWith("CloudTrail.DescribeTrails.json")) {
          const text = readFileSync(abs, "utf8");
          if (text.includes('"LogFileValidationEnabled": false')) {
            writeFileSync(
              abs,
              text.replaceAll('"LogFileValidationEnabled": false', '"LogFileValidationEnabled": true'),
            );
            edited++;
          }
        }
      }
    };
    walk(join(d, "data/raw"));
    expect(edited).toBeGreaterThan(0);
    rehashPayload(d);
    const r = await cliInProcess(["reperform", d]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^WARNING: the bundle does not verify/);
    expect(r.stdout).toContain(
      "logging.aws-cloudtrail-log-file-validation: status: recorded fail, re-performed pass",
    );
    expect(r.stdout).toMatch(
      /logging\.aws-cloudtrail-log-file-validation: finding .*: recorded fail, re-performed pass/,
    );
  });

  it("exit 2 for unusable input", async () => {
    expect((await cliInProcess(["reperform", join(tempDir(), "nope")])).code).toBe(2);
  });
});

describe("itgc-validate report", () => {
  it("re-exports html and oscal byte-identical to the bundle's, and csv, junit, json", async () => {
    for (const [format, file] of [
      ["html", "data/report.html"],
      ["oscal", "data/oscal/assessment-results.json"],
      ["json", "data/results.json"],
    ] as const) {
      // The bytes that reach a real stdout, once; the other formats' renderings in process.
      const r =
        format === "html"
          ? cli(["report", bundle, "--format", format])
          : await cliInProcess(["report", bundle, "--format", format]);
      expect(r.code, format).toBe(0);
      expect(r.stdout, format).toBe(readFileSync(join(bundle, file), "utf8"));
    }
    const out = join(tempDir(), "summary.csv");
    expect((await cliInProcess(["report", bundle, "--format", "csv", "--output", out])).code).toBe(0);
    expect(readFileSync(out, "utf8")).toMatch(
      /^run_id,evaluated_at,control_id,title,domain,severity,status,population,exceptions,waived/,
    );
    expect((await cliInProcess(["report", bundle, "--format", "pdf"])).code).toBe(2);
  });
});

describe("keys", () => {
  it("keygen writes a PKCS#8 PEM with mode 0600 and prints its fingerprint; refuses to overwrite", async () => {
    const file = join(tempDir(), "k.pem");
    const r = cli(["keygen", "--out", file]);
    expect(r.code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const printed = r.stdout.match(/SHA256:([0-9a-f]{64})/)![1];
    const f = spawnSync(
      "sh",
      ["-c", `openssl pkey -in ${file} -pubout -outform DER | openssl dgst -sha256`],
      {
        encoding: "utf8",
      },
    );
    expect(f.stdout).toContain(printed);
    expect((await cliInProcess(["keygen", "--out", file])).code).toBe(2);
  });

  it("without --sign-key, run creates the user's key once, prints its fingerprint, and reuses it", async () => {
    const e = env();
    const out = tempDir();
    const args = [
      "run",
      "--replay",
      DEMO_RECORDING,
      "--provider",
      "aws",
      "--control",
      "access.aws-root-mfa",
      "--out",
      out,
    ];
    const first = cli(args, { env: e });
    const keyFile = join(e.XDG_CONFIG_HOME, "itgc-validate", "signing-key.pem");
    expect(existsSync(keyFile)).toBe(true);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const printed = first.stderr.match(/fingerprint is SHA256:([0-9a-f]{64})/)![1]!;
    const second = await cliInProcess(args, { env: e });
    expect(second.stderr).not.toMatch(/created a signing key/);
    for (const b of readdirSync(out))
      expect((await cliInProcess(["verify", join(out, b), "--fingerprint", printed])).code).toBe(0);
  });

  it("a missing key file is bad input (exit 2) and writes no bundle; --no-sign writes an unsigned one", async () => {
    const out = tempDir();
    const bad = await cliInProcess(
      [
        "run",
        "--replay",
        DEMO_RECORDING,
        "--provider",
        "aws",
        "--sign-key",
        join(out, "nope.pem"),
        "--out",
        out,
      ],
      {
        env: env(),
      },
    );
    expect(bad.code).toBe(2);
    expect(readdirSync(out)).toEqual([]);
    const un = await cliInProcess(
      [
        "run",
        "--replay",
        DEMO_RECORDING,
        "--provider",
        "aws",
        "--control",
        "access.aws-root-mfa",
        "--no-sign",
        "--out",
        out,
      ],
      {
        env: env(),
      },
    );
    expect(un.stderr).toMatch(/NOT be signed/);
    const b = onlyEntry(out);
    expect(readFileSync(join(b, "data/report.html"), "utf8")).toContain("UNSIGNED evidence bundle");
    const v = await cliInProcess(["verify", b]);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/UNSIGNED/);
  });
});

describe("the HTML report in headless Chromium", () => {
  const chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
  if (!chromium && process.env.CI !== "true") {
    it.skip("SKIPPED: chromium is not installed (apt-get install chromium); CI=true makes this a failure", () => {});
    return;
  }
  const run = (args: string[]) =>
    spawnSync(
      chromium ?? "chromium",
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        `--user-data-dir=${tempDir("itgc-chromium-")}`,
        ...args,
      ],
      { encoding: "buffer", timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
    );

  it("renders (a screenshot with real content) and its text is there", () => {
    expect(chromium, "chromium must be installed in CI").toBeTruthy();
    const url = `file://${join(bundle, "data/report.html")}`;
    const png = join(tempDir(), "report.png");
    const shot = run([`--screenshot=${png}`, "--window-size=1280,2000", url]);
    expect(existsSync(png), shot.stderr.toString()).toBe(true);
    const stats = inkStats(decodePng(readFileSync(png)));
    expect(stats.ink).toBeGreaterThan(0.03); // text, tables and badges, not a blank page
    expect(stats.levels).toBeGreaterThan(20); // status colours, not one flat colour

    const blank = join(tempDir(), "blank.html");
    writeFileSync(blank, "<!DOCTYPE html><html><body></body></html>");
    const blankPng = join(tempDir(), "blank.png");
    run([`--screenshot=${blankPng}`, "--window-size=1280,2000", `file://${blank}`]);
    expect(inkStats(decodePng(readFileSync(blankPng))).ink).toBeLessThan(0.001);

    const dom = run(["--dump-dom", url]).stdout.toString();
    expect(dom).toContain("IT General Controls — test results");
    expect(dom).toContain("Signed evidence bundle");
    expect(dom).toContain("Summary by domain and status");
    expect(dom).toContain("access.aws-iam-console-mfa");
    expect(dom).toContain("bob.dev can sign in to the console without MFA");
    // No external resource: no script, stylesheet link, @import or URL in an attribute (a finding's text may
    // quote a URL, e.g. an OIDC issuer, escaped as text).
    expect(dom).not.toMatch(/<script|<link |@import|(src|href)=["']?https?:\/\/(?!www\.w3\.org)/);
  });
});
