/**
 * OSCAL 1.1.3 assessment-results (the subset this tool fills; hand-written types, as no maintained npm
 * package provides them). UUIDs are version 5, derived from the run id, so a re-export from a bundle gives
 * the same document. Status mapping: pass → satisfied, fail → not-satisfied; error → not-satisfied with
 * reason "other" (never shown as satisfied: the evidence is incomplete); not_applicable → satisfied with
 * reason "other" and a remark.
 */
import { createHash } from "node:crypto";
import { jsonPieces, LazyArray } from "../evidence/json-stream.js";
import type { BundleModel } from "../evidence/model.js";

export const OSCAL_VERSION = "1.1.3";
const NAMESPACE = "2c0a6a2f-eafd-47fd-9627-f20fb4ccc5f2";

export interface OscalProp {
  name: string;
  value: string;
  ns?: string;
  class?: string;
}
export interface OscalHash {
  algorithm: "SHA-256";
  value: string;
}
export interface OscalRlink {
  href: string;
  "media-type"?: string;
  hashes?: OscalHash[];
}
export interface OscalResource {
  uuid: string;
  title?: string;
  description?: string;
  props?: OscalProp[];
  rlinks?: OscalRlink[];
}
export interface OscalMetadata {
  title: string;
  "last-modified": string;
  version: string;
  "oscal-version": string;
  props?: OscalProp[];
}
export interface OscalRelevantEvidence {
  href?: string;
  description: string;
}
export interface OscalObservation {
  uuid: string;
  title?: string;
  description: string;
  methods: ("EXAMINE" | "INTERVIEW" | "TEST" | "UNKNOWN")[];
  types?: string[];
  props?: OscalProp[];
  "relevant-evidence"?: OscalRelevantEvidence[];
  collected: string;
  remarks?: string;
}
export interface OscalFinding {
  uuid: string;
  title: string;
  description: string;
  props?: OscalProp[];
  target: {
    type: "objective-id" | "statement-id";
    "target-id": string;
    status: { state: "satisfied" | "not-satisfied"; reason?: "pass" | "fail" | "other"; remarks?: string };
  };
  "related-observations"?: { "observation-uuid": string }[];
  remarks?: string;
}
export interface OscalResult {
  uuid: string;
  title: string;
  description: string;
  start: string;
  end?: string;
  props?: OscalProp[];
  "reviewed-controls": {
    "control-selections": { description?: string; "include-controls": { "control-id": string }[] }[];
  };
  observations?: OscalObservation[];
  findings?: OscalFinding[];
}
export interface OscalAssessmentResults {
  "assessment-results": {
    uuid: string;
    metadata: OscalMetadata;
    "import-ap": { href: string; remarks?: string };
    results: OscalResult[];
    "back-matter"?: { resources: OscalResource[] };
  };
}

/** RFC 4122 version 5 UUID (SHA-1, name-based). */
export function uuidV5(name: string, namespace = NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ""), "hex");
  const h = createHash("sha1").update(ns).update(name, "utf8").digest().subarray(0, 16);
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

const NS = "urn:itgc-validate:oscal";

export function renderOscal(model: BundleModel): string {
  return [...oscalPieces(model)].join("");
}

/** The document in pieces, for the bundle writer to stream; joined, the text `renderOscal` returns. */
export function* oscalPieces(model: BundleModel): Generator<string> {
  yield* jsonPieces(oscalDocument(model));
  yield "\n";
}

/**
 * The document, with one back-matter resource per evidence file made only as it is written (an
 * organization's bundle has one file per recorded call): serialise it with `jsonPieces`, not JSON.stringify.
 */
