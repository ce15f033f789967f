/**
 * `itgc-validate sql`: the starter queries answer on the demo bundle; the lock-down refuses reading outside the
 * bundle, writing, attaching, loading extensions and changing settings; a tampered bundle is refused; and the
 * bundle's own data/sql/schema.sql, run by a stand-alone DuckDB over the extracted bag, answers the starter
 * queries exactly as `itgc-validate sql` does.
 */
import {
  appendFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_RECORDING, GCP_DEMO_RECORDING, GITHUB_DEMO_RECORDING } from "../../src/cli/commands/demo.js";
import { SAVED_QUERIES_DIR, savedQueries } from "../../src/cli/commands/sql.js";
import { gcpRuntimeFrom } from "../../src/cli/options/gcp.js";
import { githubRuntimeFrom } from "../../src/cli/options/github.js";
import { executeRun } from "../../src/engine/execute-run.js";
import { readTarGz } from "../../src/evidence/tar.js";
import { writeBundle } from "../../src/evidence/write-bundle.js";
import { toObjects } from "../../src/workbench/sql/format.js";
import { openSqlSession, type SqlResult } from "../../src/workbench/sql/run-sql.js";
import { testSigner } from "../evidence/support.js";
import { cli } from "../support/cli.js";

let dir: string;
let bundle: string;
let archive: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "itgc-sql-test-"));
  const outcome = await executeRun({
    filter: {},
    replayDir: [DEMO_RECORDING, GCP_DEMO_RECORDING, GITHUB_DEMO_RECORDING],
    runtimeFactories: { gcp: gcpRuntimeFrom({}, {}), github: githubRuntimeFrom({}, {}) },
  });
  bundle = (await writeBundle(outcome, { outDir: join(dir, "dir"), signer: testSigner(), toolCommit: null }))
    .path;
  archive = (
    await writeBundle(outcome, {
      outDir: join(dir, "tgz"),
      signer: testSigner(),
      toolCommit: null,
      archive: true,
    })
  ).path;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const saved = (name: string) => readFileSync(join(SAVED_QUERIES_DIR, `${name}.sql`), "utf8");

