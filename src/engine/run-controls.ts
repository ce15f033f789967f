/**
 * Plans and executes a run: for every selected control, resolve the scopes its query needs, fetch each
 * (query, scope, params) once through the cache, and evaluate each scope as its rows arrive. Controls run
 * concurrently; the top-level fetches in flight are bounded per provider and admitted account by account
 * (admission.ts), the API calls in flight by the provider clients. A cached result is dropped once nothing
 * in the run can read it again (release-plan.ts), so memory follows the fetches in flight and the results,
 * not every answer of the run.
 */

import { errorMessage } from "../core/errors.js";
import { type Period, resolvePeriod } from "../core/period.js";
import type { ProviderRunInfo, ProviderRuntime } from "../core/provider.js";
import {
  type LinkedResult,
  type NormalisedResult,
  normaliseResult,
  type QueryContext,
  type QueryDef,
  queryParamsFor,
  type RowSink,
} from "../core/query.js";
import type {
  CompletenessCheck,
  Control,
  ControlResult,
  QueryProblem,
  Row,
  Scope,
  ScopeKind,
} from "../core/types.js";
import { allQueries, getQuery } from "../queries/registry.js";
import { DEFAULT_FETCHES_IN_FLIGHT, FetchAdmission } from "./admission.js";
import { cacheKey, QueryCache } from "./cache.js";
import { ControlEvaluation, compileControl, type UnitCheck } from "./evaluate.js";
import { effectiveParams, type ParamOverrides } from "./params.js";
import type { PopulationSink } from "./population-store.js";
import { ReleasePlan } from "./release-plan.js";

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

/** Where the engine finds queries: the registry, or a test's own set. */
export interface QueryLookup {
  // biome-ignore lint/suspicious/noExplicitAny: each query narrows the context to its provider's
  get(id: string): QueryDef<any> | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: idem
  all(): QueryDef<any>[];
}

const REGISTRY: QueryLookup = { get: getQuery, all: allQueries };

export interface RunControlsOptions {
  controls: Control[];
  runtimes: ProviderRuntime[];
  overrides?: ParamOverrides;
  now: Date;
  /** The audit period event queries fetch and CEL sees as `period`; defaults to the 90 days before `now`. */
  period?: Period;
  observer?: RunObserver;
  cache?: QueryCache;
  /** Top-level (query, scope) fetches in flight per provider (default DEFAULT_FETCHES_IN_FLIGHT). */
  fetchesInFlight?: number;
  /** Drop cached results nothing will read again (default true; off only to compare memory). */
  releaseResults?: boolean;
  /**
   * Deliver a streaming query's pages straight into its one reader's evaluation (default true; needs the
   * release plan; off only to compare against the materialised rows).
   */
  streamResults?: boolean;
  /** The queries (default: the registry). */
  queries?: QueryLookup;
  /**
   * Where each control's population goes as it is evaluated (a run that writes a bundle; see
   * population-store.ts); without it, results hold their findings and items in memory.
   */
  populationSink?: (control: Control) => PopulationSink | undefined;
}

export class QueryExecutor {
  constructor(
    private readonly runtimes: Map<string, ProviderRuntime>,
    private readonly cache: QueryCache,
    private readonly now: Date,
    private readonly period: Period,
    private readonly observer?: RunObserver,
    private readonly plan?: ReleasePlan,
    readonly queries: QueryLookup = REGISTRY,
  ) {}

  /** Another provider's query over every unit that provider covers in this run (see linkedAcross). */
  linked(id: string, params: Record<string, unknown>): Promise<LinkedResult | undefined> {
    return linkedAcross(this, this.runtimes, id, params);
  }

  runtime(provider: string): ProviderRuntime {
    const rt = this.runtimes.get(provider);
    if (!rt) throw new Error(`no ${provider} runtime in this run (select it with --provider)`);
    return rt;
  }

