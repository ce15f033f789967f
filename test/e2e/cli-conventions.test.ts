/**
 * CLI conventions through the real built CLI: exit 2 for every usage error in every command, a closed pipe
 * ends quietly with exit 0, help fits the terminal, --quiet is quiet and --log-format json is only JSON, demo
 * refuses live-only flags, run --replay takes a .tar.gz, merge output renders with report, and a container's
 * key of record (ITGC_SIGN_KEY / ITGC_REQUIRE_SIGN_KEY). The live provider choice and --region are tested
 * against a local AWS endpoint in test/org/endpoint.test.ts.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { beforeAll, describe, expect, it } from "vitest";
import { TEST_KEY, tempDir } from "../evidence/support.js";
import { cli, cliInProcess, ROOT } from "../support/cli.js";

const BIN = join(ROOT, "bin/itgc-validate.js");
const AWS_DEMO = join(ROOT, "fixtures/aws/demo");

/** `CMD | head -2` in bash: the CLI's exit status and stderr, with the reader gone after two lines. */
function intoHead(args: string[]) {
  const quoted = args.map((a) => `'${a}'`).join(" ");
  const err = join(tempDir(), "stderr");
  const r = spawnSync(
    "bash",
    [
      "-c",
      `"${process.execPath}" "${BIN}" ${quoted} 2>"$ERR" | head -2 >/dev/null; echo "\${PIPESTATUS[0]}"`,
    ],
    { encoding: "utf8", env: { ...process.env, ERR: err } },
  );
  return { code: Number(r.stdout.trim()), stderr: readFileSync(err, "utf8") };
}

let jsonRun: ReturnType<typeof cli>;
let archive: string;
let resultsFile: string;

beforeAll(() => {
  const out = tempDir();
  jsonRun = cli([
    "demo",
    "--log-format",
    "json",
    "--json",
    "--control",
    "access.aws-root-*",
    "--archive",
    "--out",
    out,
  ]);
  archive = join(out, readdirSync(out)[0]!);
  resultsFile = join(tempDir(), "results.json");
  spawnSync("sh", ["-c", 'printf "%s" "$DOC" > "$FILE"'], {
    env: { DOC: jsonRun.stdout, FILE: resultsFile },
  });
});

