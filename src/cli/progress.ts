/**
 * Progress while a run goes: accounts, regions, queries done / started, controls done, errors.
 * - on a terminal (stderr is a TTY, not CI): one live status line, redrawn in place;
 * - in CI (CI=true), when stderr is not a terminal, or with --log-format text: plain lines
 *   (run start, each control's verdict, a status line every 10 s, the end);
 * - with --log-format json: the same events as JSON lines;
 * - with --quiet: nothing.
 * Progress only ever goes to stderr: with --json, stdout carries nothing but the results document.
 */
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import type { ProviderRunInfo } from "../core/provider.js";
import type { ControlResult, Scope } from "../core/types.js";
import type { RunObserver } from "../engine/run-controls.js";
import type { ResultsDocument } from "../report/results-document.js";

export type LogFormat = "text" | "json";
export type ProgressMode = "tty" | "text" | "json" | "none";

export interface ProgressFlags {
  logFormat?: LogFormat;
  quiet?: boolean;
}

export function addProgressOptions(cmd: Command): Command {
  return cmd
    .option(
      "--log-format <format>",
      "progress on stderr as plain lines (text) or JSON lines (json); default: a live display on a terminal,\n" +
        "text lines in CI or when stderr is not a terminal",
      (v: string) => {
        if (v !== "text" && v !== "json") throw new InvalidArgumentError(`"${v}" is not text or json.`);
        return v;
      },
    )
    .option("--quiet", "no progress output on stderr");
}

export function progressMode(
  flags: ProgressFlags,
  stream: { isTTY?: boolean } = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): ProgressMode {
  if (flags.quiet) return "none";
  if (flags.logFormat === "json") return "json";
  if (flags.logFormat === "text") return "text";
  const ci = env.CI !== undefined && env.CI !== "" && env.CI !== "false" && env.CI !== "0";
  return stream.isTTY && !ci ? "tty" : "text";
}

interface Writer {
  write(s: string): unknown;
}

export class Progress implements RunObserver {
  private readonly started = Date.now();
  private accountsTotal = 0;
  private gaps = 0;
  private controlsTotal = 0;
  private controlsDone = 0;
  private queriesStarted = 0;
  private queriesDone = 0;
  private queryErrors = 0;
  private controlErrors = 0;
  private readonly accounts = new Set<string>();
  private readonly regions = new Set<string>();
  private timer?: NodeJS.Timeout;
  private providerStatus?: () => string[];
  private drawn = false;

  constructor(
    readonly mode: ProgressMode,
    private readonly out: Writer = process.stderr,
    private readonly intervalMs = mode === "tty" ? 120 : 10_000,
  ) {}

  onRunStart(info: { providers: ProviderRunInfo[]; controls: number; status?: () => string[] }): void {
    this.controlsTotal = info.controls;
    this.providerStatus = info.status;
    this.accountsTotal = info.providers.reduce((n, p) => n + p.targets.length, 0);
    this.gaps = info.providers.reduce((n, p) => n + p.gaps.length, 0);
    const callers = info.providers.map((p) => `${p.provider} ${p.caller?.principal ?? "?"}`).join(", ");
    this.event(
      "run_start",
      `run: ${callers}; ${this.accountsTotal} unit(s) in scope, ${this.gaps} scope gap(s), ${info.controls} control(s)`,
      {
        providers: info.providers.map((p) => ({
          provider: p.provider,
          caller: p.caller?.principal,
          units: p.targets.length,
          gaps: p.gaps,
        })),
        controls: info.controls,
      },
    );
    for (const p of info.providers)
      for (const g of p.gaps)
        this.event("scope_gap", `scope gap: ${g.unit}${g.region ? `/${g.region}` : ""}: ${g.reason}`, {
          ...g,
        });
    if (this.mode !== "none") {
      this.timer = setInterval(() => this.tick(), this.intervalMs);
      this.timer.unref();
    }
  }

