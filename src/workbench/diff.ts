/**
 * What changed between two bundles of the same scope (`itgc-validate diff OLD NEW`): findings new, resolved
 * and still open, controls whose status changed, population joiners and leavers, and the scope itself. A
 * scope that shrank (an account, project or region covered before and not now) is a finding of the diff in
 * its own right: a resolved exception in a region nobody looked at is not resolved.
 *
 * Findings are matched by (control, account, region, resource). Pure: models in, report out.
 */
import type { BundleModel, ResultRecord } from "../evidence/model.js";

export interface FindingRef {
  control: string;
  account: string;
  region: string;
  resource: string;
  message: string | null;
}

export interface StatusChange {
  control: string;
  title: string;
  old: string;
  new: string;
}

export interface PopulationChange {
  control: string;
  /** Items in NEW's population and not in OLD's (e.g. a joiner among privileged users). */
  joined: string[];
  /** Items in OLD's population and not in NEW's. */
  left: string[];
  old: number;
  new: number;
}

export interface ScopeChange {
  provider: string;
  unit: string;
  /** Regions covered in one bundle only (empty when the whole unit is added or missing). */
  regions: string[];
  change: "added" | "missing";
}

export interface DiffReport {
  old: { name: string; runId: string; evaluatedAt: string };
  new: { name: string; runId: string; evaluatedAt: string };
  newExceptions: FindingRef[];
  resolved: FindingRef[];
  stillOpen: FindingRef[];
  /** Findings that are `error` in NEW and were not before: evidence that went missing. */
  newErrors: FindingRef[];
  statusChanges: StatusChange[];
  controlsAdded: string[];
  controlsRemoved: string[];
  population: PopulationChange[];
  scope: ScopeChange[];
  /** True when NEW covers less than OLD (a missing unit or region): never silent. */
  scopeShrank: boolean;
  /** Controls evaluated with different parameters in the two runs (a verdict change may come from that). */
  paramChanges: string[];
}

const keyOf = (control: string, f: { account: string; region: string; resource: string }) =>
  `${control}\u0000${f.account}\u0000${f.region}\u0000${f.resource}`;

function findingsByKey(results: ResultRecord[], status: string): Map<string, FindingRef> {
  const m = new Map<string, FindingRef>();
  for (const r of results)
    for (const f of r.findings)
      if (f.status === status)
        m.set(keyOf(r.id, f), {
          control: r.id,
          account: f.account,
          region: f.region,
          resource: f.resource,
          message: f.message,
        });
  return m;
}

function coverage(model: BundleModel): Map<string, { provider: string; unit: string; regions: Set<string> }> {
  const m = new Map<string, { provider: string; unit: string; regions: Set<string> }>();
  for (const c of model.run.scope?.covered ?? [])
    m.set(`${c.provider}/${c.unit}`, { provider: c.provider, unit: c.unit, regions: new Set(c.regions) });
  return m;
}

const byPosition = (a: FindingRef, b: FindingRef) => keyOf(a.control, a).localeCompare(keyOf(b.control, b));

