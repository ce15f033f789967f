/** `itgc-validate queries` — the registered queries: scope, API calls, permissions and row fields. */
import { Command } from "commander";

export function queriesCommand(): Command {
  return new Command("queries")
    .description("List the queries controls can use, with their scope, API calls, permissions and fields")
    .option("--provider <name>", "only aws or gcp")
    .option("--json", "print JSON")
    .action(async (flags: { provider?: string; json?: boolean }) => {
      const { declaredQueries } = await import("../../queries/declarations.js");
      const list = declaredQueries().filter((q) => !flags.provider || q.provider === flags.provider);
      if (flags.json) {
        const out = list;
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        return;
      }
      for (const q of list) {
        process.stdout.write(`${q.id}  (${q.scope})\n  ${q.title}\n  calls: ${q.calls.join(", ")}\n`);
        process.stdout.write(`  fields: ${Object.keys(q.fields).join(", ")}\n\n`);
      }
    });
}
