/**
 * `itgc-validate sql`: SQL over verified bundles with DuckDB, locked down before any user SQL runs —
 *  - the database is in memory; file access is limited to the bundles' directories (`allowed_directories`,
 *    `enable_external_access = false`), extensions are neither installed nor loaded, and the configuration
 *    is locked, so no statement can lift these limits;
 *  - only SELECT (and EXPLAIN) statements run: every statement is prepared and its type checked first, so a
 *    COPY, ATTACH, INSTALL, LOAD, SET or CREATE is refused before it executes;
 *  - a query that runs longer than the timeout is interrupted.
 * A `.tar.gz` bundle is verified in memory and those same verified bytes are written to a private temporary
 * directory for DuckDB to read (removed afterwards). A directory bundle is read in place: it is verified just
 * before the query, so only a change made in that instant would go unnoticed.
 *
 * DuckDB is an optional dependency loaded only here, so `run` never pays for it.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { InputError } from "../../core/errors.js";
import { isArchivePath } from "../../evidence/files.js";
import { type OpenedBundle, openBundle, unverifiedStamp } from "../open-bundle.js";
import { type SchemaBundle, schemaSql } from "./schema.js";

export interface SqlResult {
  columns: string[];
  /** Column types as DuckDB names them (BIGINT, VARCHAR, JSON, TIMESTAMP WITH TIME ZONE, …). */
  types: string[];
  rows: unknown[][];
}

export interface SqlSession {
  bundles: { id: string; name: string; path: string; verified: boolean }[];
  /** Lines to print before any output (UNVERIFIED stamps). */
  stamps: string[];
  query(sql: string): Promise<SqlResult[]>;
  close(): void;
}

export interface SqlOptions {
  allowUnverified?: boolean;
  /** Interrupt a statement after this many milliseconds (default 5 minutes). */
  timeoutMs?: number;
}

type DuckDb = typeof import("@duckdb/node-api");

async function loadDuckDb(): Promise<DuckDb> {
  try {
    return await import("@duckdb/node-api");
  } catch (e) {
    throw new InputError(
      `the sql command needs the optional dependency @duckdb/node-api, which is not installed here (${(e as Error).message.split("\n")[0]}); install it with: npm install @duckdb/node-api`,
    );
  }
}

/** Where DuckDB reads a bundle from: its own directory, or a private copy of a verified archive. */
function materialise(b: OpenedBundle, temps: string[]): string {
  if (!isArchivePath(b.path)) return `${realpathSync(b.path).replace(/\/+$/, "")}/`;
  const dir = mkdtempSync(join(tmpdir(), "itgc-sql-"));
  temps.push(dir);
  for (const [rel, data] of b.files.files) {
    const abs = join(dir, rel);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, data);
  }
  return `${realpathSync(dir)}/`;
}

const ALLOWED = new Set(["SELECT", "EXPLAIN"]);

export async function openSqlSession(paths: string[], opts: SqlOptions = {}): Promise<SqlSession> {
  if (paths.length === 0) throw new InputError("give at least one bundle");
  const opened = paths.map((p) => openBundle(p, { allowUnverified: opts.allowUnverified }));
  const ids = new Set<string>();
  for (const b of opened) {
    if (ids.has(b.model.run.id))
      throw new InputError(`${b.path}: the same bundle (run ${b.model.run.id}) was given twice`);
    ids.add(b.model.run.id);
  }
  const duck = await loadDuckDb();
  const temps: string[] = [];
  const cleanup = () => {
    for (const t of temps) rmSync(t, { recursive: true, force: true });
  };
  try {
    const roots: SchemaBundle[] = opened.map((b) => ({
      id: b.model.run.id,
      root: materialise(b, temps),
      files: [...b.files.files.keys()],
    }));
    const instance = await duck.DuckDBInstance.create(":memory:", {
      autoinstall_known_extensions: "false",
      autoload_known_extensions: "false",
    });
    const conn = await instance.connect();
    const list = roots.map((r) => `'${r.root.replace(/'/g, "''")}'`).join(", ");
    for (const stmt of [
      `SET allowed_directories = [${list}]`,
      "SET allow_community_extensions = false",
      "SET enable_external_access = false",
      "SET lock_configuration = true",
    ])
      await conn.run(stmt);
    await conn.run(schemaSql(roots));
    const timeoutMs = opts.timeoutMs ?? 300_000;
    return {
      bundles: opened.map((b) => ({
        id: b.model.run.id,
        name: b.model.name,
        path: b.path,
        verified: b.verified,
      })),
      stamps: opened.map(unverifiedStamp).filter((s): s is string => s !== undefined),
      async query(sql: string): Promise<SqlResult[]> {
        let extracted: Awaited<ReturnType<typeof conn.extractStatements>>;
        try {
          extracted = await conn.extractStatements(sql);
        } catch (e) {
          throw new InputError(`SQL: ${(e as Error).message}`);
        }
        if (extracted.count === 0) throw new InputError("SQL: no statement given");
        const prepared = [];
        for (let i = 0; i < extracted.count; i++) {
          let p: Awaited<ReturnType<typeof extracted.prepare>>;
          try {
            p = await extracted.prepare(i);
          } catch (e) {
            throw new InputError(`SQL statement ${i + 1}: ${(e as Error).message}`);
          }
          const type = duck.StatementType[p.statementType] ?? String(p.statementType);
          if (!ALLOWED.has(type))
            throw new InputError(
              `SQL statement ${i + 1} is ${type}: only SELECT queries are allowed over evidence (no file writes, attachments, extensions or settings)`,
            );
          prepared.push(p);
        }
        const results: SqlResult[] = [];
        for (const [i, p] of prepared.entries()) {
          const timer = setTimeout(() => conn.interrupt(), timeoutMs);
          try {
            const reader = await p.runAndReadAll();
            results.push({
              columns: reader.columnNames(),
              types: reader.columnTypes().map((t) => t.toString()),
              rows: reader.getRowsJson() as unknown[][],
            });
          } catch (e) {
            const msg = (e as Error).message;
            throw new InputError(
              /interrupt/i.test(msg)
                ? `SQL statement ${i + 1} was stopped after ${Math.round(timeoutMs / 1000)} s (--timeout)`
                : `SQL statement ${i + 1}: ${msg}`,
            );
          } finally {
            clearTimeout(timer);
          }
        }
        return results;
      },
      close() {
        conn.closeSync();
        instance.closeSync();
        cleanup();
      },
    };
  } catch (e) {
    cleanup();
    throw e;
  }
}