describe("--version", () => {
  it("prints package.json's version, the same line with the fast path (--version, -V) as through the CLI", async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    for (const flag of ["--version", "-V"]) {
      const r = cli([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
      expect(r.stderr).toBe("");
    }
    // Through commander (what any other argument list reaches): the same text.
    const viaCommander = await cliInProcess(["--version"]);
    expect(viaCommander.stdout).toBe(`${version}\n`);
  });
});

describe("--help", () => {
  it("the fast path (--help, -h alone) prints the full program's help, and its records are current", async () => {
    const { buildProgram } = await import("../../src/cli/main.js");
    const { describeTopHelp } = await import("../../src/cli/top-help.js");
    const { TOP_HELP } = await import("../../src/cli/top-help.generated.js");
    // Stale when a command's description or arguments changed: run `npx tsx scripts/top-help.ts`.
    expect(TOP_HELP).toEqual(describeTopHelp(buildProgram()));
    // 80 is the default width (no terminal, no $COLUMNS: "" here), which bin/ answers from the build's record
    // (dist/bundle/top-help-80.txt); any other width through commander.
    for (const columns of [60, 80, 120]) {
      const program = buildProgram();
      let full = "";
      program.configureOutput({ writeOut: (s) => (full += s), getOutHelpWidth: () => columns });
      program.outputHelp();
      if (columns === 80) expect(readFileSync(join(ROOT, "dist/bundle/top-help-80.txt"), "utf8")).toBe(full);
      for (const flag of ["--help", "-h"]) {
        const r = cli([flag], { env: { COLUMNS: columns === 80 ? "" : String(columns) } });
        expect(r.code).toBe(0);
        expect(r.stderr).toBe("");
        expect(r.stdout).toBe(full);
      }
    }
  });
});

/**
 * Every command's usage errors. What is the process's — the exit status bin/ hands on, the message on the real
 * stderr, no stack trace — is spawned once for each kind of usage error (an option value we check, an unknown
 * option, a missing argument, an unknown command); the other commands' cases go through the same entry point
 * in process (`cliInProcess`: main's exit code and what it writes to stderr, test/README.md).
 */
describe("usage errors exit 2 in every command", () => {
  it.each([
    [true, ["controls", "list", "--domain", "acess"], /"acess" is not one of access/],
    [true, ["run", "--no-such-flag"], /unknown option/],
    [false, ["demo", "--severity", "urgent"], /"urgent" is not one of/],
    [false, ["lint", "--json"], /unknown option/],
    [false, ["queries", "--bogus"], /unknown option/],
    [true, ["verify"], /missing required argument/],
    [false, ["reperform"], /missing required argument/],
    [false, ["report", "x", "--format", "pdf"], /Allowed choices are/],
    [false, ["keygen", "--out"], /argument missing/],
    [false, ["permissions", "--provider", "azure"], /"azure" is not one of aws, gcp/],
    [false, ["merge"], /missing required argument/],
    [false, ["sample", "x", "--control", "c", "--seed", ""], /the seed is empty/],
    [false, ["sample", "x", "--control", "c", "--size", "1e3"], /"1e3" is not a positive whole number/],
    [false, ["controls", "nope"], /unknown command/],
    [true, ["nope"], /unknown command/],
  ])("spawned: %s, %j", async (spawned, args, message) => {
    const r = spawned ? cli(args) : await cliInProcess(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});

describe("a closed pipe (… | head -2) ends quietly with exit 0", () => {
  it.each([[["controls", "list"]], [["queries"]], [["permissions", "--provider", "aws"]]])("%j", (args) => {
    expect(intoHead(args)).toEqual({ code: 0, stderr: "" });
  });

  it("report and merge too (merge still exits with its verdict: 1, a control failed)", () => {
    expect(intoHead(["report", archive, "--format", "html"])).toEqual({ code: 0, stderr: "" });
    const merge = intoHead(["merge", resultsFile]);
    expect(merge.code).toBe(1);
    expect(merge.stderr).not.toMatch(/EPIPE|\n\s+at /);
  });
});

describe("help fits the terminal", () => {
  // `--help` alone is bin/'s fast path (spawned); a command's help is commander's, through main (in process,
  // with COLUMNS set for the call: stdout is no terminal in either case, so $COLUMNS is the width).
  it.each([[60], [80], [120]])("every command's help lines within COLUMNS=%i", async (columns) => {
    const env = { COLUMNS: String(columns) };
    const { buildProgram } = await import("../../src/cli/main.js");
    const commands: string[][] = [];
    const walk = (cmd: Command, path: string[]) => {
      for (const sub of cmd.commands) {
        commands.push([...path, sub.name()]);
        walk(sub, [...path, sub.name()]);
      }
    };
    walk(buildProgram(), []);
    expect(commands.length).toBeGreaterThan(14);
    for (const args of [["--help"], ...commands.map((c) => [...c, "--help"])]) {
      const r = args.length === 1 ? cli(args, { env }) : await cliInProcess(args, { env });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: itgc-validate /);
      const long = r.stdout.split("\n").filter((l) => l.length > columns);
      expect(long, args.join(" ")).toEqual([]);
      // A table keeps its rows: a description is re-flowed, which once ran sample's size table together.
      if (args[0] === "sample") {
        expect(r.stdout).toMatch(/^ {2}weekly {6}13–52 {13}5–15 {10}5$/m);
        expect(r.stdout).toMatch(/^ {2}recurring {3}> 365 {13}25–60 {9}25$/m);
      }
    }
  });
});

describe("log output", () => {
  it("--log-format json: stderr is only JSON lines (progress and notices), stdout only the document", () => {
    expect(jsonRun.code).toBe(1);
    const lines = jsonRun.stderr.trim().split("\n");
    expect(lines.length).toBeGreaterThan(3);
    const events = lines.map((l) => JSON.parse(l) as { event: string; message?: string });
    expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(["notice", "run_start", "run_end"]));
    expect(events.find((e) => e.message?.startsWith("output written to"))).toBeTruthy();
    expect(JSON.parse(jsonRun.stdout).summary.total).toBe(5); // the five access.aws-root-* controls
  });

  it("--quiet: errors still reach stderr (the quiet success is the key-of-record run below)", () => {
    const out = tempDir();
    const bad = cli(["demo", "--quiet", "--control", "no.such-control", "--out", out]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/no control matches/);
  });
});

describe("demo", () => {
  it("refuses live-only flags (--upload would have called S3) and names them", async () => {
    // A usage error (exit 2 on stderr, spawned above); this is demo's own check, in process.
    const r = await cliInProcess([
      "demo",
      "--upload",
      "s3://my-bucket/itgc",
      "--retain-days",
      "30",
      "--profile",
      "audit",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--profile, --upload, --retain-days are for `itgc-validate run`");
  });
});

describe("replay, merge and report", () => {
  it("run --replay takes a .tar.gz bundle, as verify does, and reproduces its verdicts", () => {
    const r = cli([
      "run",
      "--replay",
      archive,
      "--provider",
      "aws",
      "--control",
      "access.aws-root-*",
      "--json",
      "--no-sign",
      "--quiet",
      "--out",
      tempDir(),
    ]);
    expect(r.code).toBe(1);
    const v = (d: { controls: { id: string; status: string; exceptions: number }[] }) =>
      d.controls.map((c) => `${c.id}:${c.status}:${c.exceptions}`);
    const again = JSON.parse(r.stdout);
    expect(v(again)).toEqual(v(JSON.parse(jsonRun.stdout)));
    expect(again.run.replaySource).toBe(archive);
  });

  it("run --replay without --provider covers the providers the recording holds, and says which it skips", async () => {
    // fixtures/aws/demo recorded an AWS run: its GCP and GitHub controls have nothing to replay.
    const out = tempDir();
    const replay = ["run", "--replay", AWS_DEMO, "--no-sign", "--out", out];
    const three = [
      "access.aws-root-mfa",
      "access.gcp-no-public-iam-members",
      "access.github-org-2fa-required",
    ];
    const r = await cliInProcess([...replay, ...three.flatMap((id) => ["--control", id]), "--json"]);
    expect(r.stderr).toContain("skipping gcp: the recording holds none of its calls; use --provider gcp");
    expect(r.stderr).toContain("skipping github:");
    expect(r.stderr).not.toContain("skipping aws");
    const ids: string[] = JSON.parse(r.stdout).controls.map((c: { id: string }) => c.id);
    expect(ids).toEqual(["access.aws-root-mfa"]);
    expect(r.code).not.toBe(2);
    // A selection of only unrecorded providers is a usage error, not an empty pass.
    const none = await cliInProcess([...replay, "--control", "access.gcp-*"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("the recording holds no gcp calls");
    // Naming the provider still requires it: the GCP caller identity was never recorded.
    const named = await cliInProcess([...replay, "--control", "access.gcp-*", "--provider", "gcp"]);
    expect(named.code).toBe(2);
    expect(named.stderr).not.toContain("skipping");
  });

  it("merge output renders with report (html, csv, junit)", async () => {
    // merge spawned (its exit status is its verdict); report's process side is spawned in
    // test/evidence/cli.test.ts and by the closed pipe above, so its formats run in process here.
    const merged = join(tempDir(), "merged.json");
    expect(cli(["merge", resultsFile, "--out", merged]).code).toBe(1);
    const html = await cliInProcess(["report", merged, "--format", "html"]);
    expect(html.code).toBe(0);
    expect(html.stdout).toContain("access.aws-root-not-used");
    expect(html.stdout).toContain("not from a signed evidence bundle");
    const csv = await cliInProcess(["report", merged, "--format", "csv"]);
    expect(csv.code).toBe(0);
    expect(csv.stdout).toMatch(/^run_id,evaluated_at,control_id,/);
    expect(csv.stdout).toContain("access.aws-root-mfa");
    expect((await cliInProcess(["report", merged, "--format", "junit"])).stdout).toMatch(/<testsuites /);
  });
});

describe("a container's key of record", () => {
  const args = ["run", "--replay", AWS_DEMO, "--provider", "aws", "--control", "access.aws-root-mfa"];

  it("ITGC_REQUIRE_SIGN_KEY refuses to mint a key; ITGC_SIGN_KEY names the key of record", async () => {
    const config = tempDir();
    const out = tempDir();
    const refused = cli([...args, "--out", out], {
      env: { ITGC_REQUIRE_SIGN_KEY: "1", XDG_CONFIG_HOME: config },
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/no signing key of record/);
    expect(readdirSync(config)).toEqual([]);
    expect(readdirSync(out)).toEqual([]);

    const signed = cli([...args, "--out", out, "--quiet"], {
      env: { ITGC_REQUIRE_SIGN_KEY: "1", ITGC_SIGN_KEY: TEST_KEY, XDG_CONFIG_HOME: config },
    });
    expect(signed.code).toBe(0);
    // --quiet: nothing on stderr, not even the notices
    expect(signed.stderr).toBe("");
    expect(signed.stdout).toMatch(/PASS\s+access\.aws-root-mfa/);
    const [bundle] = readdirSync(out);
    const fp = spawnSync(
      "sh",
      ["-c", `openssl pkey -in ${TEST_KEY} -pubout -outform DER | openssl dgst -sha256`],
      {
        encoding: "utf8",
      },
    )
      .stdout.split("= ")[1]!
      .trim();
    // verify's process side is spawned in test/evidence/cli.test.ts.
    expect((await cliInProcess(["verify", join(out, bundle!), "--fingerprint", fp])).code).toBe(0);
    expect(readFileSync(join(out, bundle!, "attestation/signer.json"), "utf8")).toContain(fp);
  });
});
