/**
 * The primary rate-limit budget of a run: GitHub allows a token 5,000 REST requests an hour (an App
 * installation more) and says what is left in every answer (`x-ratelimit-remaining`, `-limit`, `-reset`,
 * `-resource`). The budget keeps the latest figures for the `core` resource and refuses to send another
 * request once only the reserve is left, so a run over a large organization stops cleanly — the controls
 * still waiting are `error` (the budget is named), the evidence gathered so far is kept — instead of
 * sleeping for up to an hour or failing half-way through a page sequence.
 */
import { GitHubBudgetExhausted } from "./errors.js";

export interface RateSnapshot {
  limit: number;
  remaining: number;
  /** When the window resets. */
  reset: Date;
  resource: string;
}

export class RateBudget {
  private latest?: RateSnapshot;
  /** Requests sent by this run (every attempt, as GitHub counts them). */
  used = 0;

  constructor(private readonly reserve: number) {}

  /** Reads the rate-limit headers of an answer (live or replayed). */
  observe(headers: Record<string, unknown> | undefined): void {
    if (!headers) return;
    const remaining = Number(headers["x-ratelimit-remaining"]);
    const limit = Number(headers["x-ratelimit-limit"]);
    const reset = Number(headers["x-ratelimit-reset"]);
    const resource = String(headers["x-ratelimit-resource"] ?? "core");
    if (resource !== "core" || !Number.isFinite(remaining) || !Number.isFinite(limit)) return;
    this.latest = {
      limit,
      remaining,
      reset: new Date((Number.isFinite(reset) ? reset : 0) * 1000),
      resource,
    };
  }

  /** Throws GitHubBudgetExhausted when sending one more request would eat into the reserve. */
  check(now: Date = new Date()): void {
    const s = this.latest;
    if (!s || s.reset.getTime() <= now.getTime()) return;
    if (s.remaining <= this.reserve)
      throw new GitHubBudgetExhausted(
        `GitHub rate-limit budget exhausted: ${s.remaining} of ${s.limit} requests left until ${s.reset.toISOString()}, ` +
          `and the run keeps ${this.reserve} in reserve (--github-reserve); run again after the reset, or select fewer controls or repositories`,
      );
  }

  snapshot(): RateSnapshot | undefined {
    return this.latest ? { ...this.latest } : undefined;
  }

  /** One line for the progress display. */
  status(): string | undefined {
    const s = this.latest;
    if (!s) return undefined;
    const hhmm = s.reset.toISOString().slice(11, 16);
    return `github budget ${s.remaining}/${s.limit} (resets ${hhmm}Z)`;
  }
}
