/**
 * Reproducible samples: the size table, the draw (same seed → same items whatever the input order; another
 * seed → another sample), the CSV/JSON from a real bundle (byte-identical across runs), and re-performance
 * re-drawing the sample from the replayed population.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { codepipelineCalls } from "../../fixtures/aws/demo-src/codepipeline.js";
import { pipelineExecutionCalls } from "../../fixtures/aws/demo-src/events.js";
import { finalise } from "../../fixtures/lib/aws.js";
import { main } from "../../src/cli/main.js";
import { executeRun, type RunOutcome } from "../../src/engine/execute-run.js";
import type { BundleFiles } from "../../src/evidence/files.js";
import { reperformBundle } from "../../src/evidence/reperform.js";
import { buildBundle, writeBundle } from "../../src/evidence/write-bundle.js";
import { defaultSeed, drawSample, type PopulationEntry, populationOf } from "../../src/sample/draw.js";
import { sampleCsv, sampleFromBundle } from "../../src/sample/from-bundle.js";
import { SAMPLE_SIZE_TABLE, sampleSize } from "../../src/sample/size-table.js";
import { identity, NOW } from "../controls/aws-logging-support.js";
import { FIXED_CLOCK, testSigner } from "../evidence/support.js";

describe("sample size table", () => {
  it("by frequency: the lower end of the AICPA / common ITGC ranges", () => {
    const sizes = Object.fromEntries(
      SAMPLE_SIZE_TABLE.map((r) => [r.frequency, sampleSize(10_000, r.frequency).size]),
    );
    expect(sizes).toEqual({ annual: 1, quarterly: 2, monthly: 2, weekly: 5, daily: 20, recurring: 25 });
  });
  it("never more than the population; the whole population when smaller", () => {
    expect(sampleSize(7, "recurring")).toMatchObject({
      size: 7,
      basis: expect.stringMatching(/whole population of 7/),
    });
    expect(sampleSize(0, "daily").size).toBe(0);
  });
  it("without a frequency, by population size (occurrences a year)", () => {
    expect([1, 3, 12, 52, 53, 365, 366, 100_000].map((n) => sampleSize(n).size)).toEqual([
      1, 2, 2, 5, 20, 20, 25, 25,
    ]);
    expect(sampleSize(200).row?.frequency).toBe("daily");
  });
  it("--size wins, capped at the population", () => {
    expect(sampleSize(100, "annual", 40).size).toBe(40);
    expect(sampleSize(10, "annual", 40).size).toBe(10);
  });
});

describe("drawSample", () => {
  const entries: PopulationEntry[] = Array.from({ length: 500 }, (_, i) => ({
    resource: `r-${String(i).padStart(4, "0")}`,
    account: "111122223333",
    region: "us-east-1",
    status: i % 7 ? "pass" : "fail",
    message: null,
    item: { n: i },
  }));
  const canonical = populationOf({ findings: entries, items: entries.map((e) => e.item) }, "population");
  it("is reproducible and independent of the order the population arrived in", () => {
    const shuffled = [...entries].reverse();
    const again = populationOf({ findings: shuffled, items: shuffled.map((e) => e.item) }, "population");
    const a = drawSample(canonical, 25, "seed-1");
    const b = drawSample(again, 25, "seed-1");
    expect(b.positions).toEqual(a.positions);
    expect(b.populationHash).toBe(a.populationHash);
    expect(a.positions).toHaveLength(25);
    expect(new Set(a.positions).size).toBe(25);
  });
  it("a different seed gives a different sample", () => {
    expect(drawSample(canonical, 25, "seed-2").positions).not.toEqual(
      drawSample(canonical, 25, "seed-1").positions,
    );
  });
  it("the same known sample on every machine (pinned)", () => {
    expect(drawSample(canonical, 5, "pinned").positions).toEqual(PINNED);
  });
  it("exceptions only", () => {
    const ex = populationOf({ findings: entries, items: entries.map((e) => e.item) }, "exceptions");
    expect(ex.every((e) => e.status === "fail")).toBe(true);
    expect(ex).toHaveLength(72);
  });
});
// The original run named its regions (a live run's command line would carry --regions).
const REGIONS = { regions: ["us-east-1", "eu-west-1"] };
const PINNED = [132, 182, 229, 250, 382];

describe("sample from a bundle, and its re-performance", () => {
  const ID = "change-management.aws-codepipeline-executions-approved";
  let outcome: RunOutcome;
  let files: BundleFiles;
  let dir: string;
  beforeAll(async () => {
    outcome = await executeRun({
      filter: { control: [ID] },
      recording: {
        dir: "(in-memory)",
        meta: { startedAt: NOW, homeRegion: "us-east-1" },
        calls: finalise([...identity(), ...codepipelineCalls(), ...pipelineExecutionCalls()], NOW),
      },
      aws: { regions: ["us-east-1", "eu-west-1"] },
    });
    const built = await buildBundle(outcome, { signer: testSigner(), clock: FIXED_CLOCK, toolCommit: null });
    files = { source: built.name, name: built.name, files: built.files, oddities: [] };
    dir = mkdtempSync(join(tmpdir(), "itgc-sample-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("sizes by the control's frequency, seeds from run id + control id, and writes tester columns", () => {
    const doc = sampleFromBundle(files, { control: ID, of: "population" });
    expect(doc.control.frequency).toBe("recurring");
    expect(doc.populationSize).toBe(9);
    expect(doc.size).toBe(9); // 25 for recurring, capped at the population
    expect(doc.seed).toBe(defaultSeed(outcome.document.run.id, ID));
    const csv = sampleCsv(doc).split("\n");
    expect(csv.find((l) => l.startsWith("sample,"))).toBe(
      "sample,population_position,resource,account,region,automated_status,automated_message,item,ticket_reference,approval_evidence,attribute_tested,tested_by,tested_on,conclusion,notes",
    );
    expect(csv).toContain(`# seed,${doc.seed}`);
    expect(csv).toContain(`# population sha256,${doc.populationHash}`);
  });

  it("is byte-identical for the same bundle, control and seed; another seed gives another sample", () => {
    const a = sampleCsv(sampleFromBundle(files, { control: ID, of: "population", size: 3, seed: "s1" }));
    const b = sampleCsv(sampleFromBundle(files, { control: ID, of: "population", size: 3, seed: "s1" }));
    const c = sampleFromBundle(files, { control: ID, of: "population", size: 3, seed: "s2" });
    expect(b).toBe(a);
    expect(sampleCsv(c)).not.toBe(a);
    const ex = sampleFromBundle(files, { control: ID, of: "exceptions", size: 2, seed: "s1" });
    expect(ex.populationSize).toBe(4);
    expect(ex.items.every((i) => i.status === "fail")).toBe(true);
  });

  it("the CLI writes the CSV and JSON; reperform re-draws the same sample from the replayed population", async () => {
    const written = await writeBundle(outcome, {
      signer: testSigner(),
      clock: FIXED_CLOCK,
      toolCommit: null,
      outDir: dir,
    });
    const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    let code: number;
    try {
      code = await main(["sample", written.path, "--control", ID, "--size", "4", "--out", dir]);
    } finally {
      out.mockRestore();
    }
    expect(code).toBe(0);
    const json = JSON.parse(readFileSync(join(dir, `${ID}.sample.json`), "utf8"));
    expect(json.items).toHaveLength(4);
    expect(readFileSync(join(dir, `${ID}.sample.csv`), "utf8")).toBe(sampleCsv(json));
    const report = await reperformBundle(files, { samples: [json], aws: REGIONS });
    expect(report.differences).toEqual([]);
    const tampered = { ...json, items: [...json.items].reverse() };
    const bad = await reperformBundle(files, { samples: [tampered], aws: REGIONS });
    expect(bad.differences.map((d) => d.what)).toEqual(["sample items"]);
  });

  it("a raw response that is not JSON stops reperform with the file named inside the bundle", async () => {
    const raw = [...files.files.keys()].find((k) => k.startsWith("data/raw/") && k.endsWith(".json"));
    expect(raw).toBeDefined();
    const garbled = new Map(files.files);
    garbled.set(raw!, Buffer.from("{not json"));
    const err = await reperformBundle({ ...files, files: garbled }, { aws: REGIONS }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toContain(`${files.source}/${raw}: not valid JSON`);
    expect(err?.message).not.toContain("itgc-reperform-");
  });
});