export function diffBundles(oldM: BundleModel, newM: BundleModel): DiffReport {
  const oldFail = findingsByKey(oldM.results, "fail");
  const newFail = findingsByKey(newM.results, "fail");
  const oldErr = findingsByKey(oldM.results, "error");
  const newErr = findingsByKey(newM.results, "error");
  const oldById = new Map(oldM.results.map((r) => [r.id, r]));
  const newById = new Map(newM.results.map((r) => [r.id, r]));

  const newExceptions = [...newFail].filter(([k]) => !oldFail.has(k)).map(([, f]) => f);
  const stillOpen = [...newFail].filter(([k]) => oldFail.has(k)).map(([, f]) => f);
  // Resolved: failed before, and the control was evaluated again without that failure. A control that is not
  // in NEW at all resolves nothing (it is listed under controlsRemoved instead).
  const resolved = [...oldFail]
    .filter(([k, f]) => !newFail.has(k) && newById.has(f.control) && !newErr.has(k))
    .map(([, f]) => f);
  const newErrors = [...newErr].filter(([k]) => !oldErr.has(k)).map(([, f]) => f);

  const statusChanges: StatusChange[] = [];
  const population: PopulationChange[] = [];
  const paramChanges: string[] = [];
  for (const [id, n] of newById) {
    const o = oldById.get(id);
    if (!o) continue;
    if (o.status !== n.status)
      statusChanges.push({ control: id, title: n.title, old: o.status, new: n.status });
    const members = (r: ResultRecord) =>
      new Set(r.findings.map((f) => `${f.resource} [${f.account}/${f.region}]`));
    const om = members(o);
    const nm = members(n);
    const joined = [...nm].filter((x) => !om.has(x)).sort();
    const left = [...om].filter((x) => !nm.has(x)).sort();
    if (joined.length || left.length)
      population.push({ control: id, joined, left, old: o.population, new: n.population });
    if (JSON.stringify(o.params.values) !== JSON.stringify(n.params.values)) paramChanges.push(id);
  }
  const controlsAdded = [...newById.keys()].filter((id) => !oldById.has(id)).sort();
  const controlsRemoved = [...oldById.keys()].filter((id) => !newById.has(id)).sort();

  const scope: ScopeChange[] = [];
  const oc = coverage(oldM);
  const nc = coverage(newM);
  for (const [k, o] of oc) {
    const n = nc.get(k);
    if (!n) scope.push({ provider: o.provider, unit: o.unit, regions: [], change: "missing" });
    else {
      const missing = [...o.regions].filter((r) => !n.regions.has(r)).sort();
      if (missing.length)
        scope.push({ provider: o.provider, unit: o.unit, regions: missing, change: "missing" });
    }
  }
  for (const [k, n] of nc) {
    const o = oc.get(k);
    if (!o) scope.push({ provider: n.provider, unit: n.unit, regions: [], change: "added" });
    else {
      const added = [...n.regions].filter((r) => !o.regions.has(r)).sort();
      if (added.length) scope.push({ provider: n.provider, unit: n.unit, regions: added, change: "added" });
    }
  }
  scope.sort((a, b) =>
    `${a.provider}/${a.unit}/${a.change}`.localeCompare(`${b.provider}/${b.unit}/${b.change}`),
  );

  const head = (m: BundleModel) => ({ name: m.name, runId: m.run.id, evaluatedAt: m.run.evaluatedAt });
  return {
    old: head(oldM),
    new: head(newM),
    newExceptions: newExceptions.sort(byPosition),
    resolved: resolved.sort(byPosition),
    stillOpen: stillOpen.sort(byPosition),
    newErrors: newErrors.sort(byPosition),
    statusChanges: statusChanges.sort((a, b) => a.control.localeCompare(b.control)),
    controlsAdded,
    controlsRemoved,
    population: population.sort((a, b) => a.control.localeCompare(b.control)),
    scope,
    scopeShrank: scope.some((s) => s.change === "missing"),
    paramChanges: paramChanges.sort(),
  };
}

/** Exit code a scheduler can act on: 1 when something got worse (new exceptions or errors, a smaller scope). */
export function diffExitCode(d: DiffReport): 0 | 1 {
  return d.newExceptions.length > 0 || d.newErrors.length > 0 || d.scopeShrank ? 1 : 0;
}

const where = (f: FindingRef) => `${f.resource} [${f.account}/${f.region}]`;

