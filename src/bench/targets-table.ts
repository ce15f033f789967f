/**
 * Issue 14's targets in one table: start-up, the warm demo and the organization scenarios, each beside the
 * figure measured before issue 14 (docs/performance.md) and its target. Start-up rows also show the median
 * over `node -e 0` measured in the same bench (the machine's speed, which drifts on a shared machine) and the
 * load average the figures were taken under.
 */
import { loadavg } from "node:os";

export interface StartupFigure {
  name: string;
  /** Median wall seconds, and the spread. */
  median: number;
  min: number;
  max: number;
  maxSeconds: number;
}

export interface OrgFigure {
  scenario: string;
  seconds: number;
  peakRssMb: number;
}

/**
 * Before issue 14 (docs/performance.md): start-up on a quiet machine (load 0.2), org-200 from `npm run bench`
 * — of the catalogue then, 42 AWS controls and 31,217 calls: the workload `org-200-42` replays today. The
 * full catalogue's org-200 makes ≈ 3.9× those calls.
 */
const BEFORE: Record<string, string> = {
  "--version": "1.63 s",
  "--help": "1.25 s",
  lint: "1.62 s",
  "controls list": "2.04 s",
  "demo (warm)": "9.75 s (load ≈ 7)",
  "org-200": "86.81 s, 1335 MB (at 31,217 calls: see org-200-42)",
  "org-200-42": "86.81 s, 1335 MB",
};

/** The previous round's figures (round 10, docs/performance.md: the first of its two startup benches, load ≤ 2.1). */
const LAST_ROUND: Record<string, string> = {
  "--version": "0.116 s",
  "--help": "0.156 s",
  lint: "0.176 s",
  "controls list": "0.205 s",
  "demo (warm)": "1.616 s",
};

/** Issue 14's org-scale targets (item 2): wall seconds and peak RSS. */
const ORG_TARGETS: Record<string, { seconds: number; rssMb: number }> = {
  "org-200": { seconds: 30, rssMb: 500 },
  "org-1000": { seconds: 180, rssMb: 1024 },
  "org-200-42": { seconds: 30, rssMb: 500 },
  "org-1000-42": { seconds: 180, rssMb: 1024 },
};

export function targetsTable(
  startup: StartupFigure[],
  nodeSeconds: number | undefined,
  org: OrgFigure[],
): string {
  const rows = [
    "| scenario | before issue 14 | last round (quiet) | now (median) | min–max | × `node -e 0` | target | met |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const s of startup) {
    rows.push(
      `| ${s.name} | ${BEFORE[s.name] ?? "—"} | ${LAST_ROUND[s.name] ?? "—"} | ${s.median.toFixed(3)} s | ${s.min.toFixed(3)}–${s.max.toFixed(3)} s | ${
        nodeSeconds ? `${(s.median / nodeSeconds).toFixed(1)}×` : "—"
      } | ≤ ${s.maxSeconds} s | ${s.median <= s.maxSeconds ? "yes" : "NO"} |`,
    );
  }
  for (const o of org) {
    const t = ORG_TARGETS[o.scenario];
    const met = t ? (o.seconds <= t.seconds && o.peakRssMb <= t.rssMb ? "yes" : "NO") : "—";
    rows.push(
      `| ${o.scenario} | ${BEFORE[o.scenario] ?? "—"} | — | ${o.seconds.toFixed(2)} s, ${o.peakRssMb.toFixed(0)} MB | — | — | ${
        t ? `≤ ${t.seconds} s, ≤ ${t.rssMb} MB` : "—"
      } | ${met} |`,
    );
  }
  const load = loadavg()
    .map((x) => x.toFixed(1))
    .join(" / ");
  const node = nodeSeconds ? `; \`node -e 0\` median ${nodeSeconds.toFixed(3)} s` : "";
  return `${rows.join("\n")}\n\nload average (1 / 5 / 15 min) at the end: ${load}${node}\n`;
}