  onQueryStart(_queryId: string, scope: Scope): void {
    this.queriesStarted++;
    this.accounts.add(scope.unit);
    if (scope.kind === "region") this.regions.add(`${scope.unit}|${scope.region}`);
  }

  onQueryEnd(queryId: string, scope: Scope, error?: unknown): void {
    this.queriesDone++;
    if (error !== undefined) {
      this.queryErrors++;
      if (this.mode === "json")
        this.event("query_error", "", {
          query: queryId,
          unit: scope.unit,
          region: scope.region,
          error: error instanceof Error ? error.message : String(error),
        });
    }
  }

  onControlDone(result: ControlResult): void {
    this.controlsDone++;
    if (result.status === "error") this.controlErrors++;
    const line = `control ${result.id}: ${result.status} (${this.controlsDone}/${this.controlsTotal})`;
    this.event("control_done", line, {
      control: result.id,
      status: result.status,
      population: result.population,
      exceptions: result.exceptions,
      errors: result.errors.length,
    });
  }

  /** Stops the display and prints the closing line. */
  finish(doc?: ResultsDocument): void {
    if (this.timer) clearInterval(this.timer);
    this.clear();
    if (!doc) return;
    const s = doc.summary;
    const st = doc.run.stats;
    this.event(
      "run_end",
      `done in ${this.elapsed()}: ${s.total} control(s): ${s.pass} pass, ${s.fail} fail, ${s.error} error, ${s.not_applicable} n/a; ${st.apiCalls} API call(s), ${st.retries} retr(ies), ${st.throttles} throttle(s)`,
      { summary: s, stats: st, seconds: (Date.now() - this.started) / 1000 },
    );
  }

  /** The one-line status (also what the TTY display shows). */
  status(): string {
    const accounts = this.accountsTotal
      ? `${this.accounts.size}/${this.accountsTotal}`
      : `${this.accounts.size}`;
    return [
      `accounts ${accounts}`,
      `regions ${this.regions.size}`,
      `queries ${this.queriesDone}/${this.queriesStarted}`,
      `controls ${this.controlsDone}/${this.controlsTotal}${this.controlErrors ? ` (${this.controlErrors} error)` : ""}`,
      `errors ${this.queryErrors}`,
      ...(this.gaps ? [`scope gaps ${this.gaps}`] : []),
      ...(this.providerStatus?.() ?? []),
      this.elapsed(),
    ].join(" · ");
  }

  private tick(): void {
    if (this.mode === "tty") {
      this.out.write(`\r\x1b[K${this.status()}`);
      this.drawn = true;
    } else {
      this.event("progress", `progress: ${this.status()}`, {
        accounts: this.accounts.size,
        accountsTotal: this.accountsTotal,
        regions: this.regions.size,
        queriesDone: this.queriesDone,
        queriesStarted: this.queriesStarted,
        controlsDone: this.controlsDone,
        controlsTotal: this.controlsTotal,
        errors: this.queryErrors,
        providers: this.providerStatus?.() ?? [],
      });
    }
  }

  private clear(): void {
    if (this.drawn) this.out.write("\r\x1b[K");
    this.drawn = false;
  }

  private event(event: string, text: string, fields: Record<string, unknown>): void {
    if (this.mode === "none") return;
    if (this.mode === "json") {
      this.out.write(`${JSON.stringify({ time: new Date().toISOString(), event, ...fields })}\n`);
      return;
    }
    if (!text) return;
    if (this.mode === "tty") {
      // Only the start, gaps and the end are worth a permanent line on a terminal.
      if (event === "control_done" || event === "progress") return;
      this.clear();
    }
    this.out.write(`itgc-validate: ${text}\n`);
  }

  private elapsed(): string {
    return `${((Date.now() - this.started) / 1000).toFixed(1)}s`;
  }
}

export function createProgress(flags: ProgressFlags): Progress {
  return new Progress(progressMode(flags));
}