  /** Rows of `queryId` at `scope`, fetched at most once per run. */
  async rows(queryId: string, scope: Scope, params: Record<string, unknown>): Promise<Row[]> {
    return (await this.result(queryId, scope, params)).rows;
  }

  /** Rows, problems and completeness checks of `queryId` at `scope`, fetched at most once per run. */
  result(
    queryId: string,
    scope: Scope,
    params: Record<string, unknown>,
    key = cacheKey(queryId, scope, params),
  ): Promise<NormalisedResult> {
    const def = this.queries.get(queryId);
    if (!def) return Promise.reject(new Error(`unknown query ${queryId}`));
    return this.cache.getKeyed(key, async () => {
      this.plan?.fetchStarted(key, queryId);
      this.observer?.onQueryStart?.(queryId, scope);
      try {
        const inherited = { problems: [] as QueryProblem[], completeness: [] as CompletenessCheck[] };
        const answer = normaliseResult(await def.fetch(this.context(scope, def, inherited), params));
        this.observer?.onQueryEnd?.(queryId, scope);
        return {
          rows: answer.rows,
          problems: [...inherited.problems, ...answer.problems],
          completeness: dedupeChecks([...inherited.completeness, ...answer.completeness]),
        };
      } catch (e) {
        this.observer?.onQueryEnd?.(queryId, scope, e);
        throw e;
      } finally {
        // Whoever awaits this entry already holds its promise; the plan releases it only when no one else
        // can ask (the fetch's own readers are still planned or running).
        this.plan?.fetchSettled(key, queryId);
      }
    });
  }

  /**
   * The dependency reads a fetch of `def` at `scope` will make (its asksFor), by cache key; undefined when
   * they cannot be named (then its dependencies are never streamed).
   */
  dependencyKeys(
    // biome-ignore lint/suspicious/noExplicitAny: each query narrows the context to its provider's
    def: QueryDef<any>,
    scope: Scope,
    params: Record<string, unknown>,
  ): DependencyKey[] | undefined {
    if (!def.asksFor) return (def.uses ?? []).length === 0 ? [] : undefined;
    try {
      const runtime = this.runtime(scope.provider);
      return def.asksFor(params).map(({ id, params: p }) => {
        const dep = this.queries.get(id);
        if (!dep || !(def.uses ?? []).includes(id)) throw new Error(`${def.id} asks ${id}`);
        return { key: cacheKey(id, runtime.relatedScope(scope, dep.scope), p), queryId: id };
      });
    } catch {
      return undefined;
    }
  }

  /**
   * `queryId` at `scope` delivered to `sink` batch by batch (QueryDef.stream), for a key the plan found
   * streamable (release-plan.ts): the key is claimed in the cache (one miss, and any other request for it is
   * refused), the dependency keys in `deps` are streamed into the fetch as it asks them (the plan's
   * streamableDependencies; any other dependency is read through the cache). Resolves to the
   * problems and completeness checks once every batch was delivered; rejects when any page failed.
   */
  streamResult(
    queryId: string,
    scope: Scope,
    params: Record<string, unknown>,
    key: string,
    deps: readonly string[],
    sink: RowSink,
  ): Promise<Omit<NormalisedResult, "rows">> {
    const def = this.queries.get(queryId);
    if (!def?.stream || !this.cache.claimStream(key))
      return Promise.reject(new Error(`internal error: ${key} cannot be streamed`));
    return this.runStream(def, scope, key, params, sink, new Set(deps));
  }

