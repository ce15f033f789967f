/**
 * The HTML report printed to PDF by headless Chromium, as an auditor attaches it to a workpaper: nothing is
 * cut (no element wider than the A4 printable width, no word beyond the page edge in the PDF), every
 * finding's text is in the PDF, the first page carries what a reviewer needs, and every page has the running
 * header and "page N of M". The report comes from a real in-process run of the three demo recordings, with one
 * control given a long list parameter and a long unbroken resource name (the values that used to be clipped).
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gcpRuntimeFrom } from "../../src/cli/options/gcp.js";
import { githubRuntimeFrom } from "../../src/cli/options/github.js";
import { executeRun } from "../../src/engine/execute-run.js";
import { readBundle } from "../../src/evidence/files.js";
import type { BundleModel } from "../../src/evidence/model.js";
import { readModel } from "../../src/evidence/read-model.js";
import { writeBundle } from "../../src/evidence/write-bundle.js";
import { renderHtml } from "../../src/report/html.js";
import { tempDir, testSigner } from "../evidence/support.js";
import { Browser, CHROMIUM } from "../support/chromium.js";
import { ROOT } from "../support/cli.js";

const skip = !CHROMIUM || spawnSync("pdftotext", ["-v"]).error !== undefined;
if (skip && process.env.CI === "true") throw new Error("CI needs chromium and poppler-utils (pdftotext)");

/** Whitespace-free, so text wrapped onto several lines in the PDF still matches. */
const squash = (s: string) => s.replace(/\s+/g, "");

const A4_WIDTH_PT = 595.28;
/** A4 minus the report's 14 mm side margins, in CSS px (96 per inch). */
const PRINTABLE_WIDTH_PX = Math.floor(((210 - 28) / 25.4) * 96);

let model: BundleModel;
let pdfText: string[] = [];
let overflowing: string[] = [];
const wordsPastEdge: string[] = [];
let browser: Browser | undefined;

const LONG_LIST = Array.from(
  { length: 40 },
  (_, i) => `arn:aws:iam::1111222233${String(i).padStart(2, "0")}:role/BreakGlass`,
);
const LONG_RESOURCE = `arn:aws:s3:::${"a-very-long-bucket-name-without-any-spaces".repeat(4)}`;