describe("sql over a verified bundle", () => {
  it("answers the starter queries on the demo bundle", async () => {
    const s = await openSqlSession([bundle]);
    try {
      const one = async (name: string) => toObjects((await s.query(saved(name)))[0]!);
      const priv = await one("privileged-by-account");
      expect(priv.find((r) => r.control_id === "access.aws-iam-admin-access-review")).toMatchObject({
        account_id: "111122223333",
        principals: 8,
      });
      const sod = await one("sod-conflicts");
      expect(sod).toContainEqual(
        expect.objectContaining({ source: "gcp-iam-binding", principal: "user:gina.sec@example.com" }),
      );
      const leavers = await one("leavers-with-access");
      expect(leavers.map((r) => r.principal).sort()).toEqual([
        "arn:aws:iam::111122223333:user/heidi.finance",
        "user:dave.ops@example.com",
      ]);
      const byControl = await one("exceptions-by-control");
      expect(byControl.find((r) => r.control_id === "access.aws-iam-console-mfa")).toMatchObject({
        exceptions: 2,
      });
      // Columns of the event view exist even when the bundle recorded no LookupEvents page.
      const changes = (await s.query(saved("changes-by-actor")))[0]!;
      expect(changes.columns).toEqual([
        "bundle_id",
        "account_id",
        "actor",
        "actor_type",
        "event_source",
        "events",
        "first_event",
        "last_event",
        "failed",
      ]);
      // Every view is defined and readable; the raw view holds one row per recorded file.
      const raw = toObjects((await s.query("SELECT count(*) AS n FROM raw_call"))[0]!)[0]!;
      const files = readFileSync(join(bundle, "manifest-sha256.txt"), "utf8")
        .split("\n")
        .filter((l) => l.includes("  data/raw/"));
      expect(raw.n).toBe(files.length);
      const cr = toObjects(
        (
          await s.query(`SELECT "user", mfa_active FROM aws_iam_credential_report WHERE "user" = 'bob.dev'`)
        )[0]!,
      );
      expect(cr).toEqual([{ user: "bob.dev", mfa_active: "false" }]);
    } finally {
      s.close();
    }
    expect(savedQueries().map((q) => q.name)).toEqual([
      "changes-by-actor",
      "exceptions-by-control",
      "leavers-with-access",
      "privileged-by-account",
      "sod-conflicts",
      "status-across-runs",
    ]);
  });

  it("refuses reads outside the bundle, writes, attachments, extensions and settings", async () => {
    const s = await openSqlSession([bundle]);
    try {
      const refused = [
        ["SELECT * FROM read_text('/etc/passwd')", /Permission Error|disabled by configuration/],
        [
          `SELECT * FROM read_text('${bundle}/../../../etc/hostname')`,
          /Permission Error|disabled by configuration/,
        ],
        [`COPY (SELECT 1) TO '${bundle}/data/x.csv'`, /statement 1 is COPY/],
        [`ATTACH '${bundle}/x.db'`, /statement 1 is ATTACH/],
        ["INSTALL httpfs", /statement 1 is (EXTENSION|LOAD)/],
        ["LOAD httpfs", /statement 1 is LOAD/],
        ["SET enable_external_access = true", /statement 1 is (SET|VARIABLE_SET)/],
        ["CREATE TABLE t AS SELECT 1", /statement 1 is CREATE/],
        // Refused while being prepared (the target is outside the bundle) or by its type: never executed.
        ["SELECT 1; COPY (SELECT 1) TO '/tmp/x.csv'", /statement 2( is COPY|: Permission Error)/],
      ] as const;
      for (const [sql, msg] of refused) await expect(s.query(sql), sql).rejects.toThrow(msg);
      expect(readdirSync(join(bundle, "data")).sort()).not.toContain("x.csv");
    } finally {
      s.close();
    }
  });

  it("a .tar.gz bundle is read from its verified bytes, and the temporary copy is removed", async () => {
    const before = readdirSync(tmpdir()).filter(
      (f) => f.startsWith("itgc-sql-") && !f.startsWith("itgc-sql-test-"),
    );
    const s = await openSqlSession([archive, bundle].slice(0, 1));
    const n = toObjects((await s.query("SELECT count(*) AS n FROM control"))[0]!)[0]!.n;
    s.close();
    expect(n).toBeGreaterThan(50);
    const after = readdirSync(tmpdir()).filter(
      (f) => f.startsWith("itgc-sql-") && !f.startsWith("itgc-sql-test-"),
    );
    expect(after.sort()).toEqual(before.sort());
  });

  it("the bundle's own schema.sql, in a stand-alone DuckDB over the extracted bag, gives the same answers", async () => {
    const bag = join(dir, "extracted");
    for (const e of readTarGz(readFileSync(archive))) {
      if (e.type !== "file") continue;
      const abs = join(bag, e.path);
      mkdirSync(dirname(abs), { recursive: true });
      writeFileSync(abs, e.data!);
    }
    const root = join(bag, readdirSync(bag)[0]!);
    const db = await DuckDBInstance.create(":memory:");
    const c = await db.connect();
    await c.run(`SET file_search_path = '${root}'`);
    await c.run(readFileSync(join(root, "data/sql/schema.sql"), "utf8"));
    const s = await openSqlSession([archive]);
    try {
      for (const q of savedQueries()) {
        const alone = await c.runAndReadAll(saved(q.name));
        const ours: SqlResult = (await s.query(saved(q.name)))[0]!;
        expect(alone.columnNames(), q.name).toEqual(ours.columns);
        expect(alone.getRowsJson(), q.name).toEqual(ours.rows);
      }
    } finally {
      s.close();
      c.closeSync();
      db.closeSync();
    }
  });

  it("through the real CLI: a saved query as a table; a tampered bundle is refused (exit 2)", () => {
    const ok = cli(["sql", bundle, "--saved", "leavers-with-access", "--format", "csv"]);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(ok.stdout.split("\n")[0]).toBe("bundle_id,source,account_id,principal,access");
    expect(ok.stdout).toContain("arn:aws:iam::111122223333:user/heidi.finance,console password");
    const tampered = join(dir, "tampered");
    cpSync(bundle, tampered, { recursive: true });
    appendFileSync(join(tampered, "data/results/access.aws-iam-console-mfa.json"), "\n");
    const bad = cli(["sql", tampered, "-e", "SELECT 1"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/does not verify/);
    expect(bad.stdout).toBe("");
  });
});