  private async runStream(
    // biome-ignore lint/suspicious/noExplicitAny: idem
    def: QueryDef<any>,
    scope: Scope,
    key: string,
    params: Record<string, unknown>,
    sink: RowSink,
    streamedDeps: ReadonlySet<string>,
  ): Promise<Omit<NormalisedResult, "rows">> {
    const queryId = def.id;
    this.plan?.fetchStarted(key, queryId);
    this.observer?.onQueryStart?.(queryId, scope);
    try {
      const inherited = { problems: [] as QueryProblem[], completeness: [] as CompletenessCheck[] };
      const end = await def.stream!(this.context(scope, def, inherited, streamedDeps), params, sink);
      this.observer?.onQueryEnd?.(queryId, scope);
      return {
        problems: [...inherited.problems, ...(end.problems ?? [])],
        completeness: dedupeChecks([...inherited.completeness, ...(end.completeness ?? [])]),
      };
    } catch (e) {
      this.observer?.onQueryEnd?.(queryId, scope, e);
      throw e;
    } finally {
      this.plan?.fetchSettled(key, queryId);
    }
  }

  /** True when the entry `key` is in flight or cached (a request for it needs no fetch slot). */
  started(key: string): boolean {
    return this.cache.has(key);
  }

  /**
   * The context of one fetch. Dependencies asked through `ctx.query` hand their problems and completeness
   * checks to `inherited`, so a derived query can never drop them by accident; `ctx.queryResult` hands the
   * problems to the caller to map onto its own rows (completeness is inherited either way). A query may only
   * ask the queries it declares in `uses`: their calls are what the read-only allow-list was built from.
   */
  private context(
    scope: Scope,
    asking: { id: string; uses?: string[]; links?: string[] },
    inherited: { problems: QueryProblem[]; completeness: CompletenessCheck[] },
    /** Dependency keys this fetch may stream (it is itself streamed, and the plan proved them unshared). */
    streamedDeps: ReadonlySet<string> = new Set(),
  ): QueryContext {
    const runtime = this.runtime(scope.provider);
    const resolve = (id: string, where?: { region?: string; unit?: string }) => {
      const dep = this.queries.get(id);
      if (!dep) throw new Error(`unknown query ${id}`);
      if (!(asking.uses ?? []).includes(id))
        throw new Error(`query ${asking.id} asks ${id} without declaring it in uses`);
      const kind: ScopeKind = dep.scope;
      // relatedScope throws when `where.unit` is not in the run's scope: a rejection of this dependency.
      return { dep, at: runtime.relatedScope(scope, kind, where?.region, where?.unit) };
    };
    // A problem of a region-scoped dependency is about that region, seen from an account-level query.
    const located = (problems: QueryProblem[], at: Scope) =>
      problems.map((p) =>
        at.kind === "region" && at.region !== scope.region && !p.region ? { ...p, region: at.region } : p,
      );
    const dependency = async (
      id: string,
      params: Record<string, unknown>,
      where?: { region?: string; unit?: string },
    ) => {
      const { at } = resolve(id, where);
      const result = await this.result(id, at, params);
      inherited.completeness.push(...result.completeness);
      return { ...result, problems: located(result.problems, at) };
    };
    const query = async (
      id: string,
      params: Record<string, unknown> = {},
      at?: { region?: string; unit?: string },
    ) => {
      const result = await dependency(id, params, at);
      // Inherited unchanged in meaning, widened in scope: a dependency's item / members / field problem is
      // described in the dependency's row shape, which this query's controls do not read, so it becomes a
      // problem of the whole query (at the same region). A query that can do better maps them itself.
      inherited.problems.push(...result.problems.map(widened));
      return result.rows;
    };
    const base: QueryContext = {
      scope,
      now: this.now,
      period: this.period,
      query,
      queryBatches: async (id, params, onBatch) => {
        const { dep, at } = resolve(id);
        const key = cacheKey(id, at, params);
        if (!dep.stream || !streamedDeps.has(key) || !this.cache.claimStream(key)) {
          onBatch(await query(id, params));
          return;
        }
        let last = -Infinity;
        const end = await this.runStream(
          dep,
          at,
          key,
          params,
          {
            rows: (batch, rank) => {
              // Handed on as they come, so they must come in the dependency's result order.
              if (rank < last) throw new Error(`internal error: ${id} streamed a batch out of its order`);
              last = rank;
              onBatch(batch);
            },
          },
          new Set(),
        );
        inherited.completeness.push(...end.completeness);
        inherited.problems.push(...located(end.problems, at).map(widened));
      },
      queryResult: (id, params = {}, at) => dependency(id, params, at),
      regions: () => runtime.regionsOf(scope.unit),
      linked: (id, params = {}) => {
        if (!(asking.links ?? []).includes(id))
          return Promise.reject(new Error(`query ${asking.id} links ${id} without declaring it in links`));
        return this.linked(id, params);
      },
    };
    return runtime.contextFor(scope, base);
  }
}