export function renderDiffText(d: DiffReport, stamp?: string): string {
  const out: string[] = [];
  if (stamp) out.push(stamp, "");
  out.push(
    `OLD ${d.old.name} (evaluated ${d.old.evaluatedAt})`,
    `NEW ${d.new.name} (evaluated ${d.new.evaluatedAt})`,
    "",
  );
  if (d.scopeShrank) out.push("WARNING: the scope shrank: NEW does not cover everything OLD covered.", "");
  const section = (title: string, lines: string[]) => {
    out.push(`${title} (${lines.length})`);
    for (const l of lines) out.push(`  ${l}`);
    out.push("");
  };
  section(
    "New exceptions",
    d.newExceptions.map((f) => `+ ${f.control}: ${where(f)}: ${f.message ?? ""}`),
  );
  section(
    "Resolved",
    d.resolved.map((f) => `- ${f.control}: ${where(f)}`),
  );
  section(
    "Still open",
    d.stillOpen.map((f) => `  ${f.control}: ${where(f)}`),
  );
  section(
    "New errors (evidence missing)",
    d.newErrors.map((f) => `! ${f.control}: ${where(f)}: ${f.message ?? ""}`),
  );
  section(
    "Controls whose status changed",
    d.statusChanges.map((s) => `${s.control}: ${s.old} → ${s.new}`),
  );
  section(
    "Population changes",
    d.population.map(
      (p) =>
        `${p.control}: ${p.old} → ${p.new}${p.joined.length ? `; joined: ${p.joined.join(", ")}` : ""}${p.left.length ? `; left: ${p.left.join(", ")}` : ""}`,
    ),
  );
  section(
    "Scope differences",
    d.scope.map(
      (s) =>
        `${s.change === "missing" ? "MISSING" : "added"} ${s.provider} ${s.unit}${s.regions.length ? ` regions ${s.regions.join(", ")}` : " (whole unit)"}`,
    ),
  );
  if (d.controlsAdded.length || d.controlsRemoved.length)
    section("Controls only in one bundle", [
      ...d.controlsAdded.map((c) => `added ${c}`),
      ...d.controlsRemoved.map((c) => `removed ${c}`),
    ]);
  if (d.paramChanges.length) section("Evaluated with different parameters", d.paramChanges);
  return `${out.join("\n").trimEnd()}\n`;
}

const esc = (s: unknown) =>
  String(s ?? "").replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );

export function renderDiffHtml(d: DiffReport, stamp?: string): string {
  const table = (title: string, head: string[], rows: unknown[][]) =>
    `<h2>${esc(title)} <small>(${rows.length})</small></h2>` +
    (rows.length
      ? `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows
          .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`)
          .join("")}</tbody></table>`
      : "<p>None.</p>");
  const f = (x: FindingRef) => [x.control, x.resource, `${x.account} / ${x.region}`, x.message ?? ""];
  const head = ["control", "resource", "account / region", "message"];
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>itgc-validate diff</title>
<style>body{font:14px/1.45 system-ui,sans-serif;max-width:1100px;margin:auto;padding:1rem}table{border-collapse:collapse;width:100%;table-layout:fixed}td,th{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}.warn{background:#ffebe9;padding:.5rem;border:1px solid #cf222e}</style></head><body>
<h1>Changes between two evidence bundles</h1>
${stamp ? `<p class="warn">${esc(stamp)}</p>` : ""}
<p>OLD <code>${esc(d.old.name)}</code> (evaluated ${esc(d.old.evaluatedAt)})<br>NEW <code>${esc(d.new.name)}</code> (evaluated ${esc(d.new.evaluatedAt)})</p>
${d.scopeShrank ? '<p class="warn">The scope shrank: NEW does not cover everything OLD covered.</p>' : ""}
${table("New exceptions", head, d.newExceptions.map(f))}
${table("Resolved", head, d.resolved.map(f))}
${table("Still open", head, d.stillOpen.map(f))}
${table("New errors (evidence missing)", head, d.newErrors.map(f))}
${table(
  "Controls whose status changed",
  ["control", "old", "new"],
  d.statusChanges.map((s) => [s.control, s.old, s.new]),
)}
${table(
  "Population changes",
  ["control", "old", "new", "joined", "left"],
  d.population.map((p) => [p.control, p.old, p.new, p.joined.join(", "), p.left.join(", ")]),
)}
${table(
  "Scope differences",
  ["change", "provider", "unit", "regions"],
  d.scope.map((s) => [s.change, s.provider, s.unit, s.regions.join(", ") || "(whole unit)"]),
)}
</body></html>
`;
}
