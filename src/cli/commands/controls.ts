/** `itgc-validate controls list` — the control catalogue, as a table or JSON. */
import { Command } from "commander";
import { addFilterOptions, type FilterFlags, filterFrom } from "../options/filters.js";

export function controlsCommand(): Command {
  const controls = new Command("controls").description("Browse the control catalogue");
  const list = new Command("list").description(
    "List controls (id, provider, domain, severity, query, framework mappings)",
  );
  addFilterOptions(list)
    .option("--json", "print JSON")
    .action(async (flags: FilterFlags & { json?: boolean }) => {
      const { selectControls } = await import("../../engine/select-controls.js");
      const { selected } = await selectControls(flags.controlsDir, filterFrom(flags));
      if (flags.json) {
        const out = selected.map((c) => ({
          id: c.id,
          title: c.title,
          provider: c.provider,
          domain: c.domain,
          severity: c.severity,
          query: c.query,
          params: c.params,
          mappings: c.mappings,
          objective: c.objective,
        }));
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        return;
      }
      const rows = selected.map((c) => [c.id, c.provider, c.domain, c.severity, c.title]);
      const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length), 8));
      const header = ["ID", "PROVIDER", "DOMAIN", "SEVERITY", "TITLE"];
      for (const r of [header, ...rows]) {
        process.stdout.write(`${r.map((v, i) => (i < 4 ? v.padEnd(widths[i]!) : v)).join("  ")}\n`);
      }
      process.stdout.write(`\n${selected.length} control(s)\n`);
    });
  controls.addCommand(list);
  return controls;
}