/**
 * A query of another provider over every unit it covers in this run, or undefined when that provider is not
 * in the run. Each unit is fetched through the cache (shared with that provider's own controls); a scope gap,
 * a failed fetch or any problem of the linked query leaves that unit `failed`, never silently complete.
 */
async function linkedAcross(
  executor: QueryExecutor,
  runtimes: Map<string, ProviderRuntime>,
  id: string,
  params: Record<string, unknown>,
): Promise<LinkedResult | undefined> {
  const def = executor.queries.get(id);
  if (!def) throw new Error(`unknown query ${id}`);
  const runtime = runtimes.get(def.provider);
  if (!runtime) return undefined;
  const { scopes, gaps } = await runtime.resolveScopes(def.scope);
  const out: LinkedResult = {
    units: [],
    failed: gaps.map((g) => ({ unit: g.unit, reason: `not covered: ${g.reason}` })),
  };
  await Promise.all(
    scopes.map(async (s) => {
      try {
        const r = await executor.result(id, s, params);
        if (r.problems.length > 0)
          out.failed.push({ unit: s.unit, reason: r.problems.map((p) => p.message).join("; ") });
        else out.units.push({ unit: s.unit, rows: r.rows });
      } catch (e) {
        out.failed.push({ unit: s.unit, reason: describeError(e) });
      }
    }),
  );
  out.units.sort((a, b) => a.unit.localeCompare(b.unit));
  out.failed.sort((a, b) => a.unit.localeCompare(b.unit));
  return out;
}

/** A dependency's problem as a problem of the whole dependent query (its region kept). */
function widened(p: QueryProblem): QueryProblem {
  return { message: p.message, ...(p.region ? { region: p.region } : {}) };
}