function oscalDocument(model: BundleModel) {
  const run = model.run;
  const id = (what: string) => uuidV5(`${run.id}/${what}`);
  const apResource = id("assessment-plan");
  const plan: OscalResource = {
    uuid: apResource,
    title: "Assessment plan: the control definitions and parameters used",
    description:
      "The exact control definitions (data/controls/) and parameters (data/run.json) this run evaluated; re-perform with `itgc-validate reperform`.",
  };
  const fileResource = (f: BundleModel["files"][number]): OscalResource => ({
    uuid: id(`file/${f.path}`),
    title: f.path,
    rlinks: [
      {
        href: f.path.replace(/^data\//, "../"),
        hashes: [{ algorithm: "SHA-256" as const, value: f.sha256 }],
      },
    ],
  });
  const resources = new LazyArray<OscalResource>(model.files.length + 1, function* () {
    yield plan;
    for (const f of model.files) yield fileResource(f);
  });
  const filePaths = new Set(model.files.map((f) => f.path));
  const controlById = new Map(model.controls.map((c) => [c.id, c]));
  const observations: OscalObservation[] = [];
  const findings: OscalFinding[] = [];
  for (const r of model.results) {
    const c = controlById.get(r.id);
    const obsUuid = id(`observation/${r.id}`);
    const resultFile = `data/results/${r.id}.json`;
    observations.push({
      uuid: obsUuid,
      title: r.title,
      description: `${c?.procedure ?? r.title} Population: ${r.population}; exceptions: ${r.exceptions}.`,
      methods: ["TEST"],
      props: [
        { name: "population", value: String(r.population), ns: NS },
        { name: "exceptions", value: String(r.exceptions), ns: NS },
        { name: "query", value: r.query, ns: NS },
      ],
      "relevant-evidence": [
        {
          ...(filePaths.has(resultFile) ? { href: `#${id(`file/${resultFile}`)}` } : {}),
          description: `Per-item verdicts: ${resultFile}`,
        },
      ],
      collected: run.evaluatedAt,
    });
    const state = r.status === "pass" || r.status === "not_applicable" ? "satisfied" : "not-satisfied";
    const reason = r.status === "pass" ? "pass" : r.status === "fail" ? "fail" : "other";
    findings.push({
      uuid: id(`finding/${r.id}`),
      title: r.title,
      description: r.conclusion,
      props: [{ name: "itgc-status", value: r.status, ns: NS }],
      target: {
        type: "objective-id",
        "target-id": r.id,
        status: {
          state,
          reason,
          ...(r.status === "error"
            ? { remarks: "Could not be evaluated; the evidence is incomplete. Not a pass." }
            : r.status === "not_applicable"
              ? { remarks: r.reason ?? "Not applicable." }
              : {}),
        },
      },
      "related-observations": [{ "observation-uuid": obsUuid }],
    });
  }
  const doc = {
    "assessment-results": {
      uuid: id("assessment-results"),
      metadata: {
        title: `ITGC assessment results ${model.name}`,
        "last-modified": run.endedAt,
        version: run.tool.version,
        "oscal-version": OSCAL_VERSION,
        props: [
          { name: "run-id", value: run.id, ns: NS },
          { name: "signed", value: model.signing.signed ? "true" : "false", ns: NS },
        ],
      },
      "import-ap": { href: `#${apResource}` },
      results: [
        {
          uuid: id("result"),
          title: `Automated ITGC test run ${run.id}`,
          description: `${run.tool.name} ${run.tool.version} (${run.mode}), evaluated at ${run.evaluatedAt}. ${model.signing.statement}`,
          start: run.startedAt,
          end: run.endedAt,
          "reviewed-controls": {
            "control-selections": [
              { "include-controls": model.results.map((r) => ({ "control-id": r.id })) },
            ],
          },
          observations,
          findings,
        },
      ],
      "back-matter": { resources },
    },
  } satisfies Omit<OscalAssessmentResults, "assessment-results"> & {
    "assessment-results": Omit<OscalAssessmentResults["assessment-results"], "back-matter"> & {
      "back-matter": { resources: LazyArray<OscalResource> };
    };
  };
  return doc;
}
