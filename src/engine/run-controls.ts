/**
 * Plans and executes a run: for every selected control, resolve the scopes its query needs, fetch each
 * (query, scope, params) once through the cache, and evaluate. Controls run concurrently; the number of
 * API calls in flight is bounded by the provider clients, not here.
 */

import { errorMessage } from "../core/errors.js";
import { type Period, resolvePeriod } from "../core/period.js";
import type { ProviderRunInfo, ProviderRuntime } from "../core/provider.js";
import type { QueryContext } from "../core/query.js";
import type { Control, ControlResult, Row, Scope, ScopeKind } from "../core/types.js";
import { getQuery } from "../queries/registry.js";
import { QueryCache } from "./cache.js";
import { compileControl, evaluateControl, type ScopeRows } from "./evaluate.js";
import { effectiveParams, type ParamOverrides } from "./params.js";

export interface RunObserver {
  /** After the providers resolved the caller and the units in scope, before any control runs. */
  onRunStart?(info: {
    providers: ProviderRunInfo[];
    controls: number;
    /** Live provider status lines (e.g. GitHub's remaining rate-limit budget), read on every redraw. */
    status?: () => string[];
  }): void;
  onQueryStart?(queryId: string, scope: Scope): void;
  onQueryEnd?(queryId: string, scope: Scope, error?: unknown): void;
  onControlDone?(result: ControlResult): void;
}

export interface RunControlsOptions {
  controls: Control[];
  runtimes: ProviderRuntime[];
  overrides?: ParamOverrides;
  now: Date;
  /** The audit period event queries fetch and CEL sees as `period`; defaults to the 90 days before `now`. */
  period?: Period;
  observer?: RunObserver;
  cache?: QueryCache;
}

export class QueryExecutor {
  constructor(
    private readonly runtimes: Map<string, ProviderRuntime>,
    private readonly cache: QueryCache,
    private readonly now: Date,
    private readonly period: Period,
    private readonly observer?: RunObserver,
  ) {}

  runtime(provider: string): ProviderRuntime {
    const rt = this.runtimes.get(provider);
    if (!rt) throw new Error(`no ${provider} runtime in this run (select it with --provider)`);
    return rt;
  }

  /** Rows of `queryId` at `scope`, fetched at most once per run. */
  rows(queryId: string, scope: Scope, params: Record<string, unknown>): Promise<Row[]> {
    const def = getQuery(queryId);
    if (!def) return Promise.reject(new Error(`unknown query ${queryId}`));
    return this.cache.get(queryId, scope, params, async () => {
      this.observer?.onQueryStart?.(queryId, scope);
      try {
        const rows = await def.fetch(this.context(scope), params);
        this.observer?.onQueryEnd?.(queryId, scope);
        return rows;
      } catch (e) {
        this.observer?.onQueryEnd?.(queryId, scope, e);
        throw e;
      }
    });
  }

  private context(scope: Scope): QueryContext {
    const runtime = this.runtime(scope.provider);
    const base: QueryContext = {
      scope,
      now: this.now,
      period: this.period,
      query: (id, params = {}, at) => {
        const dep = getQuery(id);
        if (!dep) return Promise.reject(new Error(`unknown query ${id}`));
        const kind: ScopeKind = dep.scope;
        return this.rows(id, runtime.relatedScope(scope, kind, at?.region), params);
      },
      regions: () => runtime.regionsOf(scope.unit),
    };
    return runtime.contextFor(scope, base);
  }
}

export async function runControls(
  opts: RunControlsOptions,
): Promise<{ results: ControlResult[]; cache: QueryCache }> {
  const cache = opts.cache ?? new QueryCache();
  const runtimes = new Map(opts.runtimes.map((r) => [r.provider, r]));
  const period = opts.period ?? resolvePeriod(undefined, opts.now);
  const executor = new QueryExecutor(runtimes, cache, opts.now, period, opts.observer);
  const results = await Promise.all(
    opts.controls.map(async (control) => {
      const result = await runOne(control, executor, runtimes, { ...opts, period });
      opts.observer?.onControlDone?.(result);
      return result;
    }),
  );
  return { results, cache };
}

async function runOne(
  control: Control,
  executor: QueryExecutor,
  runtimes: Map<string, ProviderRuntime>,
  opts: RunControlsOptions & { period: Period },
): Promise<ControlResult> {
  const params = effectiveParams(control, opts.overrides ?? {});
  const compiled = compileControl(control);
  const def = getQuery(control.query);
  const runtime = runtimes.get(control.provider);
  const scopes: ScopeRows[] = [];
  if (!def || !runtime) {
    scopes.push({
      account: "-",
      region: "-",
      error: !def ? `unknown query ${control.query}` : `no ${control.provider} runtime`,
    });
  } else {
    const resolution = await runtime.resolveScopes(def.scope);
    if (resolution.scopes.length === 0 && resolution.gaps.length === 0) {
      // Nothing to ask at all (no region enabled, no project visible): an empty population here would read as
      // `pass` without a single API answer behind it. Fail closed.
      scopes.push({ account: "-", region: "-", error: `nothing in scope for a ${def.scope}-level query` });
    }
    for (const gap of resolution.gaps) {
      scopes.push({ account: gap.unit, region: gap.region ?? "global", error: `not covered: ${gap.reason}` });
    }
    await Promise.all(
      resolution.scopes.map(async (scope) => {
        try {
          const rows = await executor.rows(control.query, scope, control.query_params);
          scopes.push({ account: scope.unit, region: scope.region, rows });
        } catch (e) {
          scopes.push({ account: scope.unit, region: scope.region, error: describeError(e) });
        }
      }),
    );
  }
  // Scopes finish in any order; sort so results are deterministic (re-performance compares them).
  scopes.sort((a, b) => `${a.account}|${a.region}`.localeCompare(`${b.account}|${b.region}`));
  return evaluateControl({ compiled, params, scopes, now: opts.now, period: opts.period });
}

function describeError(e: unknown): string {
  const name = (e as { name?: string }).name;
  const msg = errorMessage(e);
  return name && name !== "Error" && !msg.includes(name) ? `${name}: ${msg}` : msg;
}