beforeAll(async () => {
  if (skip) return;
  const outcome = await executeRun({
    filter: {},
    replayDir: [
      join(ROOT, "fixtures/aws/demo"),
      join(ROOT, "fixtures/gcp/demo"),
      join(ROOT, "fixtures/github/demo"),
    ],
    runtimeFactories: { gcp: gcpRuntimeFrom({}, {}), github: githubRuntimeFrom({}, {}) },
  });
  const out = tempDir();
  const { path } = await writeBundle(outcome, { outDir: out, signer: testSigner() });
  model = readModel(readBundle(path), "html");
  const target = model.results.find(
    (r) => r.status === "fail" && r.findings.some((f) => f.status === "pass"),
  )!;
  target.params = {
    ...target.params,
    values: { ...target.params.values, break_glass_roles: LONG_LIST },
    defaults: { ...target.params.defaults, break_glass_roles: LONG_LIST },
  };
  const failing = target.findings.find((f) => f.status === "fail")!;
  failing.resource = LONG_RESOURCE;
  const html = join(path, "data", "report-print.html");
  writeFileSync(html, renderHtml(model));

  browser = Browser.launch();
  const page = await browser.page();
  await page.send("Emulation.setEmulatedMedia", { media: "print" });
  await page.send("Emulation.setDeviceMetricsOverride", {
    width: PRINTABLE_WIDTH_PX,
    height: 1100,
    deviceScaleFactor: 1,
    mobile: false,
  });
  await page.open(`file://${html}`);
  overflowing = await page.evaluate<string[]>(`(() => {
    const limit = document.documentElement.clientWidth + 0.5;
    const out = [];
    for (const el of document.body.querySelectorAll("*")) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && (r.right > limit || el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== "visible"))
        out.push(el.tagName + "." + el.className + ": " + (el.textContent || "").slice(0, 60));
    }
    if (document.documentElement.scrollWidth > document.documentElement.clientWidth) out.push("document is wider than the page");
    return out;
  })()`);
  const { data } = (await page.send("Page.printToPDF", {
    preferCSSPageSize: true,
    printBackground: true,
  })) as {
    data: string;
  };
  const pdf = join(out, "report.pdf");
  writeFileSync(pdf, Buffer.from(data, "base64"));
  if (process.env.ITGC_KEEP_PDF) writeFileSync(process.env.ITGC_KEEP_PDF, Buffer.from(data, "base64"));
  // -raw: content-stream order, and no joining of words broken at a hyphen (ap-south-\neast-1 stays intact)
  const text = spawnSync("pdftotext", ["-raw", "-enc", "UTF-8", pdf, "-"], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  pdfText = text.stdout.split("\f");
  const bbox = spawnSync("pdftotext", ["-bbox", pdf, "-"], { encoding: "utf8", maxBuffer: 1 << 28 }).stdout;
  const pageWidth = Number(/<page width="([\d.]+)"/.exec(bbox)?.[1]);
  expect(pageWidth).toBeCloseTo(A4_WIDTH_PT, 0);
  for (const m of bbox.matchAll(
    /<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)<\/word>/g,
  ))
    if (Number(m[2]) > pageWidth || Number(m[1]) < 0) wordsPastEdge.push(m[3]!);
  readFileSync(pdf);
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe.skipIf(skip)("the report printed to PDF (headless Chromium)", () => {
  it("cuts nothing: no element wider than the printable width, no word past the page edge", () => {
    expect(overflowing).toEqual([]);
    expect(wordsPastEdge).toEqual([]);
  });

  it("holds every finding's text, the long parameter and resource, and every control's objective", () => {
    // Page decorations (running header, page number) sit between the halves of text that spans a page
    // break; take them out of each page once before joining the pages.
    const state = model.signing.signed ? "signed" : "UNSIGNED";
    const all = pdfText
      .map((p, i) =>
        squash(p)
          .replace(squash(`ITGC evidence ${model.name}`), "")
          .replace(state, "")
          .replace(squash(`page ${i + 1} of ${pdfText.length - 1}`), ""),
      )
      .join("");
    const missing: string[] = [];
    for (const r of model.results) {
      for (const f of r.findings.filter((x) => x.status !== "pass"))
        for (const t of [f.message, f.resource])
          if (t && !all.includes(squash(t))) missing.push(`${r.id}: ${t}`);
      for (const f of r.findings.filter((x) => x.status === "pass").slice(0, 500))
        if (!all.includes(squash(f.resource))) missing.push(`${r.id} tested item: ${f.resource}`);
      const c = model.controls.find((x) => x.id === r.id)!;
      for (const t of [c.objective, c.procedure, r.conclusion])
        if (!all.includes(squash(t))) missing.push(`${r.id}: ${t}`);
    }
    expect(missing).toEqual([]);
    expect(all).toContain(squash(JSON.stringify(LONG_LIST)));
    expect(all).toContain(squash(LONG_RESOURCE));
  });

  it("a first page a reviewer reads alone: scope, caller, evaluation time, bundle, key, signature, counts", () => {
    const first = squash(pdfText[0]!);
    const run = model.run;
    for (const u of run.scope.covered) expect(first).toContain(squash(u.unit));
    for (const c of run.callers) expect(first).toContain(squash(c.principal));
    expect(first).toContain(squash(run.evaluatedAt));
    expect(first).toContain(squash(model.name));
    expect(first).toContain(squash(`SHA256:${model.signing.fingerprint}`));
    expect(first).toContain("Signedevidencebundle");
    expect(first).toContain("Summarybydomainandstatus");
    for (const d of new Set(model.results.map((r) => r.domain))) expect(first).toContain(squash(d));
    const s = model.document.summary;
    expect(first).toContain("alldomains");
    expect(first).toContain(`${s.pass}${s.fail}${s.error}${s.not_applicable}${s.total}`);
    // the controls themselves start on the next page
    expect(first).not.toContain("Controlsataglance");
  });

  it("every page has the running header and page N of M", () => {
    const pages = pdfText.filter((p) => p.trim() !== "");
    expect(pages.length).toBeGreaterThan(3);
    pages.forEach((p, i) => {
      expect(squash(p)).toContain(squash(`ITGC evidence ${model.name}`));
      expect(squash(p)).toContain(squash(`page ${i + 1} of ${pages.length}`));
    });
  });
});
