/** `itgc-validate sql BUNDLE... (-e SQL | -f FILE | --saved NAME)` — SQL over verified evidence (DuckDB). */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Command, Option } from "commander";
import { InputError } from "../../core/errors.js";
import { PACKAGE_ROOT } from "../../util/paths.js";

export const SAVED_QUERIES_DIR = join(PACKAGE_ROOT, "queries");

/** The saved queries shipped under queries/: name → first comment line (their title). */
export function savedQueries(): { name: string; title: string }[] {
  return readdirSync(SAVED_QUERIES_DIR)
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .map((f) => ({
      name: f.replace(/\.sql$/, ""),
      title: /^--\s*(.+)$/m.exec(readFileSync(join(SAVED_QUERIES_DIR, f), "utf8"))?.[1] ?? "",
    }));
}

const FORMATS = ["table", "csv", "json"] as const;

interface SqlFlags {
  execute?: string;
  file?: string;
  saved?: string;
  format: (typeof FORMATS)[number];
  unverified?: boolean;
  timeout: string;
  list?: boolean;
}

export function sqlCommand(): Command {
  return new Command("sql")
    .description(
      "Query verified evidence bundles with SQL (DuckDB, in memory, read-only: only SELECT; no file access\n" +
        "outside the bundles, no extensions). Views: raw_call, run, control, finding, population_item, scope_gap,\n" +
        "and entity views (aws_iam_user, aws_iam_credential_report, aws_cloudtrail_trail, aws_sso_account_assignment,\n" +
        "gcp_iam_binding, …); every view has bundle_id. See docs/sql.md; `--list` shows views and saved queries.",
    )
    .argument("[bundles...]", "bundle directories or .tar.gz files")
    .option("-e, --execute <sql>", "the SQL to run")
    .option("-f, --file <file>", "a file of SQL to run")
    .option("--saved <name>", "a saved query from the queries/ folder (see --list)")
    .addOption(new Option("--format <format>", "output format").choices(FORMATS).default("table"))
    .option("--unverified", "use bundles that do not verify (every output is stamped UNVERIFIED)")
    .option("--timeout <seconds>", "stop a statement after this many seconds", "300")
    .option("--list", "list the views and the saved queries, and exit")
    .action(async (bundles: string[], flags: SqlFlags) => {
      const { VIEW_NAMES } = await import("../../workbench/sql/schema.js");
      if (flags.list) {
        process.stdout.write(
          `Views: ${VIEW_NAMES.join(", ")}\n\nSaved queries (--saved NAME):\n${savedQueries()
            .map((q) => `  ${q.name.padEnd(28)} ${q.title}`)
            .join("\n")}\n`,
        );
        return;
      }
      const given = [flags.execute, flags.file, flags.saved].filter((x) => x !== undefined);
      if (given.length !== 1) throw new InputError("give exactly one of -e SQL, -f FILE or --saved NAME");
      const timeout = Number(flags.timeout);
      if (!Number.isFinite(timeout) || timeout <= 0)
        throw new InputError({ field: "--timeout", message: "expected a positive number of seconds" });
      const sql = flags.execute ?? readSql(flags.file, flags.saved);
      const { openSqlSession } = await import("../../workbench/sql/run-sql.js");
      const { renderCsv, renderTable, toObjects } = await import("../../workbench/sql/format.js");
      const session = await openSqlSession(bundles, {
        allowUnverified: flags.unverified,
        timeoutMs: timeout * 1000,
      });
      try {
        const results = await session.query(sql);
        if (flags.format !== "table" && results.length > 1)
          throw new InputError(`--format ${flags.format} prints one result: give one SELECT statement`);
        const last = results[results.length - 1]!;
        if (flags.format === "json") {
          const doc = {
            bundles: session.bundles.map((b) => ({ id: b.id, name: b.name, verified: b.verified })),
            ...(session.stamps.length ? { unverified: session.stamps } : {}),
            columns: last.columns,
            rows: toObjects(last),
          };
          process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
        } else if (flags.format === "csv") {
          for (const s of session.stamps) process.stdout.write(`# ${s}\n`);
          process.stdout.write(renderCsv(last));
        } else {
          for (const s of session.stamps) process.stdout.write(`${s}\n`);
          process.stdout.write(results.map((r) => renderTable(r)).join("\n"));
        }
      } finally {
        session.close();
      }
    });
}

function readSql(file: string | undefined, saved: string | undefined): string {
  if (saved !== undefined) {
    if (!/^[a-z0-9-]+$/.test(saved) || !savedQueries().some((q) => q.name === saved))
      throw new InputError(
        `no saved query "${saved}" (known: ${savedQueries()
          .map((q) => q.name)
          .join(", ")})`,
      );
    return readFileSync(join(SAVED_QUERIES_DIR, `${saved}.sql`), "utf8");
  }
  try {
    return readFileSync(file!, "utf8");
  } catch (e) {
    throw new InputError({ file, message: `cannot read: ${(e as Error).message}` });
  }
}