/** The same check reached through two dependencies (e.g. the account summary) is recorded once. */
function dedupeChecks(checks: CompletenessCheck[]): CompletenessCheck[] {
  const seen = new Set<string>();
  return checks.filter((c) => {
    const key = JSON.stringify([c.population, c.source, c.reference, c.found, c.expected, c.detail]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A dependency read named by cache key (QueryExecutor.dependencyKeys). */
export interface DependencyKey {
  key: string;
  queryId: string;
}

export interface RunControlsResult {
  results: ControlResult[];
  cache: QueryCache;
}

export async function runControls(opts: RunControlsOptions): Promise<RunControlsResult> {
  const cache = opts.cache ?? new QueryCache();
  const runtimes = new Map(opts.runtimes.map((r) => [r.provider, r]));
  const period = opts.period ?? resolvePeriod(undefined, opts.now);
  const queries = opts.queries ?? REGISTRY;
  const plan = opts.releaseResults === false ? undefined : new ReleasePlan(cache, queries.all());
  const executor = new QueryExecutor(runtimes, cache, opts.now, period, opts.observer, plan, queries);
  const admissions = new Map<string, FetchAdmission>();
  const admission = (provider: string) => {
    let a = admissions.get(provider);
    if (!a) {
      a = new FetchAdmission(
        opts.fetchesInFlight ??
          runtimes.get(provider as ProviderRuntime["provider"])?.fetchesInFlight ??
          DEFAULT_FETCHES_IN_FLIGHT,
      );
      admissions.set(provider, a);
    }
    return a;
  };
  // Every control plans its reads (resolves its scopes) before any result may be released.
  let planning = opts.controls.length;
  const planned = () => {
    if (--planning === 0) plan?.planned();
  };
  if (planning === 0) plan?.planned();
  const run = { ...opts, period, executor, runtimes, plan, admission, planned };
  const results = await Promise.all(
    opts.controls.map(async (control) => {
      const result = await runOne(control, run);
      opts.observer?.onControlDone?.(result);
      return result;
    }),
  );
  return { results, cache };
}

interface RunState extends Omit<RunControlsOptions, "runtimes"> {
  period: Period;
  executor: QueryExecutor;
  runtimes: Map<string, ProviderRuntime>;
  plan?: ReleasePlan;
  admission: (provider: string) => FetchAdmission;
  /** This control has planned its reads (called exactly once per control). */
  planned: () => void;
}

async function runOne(control: Control, run: RunState): Promise<ControlResult> {
  const { executor, runtimes, plan } = run;
  let planned = false;
  const donePlanning = () => {
    if (!planned) {
      planned = true;
      run.planned();
    }
  };
  try {
    const params = effectiveParams(control, run.overrides ?? {});
    const compiled = compileControl(control);
    const def = executor.queries.get(control.query);
    const runtime = runtimes.get(control.provider);
    const sink = run.populationSink?.(control);
    const evaluation = new ControlEvaluation({
      compiled,
      params,
      now: run.now,
      period: run.period,
      ...(sink ? { sink } : {}),
    });
    /** Which scopes answered (for the region completeness check), without their rows. */
    const answered: { account: string; region: string; answered: boolean }[] = [];
    if (!def || !runtime) {
      donePlanning();
      evaluation.addScope({
        account: "-",
        region: "-",
        error: !def ? `unknown query ${control.query}` : `no ${control.provider} runtime`,
      });
      return evaluation.finish([]);
    }
    const resolution = await runtime.resolveScopes(def.scope);
    if (resolution.scopes.length === 0 && resolution.gaps.length === 0) {
      // Nothing to ask at all (no region enabled, no project visible): an empty population here would read as
      // `pass` without a single API answer behind it. Fail closed.
      evaluation.addScope({
        account: "-",
        region: "-",
        error: `nothing in scope for a ${def.scope}-level query`,
      });
    }
    for (const gap of resolution.gaps) {
      const region = gap.region ?? "global";
      evaluation.addScope({ account: gap.unit, region, error: `not covered: ${gap.reason}` });
      answered.push({ account: gap.unit, region, answered: false });
    }
    const queryParams = queryParamsFor(def, control.query_params, params.values);
    const keys = resolution.scopes.map((scope) => cacheKey(control.query, scope, queryParams));
    // A query that can stream, read by a control without population assertions (those need a unit's rows
    // together): each scope may be evaluated page by page when the plan proves this control its one reader.
    const canStream = !!def.stream && !!plan && run.streamResults !== false && compiled.assert.length === 0;
    // Every planned read names the dependencies its fetch will ask (streamed or not): a dependency is only
    // streamed into one read when no other read of the run will ask it.
    const depKeys = resolution.scopes.map((scope) =>
      plan ? executor.dependencyKeys(def, scope, queryParams) : undefined,
    );
    for (const [i, key] of keys.entries())
      plan?.expect(
        key,
        control.query,
        depKeys[i]?.map((d) => d.key),
      );
    donePlanning();
    if (canStream) await plan.whenPlanned;
    const admission = run.admission(control.provider);
    // A fetch paced by a documented request rate (LookupEvents' 2/s per account and region) waits on its
    // rate, not on call slots: admitted against the bound, 200 account-regions would list in waves of 128
    // and take twice the time the rate allows. It starts at once.
    const paced = runtime.paced?.(callsOf(def.id, executor.queries)) ?? false;
    await Promise.all(
      resolution.scopes.map(async (scope, i) => {
        // Page by page into the evaluation: a failure after some pages fails the whole scope (none of its
        // findings count), as a failed fetch does.
        const streamScope = async (deps: readonly string[]) => {
          const rows = evaluation.openScope(scope.unit, scope.region);
          const stream = () =>
            executor.streamResult(control.query, scope, queryParams, keys[i]!, deps, {
              rows: (batch, rank) => rows.batch(batch, rank),
            });
          try {
            const end = paced
              ? await stream()
              : await admission.admit({ unit: scope.unit }, () => ({ holdsSlot: true, fetch: stream() }));
            rows.close(end);
            answered.push({ account: scope.unit, region: scope.region, answered: true });
          } catch (e) {
            rows.fail(describeError(e));
            answered.push({ account: scope.unit, region: scope.region, answered: false });
          }
        };
        try {
          const deps = depKeys[i];
          if (canStream && deps && plan.streamable(keys[i]!, control.query)) {
            await streamScope(plan.streamableDependencies(control.query, deps));
            return;
          }
          const fetch = () => executor.result(control.query, scope, queryParams, keys[i]!);
          const { rows, problems, completeness } = paced
            ? await fetch()
            : await admission.admit({ unit: scope.unit }, () => ({
                holdsSlot: !executor.started(keys[i]!),
                fetch: fetch(),
              }));
          // Evaluated now, so the rows can go as soon as the plan allows (not when every scope is in).
          evaluation.addScope({ account: scope.unit, region: scope.region, rows, problems, completeness });
          answered.push({ account: scope.unit, region: scope.region, answered: true });
        } catch (e) {
          evaluation.addScope({ account: scope.unit, region: scope.region, error: describeError(e) });
          answered.push({ account: scope.unit, region: scope.region, answered: false });
        } finally {
          plan?.consumed(keys[i]!);
        }
      }),
    );
    // In (account, region) order, as the scopes are listed in the result.
    answered.sort((a, b) => `${a.account}|${a.region}`.localeCompare(`${b.account}|${b.region}`));
    const checks = await scopeChecks(runtime, def.scope, answered);
    return evaluation.finish(checks);
  } finally {
    donePlanning();
  }
}

/** The API calls a query may make: its own and those of the queries it uses, transitively. */
function callsOf(id: string, queries: QueryLookup, seen = new Set<string>()): string[] {
  if (seen.has(id)) return [];
  seen.add(id);
  const def = queries.get(id);
  if (!def) return [];
  return [...def.calls, ...(def.uses ?? []).flatMap((u) => callsOf(u, queries, seen))];
}

/** The completeness tests of the control's scopes: regions (per unit) and the scopes themselves (projects). */
/** A scope of the control and whether its query answered. */
interface ScopeAnswer {
  account: string;
  region: string;
  answered: boolean;
}

async function scopeChecks(
  runtime: ProviderRuntime,
  kind: ScopeKind,
  scopes: ScopeAnswer[],
): Promise<UnitCheck[]> {
  const own = runtime.scopeCompleteness
    ? (await runtime.scopeCompleteness(kind)).map(({ unit, check }) => ({
        account: unit,
        region: "global",
        check,
      }))
    : [];
  return [...(kind === "region" ? await regionChecks(runtime, scopes) : []), ...own];
}

/** Regions covered vs regions in scope, per unit that had any region scope (see regionCompleteness). */
async function regionChecks(runtime: ProviderRuntime, scopes: ScopeAnswer[]): Promise<UnitCheck[]> {
  if (!runtime.regionCompleteness) return [];
  const units = [
    ...new Set(scopes.filter((s) => s.region !== "-" && s.region !== "global").map((s) => s.account)),
  ];
  return Promise.all(
    units.map(async (unit) => {
      const covered = scopes.filter((s) => s.account === unit && s.answered).map((s) => s.region);
      return { account: unit, region: "global", check: await runtime.regionCompleteness!(unit, covered) };
    }),
  );
}

function describeError(e: unknown): string {
  const name = (e as { name?: string }).name;
  const msg = errorMessage(e);
  return name && name !== "Error" && !msg.includes(name) ? `${name}: ${msg}` : msg;
}
