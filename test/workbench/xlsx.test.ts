/**
 * The Excel workpaper, read back with exceljs: sheet names, the summary's scope / fingerprint / counts, one
 * sheet per control with its population, exceptions and sign-off cells, and no formula injection — resource
 * names that begin with =, +, -, @ are string cells, not formulas.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunOutcome } from "../../src/engine/execute-run.js";
import { readBundle } from "../../src/evidence/files.js";
import { readModel } from "../../src/evidence/read-model.js";
import { writeBundle } from "../../src/evidence/write-bundle.js";
import { renderXlsx, sheetNames } from "../../src/report/xlsx.js";
import { sampleFromBundle, TESTER_COLUMNS } from "../../src/sample/from-bundle.js";
import { goldenOutcome, testSigner } from "../evidence/support.js";
import { cli } from "../support/cli.js";

const HOSTILE = ['=HYPERLINK("http://evil.example/","click")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)"];

/** The golden outcome with extra failed findings whose resources are spreadsheet formulas. */
function hostileOutcome(): RunOutcome {
  const o = goldenOutcome();
  const r = o.results[0]!;
  for (const res of HOSTILE) {
    r.findings.push({
      resource: res,
      account: "111122223333",
      region: "us-east-1",
      status: "fail",
      message: `${res} is bad`,
    });
    r.items.push({ arn: res, user: res });
  }
  r.population += HOSTILE.length;
  r.exceptions += HOSTILE.length;
  return o;
}

let dir: string;
let bundle: string;
let wb: ExcelJS.Workbook;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "itgc-xlsx-"));
  bundle = (await writeBundle(hostileOutcome(), { outDir: dir, signer: testSigner(), toolCommit: null }))
    .path;
  const data = await renderXlsx(readModel(readBundle(bundle)));
  wb = new ExcelJS.Workbook();
  await wb.xlsx.load(data as unknown as ArrayBuffer);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const col = (ws: ExcelJS.Worksheet, c: number) => {
  const out: unknown[] = [];
  ws.eachRow((row) => out.push(row.getCell(c).value));
  return out;
};

describe("xlsx workpaper", () => {
  it("has a summary, a controls index and one sheet per control", () => {
    expect(wb.worksheets.map((w) => w.name)).toEqual(["Summary", "Controls", "acc.aws-iam-console-mfa"]);
    const s = wb.getWorksheet("Summary")!;
    const kv = new Map<string, unknown>();
    s.eachRow((row) => kv.set(String(row.getCell(1).value), row.getCell(2).value));
    const model = readModel(readBundle(bundle));
    expect(kv.get("Run id")).toBe(model.run.id);
    expect(kv.get("Evaluated at (UTC)")).toBe("2026-11-20T09:00:00.000Z");
    expect(kv.get("Key fingerprint (SHA-256)")).toBe(model.signing.fingerprint);
    expect(kv.get("Signed")).toBe("yes");
    expect(String(kv.get("Caller(s)"))).toContain("arn:aws:sts::111122223333:assumed-role/Audit/auditor");
    expect(kv.get("Prepared by")).toBe("");
    expect(kv.has("Reviewed by")).toBe(true);
    // Counts by domain and status: access row, fail = 1 control.
    let access: unknown[] = [];
    s.eachRow((row) => {
      if (row.getCell(1).value === "access") access = (row.values as unknown[]).slice(1);
    });
    expect(access).toEqual(["access", 0, 1, 0, 0, 1]);
  });

  it("a control sheet holds objective, procedure, the population with verdicts and the exceptions", () => {
    const ws = wb.getWorksheet("acc.aws-iam-console-mfa")!;
    const first = col(ws, 1).map(String);
    expect(first).toContain("Objective");
    expect(first).toContain("Test procedure");
    expect(first).toContain("Exceptions (5)");
    expect(first).toContain("Population tested (6)");
    expect(first).toContain("arn:aws:iam::111122223333:user/bob");
    expect(first).toContain("Reviewed by");
  });

  it("cells that begin with =, +, -, @ are text, never formulas", () => {
    const ws = wb.getWorksheet("acc.aws-iam-console-mfa")!;
    const found = new Set<string>();
    ws.eachRow((row) =>
      row.eachCell((cell) => {
        expect(cell.type).not.toBe(ExcelJS.ValueType.Formula);
        if (HOSTILE.includes(String(cell.value))) {
          expect(cell.type).toBe(ExcelJS.ValueType.String);
          found.add(String(cell.value));
        }
      }),
    );
    expect([...found].sort()).toEqual([...HOSTILE].sort());
  });

  it("a sample drawn from the bundle becomes a sample sheet with the method, seed and tester columns", async () => {
    const files = readBundle(bundle);
    const doc = sampleFromBundle(files, { control: "access.aws-iam-console-mfa", of: "population", size: 3 });
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await renderXlsx(readModel(files), { samples: [doc] })) as unknown as ArrayBuffer);
    const ws = book.worksheets.find((w) => w.name.startsWith("Sample "))!;
    expect(ws.name).toBe("Sample access.aws-iam-console-m"); // 31 characters, Excel's limit
    const rows: unknown[][] = [];
    ws.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
    expect(rows).toContainEqual(["Seed", `${doc.seed} (${doc.seedSource})`]);
    const header = rows.find((r) => r[0] === "#")!;
    expect(header.slice(-TESTER_COLUMNS.length)).toEqual([...TESTER_COLUMNS]);
    const sampled = rows
      .slice(rows.indexOf(header) + 1, rows.indexOf(header) + 1 + doc.size)
      .map((r) => r[2]);
    expect(sampled).toEqual(doc.items.map((i) => i.resource));
    await expect(
      renderXlsx(readModel(files), {
        samples: [{ ...doc, bundle: { ...doc.bundle, runId: "another-run" } }],
      }),
    ).rejects.toThrow(/not from this bundle/);
  });

  it("sheet names fit Excel's rules and stay unique", () => {
    const long = "access.aws-a-very-long-control-identifier-that-goes-on";
    const names = sheetNames([long, `${long}-2`, "logging.x[y]:z"]);
    for (const n of names.values()) {
      expect(n.length).toBeLessThanOrEqual(31);
      expect(n).not.toMatch(/[[\]:*?/\\]/);
    }
    expect(new Set([...names.values()].map((n) => n.toLowerCase())).size).toBe(3);
  });

  it("through the real CLI: report --format xlsx --output writes a workbook", () => {
    const out = join(dir, "w.xlsx");
    const r = cli(["report", bundle, "--format", "xlsx", "--output", out]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(readFileSync(out).subarray(0, 2).toString()).toBe("PK");
  });
});
