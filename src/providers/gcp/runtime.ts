/**
 * The GCP side of a run: who the caller is, which organization(s), folders and projects are in scope, and
 * the context GCP queries run in. Scope kinds: `organization` (one per organization), `folder` (one per
 * folder) and `project` (one per active project); findings are reported against the organization id, folder
 * id or project id, in region "global". Live mode reaches Google through GcpConnection (ADC, impersonation,
 * endpoint override); replay mode answers every call from a recording and needs no credentials.
 */
import pLimit from "p-limit";
import { CallerIdentityError, errorMessage, InputError } from "../../core/errors.js";
import type { CallerIdentity, ProviderRunInfo, ProviderRuntime, TargetInfo } from "../../core/provider.js";
import type { QueryContext } from "../../core/query.js";
import type { CompletenessCheck, Scope, ScopeGap, ScopeKind } from "../../core/types.js";
import type { Recorder } from "../../recording/recorder.js";
import { type LoadedRecording, ReplayIndex } from "../../recording/store.js";
import { GcpCalls, GLOBAL_REGION } from "./calls.js";
import { GcpConnection, type GcpConnectionOptions } from "./connection.js";
import type { GcpQueryContext } from "./context.js";
import { GcpHierarchy, type HierarchyRequest, type NodeType } from "./hierarchy.js";
import { GcpAllowList, HIERARCHY_OPERATIONS } from "./read-only.js";

export interface GcpRuntimeOptions extends HierarchyRequest, GcpConnectionOptions {
  recorder: Recorder;
  /** Replay mode: answer from this recording instead of Google. */
  replay?: LoadedRecording;
  /** API calls in flight at once over the run. */
  concurrency?: number;
  /**
   * The `Client:method` operations the run's queries declare: the read-only allow-list (with the
   * hierarchy discovery calls added). Without it, any Google read method is allowed.
   */
  allowedOperations?: string[];
}

const KIND_TO_TYPE: Partial<Record<ScopeKind, NodeType>> = {
  organization: "organization",
  folder: "folder",
  project: "project",
};

export class GcpRuntime implements ProviderRuntime {
  readonly provider = "gcp" as const;
  readonly calls: GcpCalls;
  readonly hierarchy: GcpHierarchy;
  private readonly connection?: GcpConnection;
  private caller?: CallerIdentity;
  private readonly memos = new Map<string, Promise<unknown>>();
  private projectCheck?: Promise<CompletenessCheck>;

  constructor(private readonly opts: GcpRuntimeOptions) {
    this.connection = opts.replay ? undefined : new GcpConnection(opts);
    this.calls = new GcpCalls({
      recorder: opts.recorder,
      replay: opts.replay
        ? new ReplayIndex(opts.replay.calls.filter((c) => c.provider === "gcp"))
        : undefined,
      transport: this.connection,
      limit: pLimit(opts.concurrency ?? 16),
      ...(opts.allowedOperations
        ? { allow: new GcpAllowList([...opts.allowedOperations, ...HIERARCHY_OPERATIONS]) }
        : {}),
    });
    this.hierarchy = new GcpHierarchy(this.calls);
  }

  async init(): Promise<void> {
    let requested: HierarchyRequest = {
      organization: this.opts.organization,
      folders: this.opts.folders,
      projects: this.opts.projects,
    };
    let identity: { principal?: unknown; account?: string };
    try {
      // The scope asked for is recorded with the caller, so a replay of the evidence (re-performance)
      // covers the same organization / folders / projects without repeating the flags.
      const id = await this.calls.local("GoogleAuth", "getCallerIdentity", "caller", {}, async () => ({
        ...(await this.connection!.callerIdentity()),
        requestedScope: stripEmpty(requested),
      }));
      const recorded = (id as { requestedScope?: HierarchyRequest }).requestedScope;
      if (this.opts.replay && !hasScope(requested) && recorded) requested = recorded;
      identity = id;
    } catch (e) {
      if (e instanceof InputError) throw e;
      const hint = this.opts.replay
        ? "the recording has no GoogleAuth.getCallerIdentity answer"
        : "check Application Default Credentials (gcloud auth application-default login)";
      throw new InputError(`cannot establish the GCP caller identity: ${errorMessage(e)} (${hint})`);
    }
    this.caller = {
      provider: "gcp",
      principal: checkedPrincipal(identity),
      ...(identity.account ? { account: identity.account } : {}),
    };
    try {
      await this.hierarchy.discover(requested);
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError(`cannot resolve the GCP resource hierarchy: ${errorMessage(e)}`);
    }
    const h = this.hierarchy;
    if (h.organizations.length === 0 && h.projects.length === 0 && h.folders.length === 0) {
      throw new InputError(
        "no GCP organization, folder or project is in scope: the caller sees no organization " +
          "(resourcemanager.organizations.get); name one with --organization, --folder or --project",
      );
    }
  }

  async resolveScopes(kind: ScopeKind): Promise<{ scopes: Scope[]; gaps: ScopeGap[] }> {
    const gaps = [...this.hierarchy.gaps];
    const h = this.hierarchy;
    if (kind === "organization") {
      const orgs = new Set(h.organizations);
      // --folder / --project runs: the organization above them, when it could be read.
      for (const n of [...h.folders, ...h.projects]) {
        const org = h.organizationOf(n);
        if (org) orgs.add(org.name);
      }
      if (orgs.size === 0)
        gaps.push({
          provider: "gcp",
          unit: "-",
          reason: "no organization is visible above the projects in scope",
        });
      return { scopes: [...orgs].map((n) => this.scope(kind, h.nodes.get(n)!.unit)), gaps };
    }
    if (kind === "folder")
      return { scopes: h.folders.map((n) => this.scope(kind, h.nodes.get(n)!.unit)), gaps };
    if (kind === "project")
      return { scopes: h.projects.map((n) => this.scope(kind, h.nodes.get(n)!.unit)), gaps };
    return { scopes: [], gaps: [{ provider: "gcp", unit: "-", reason: `GCP has no ${kind} scope` }] };
  }

  contextFor(scope: Scope, base: QueryContext): GcpQueryContext {
    const type = KIND_TO_TYPE[scope.kind];
    const node = type ? this.hierarchy.byUnit(type, scope.unit) : undefined;
    if (!node) throw new Error(`${scope.kind} ${scope.unit} is not in this run's GCP scope`);
    return {
      ...base,
      gcp: {
        node,
        hierarchy: this.hierarchy,
        calls: this.calls,
        memo: <T>(key: string, fn: () => Promise<T>) => {
          let p = this.memos.get(key) as Promise<T> | undefined;
          if (!p) {
            p = fn();
            this.memos.set(key, p);
          }
          return p;
        },
      },
    };
  }

  relatedScope(from: Scope, kind: ScopeKind): Scope {
    if (kind === from.kind) return from;
    if (kind === "organization") {
      const type = KIND_TO_TYPE[from.kind];
      const node = type ? this.hierarchy.byUnit(type, from.unit) : undefined;
      const org = node ? this.hierarchy.organizationOf(node.name) : undefined;
      if (!org) throw new Error(`no organization is known above ${from.kind} ${from.unit}`);
      return this.scope("organization", org.unit);
    }
    throw new Error(`a ${kind}-scoped query cannot be asked from ${from.kind} ${from.unit}`);
  }

  /**
   * The project population's completeness test (GcpHierarchy.projectCompleteness), once per run, for every
   * project-scoped control; reported against the organization (or "caller" when none is in scope).
   */
  async scopeCompleteness(kind: ScopeKind): Promise<{ unit: string; check: CompletenessCheck }[]> {
    if (kind !== "project") return [];
    this.projectCheck ??= this.hierarchy.projectCompleteness();
    const orgs = this.hierarchy.organizations.map((n) => this.hierarchy.nodes.get(n)!.unit);
    return [{ unit: orgs.length === 1 ? orgs[0]! : "caller", check: await this.projectCheck }];
  }

  async regionsOf(): Promise<string[]> {
    return [GLOBAL_REGION];
  }

  describe(): ProviderRunInfo {
    const h = this.hierarchy;
    const targets: TargetInfo[] = [...h.organizations, ...h.projects].map((n) => {
      const node = h.nodes.get(n)!;
      return {
        provider: "gcp",
        unit: node.unit,
        ...(node.displayName ? { name: node.displayName } : {}),
        regions: [GLOBAL_REGION],
      };
    });
    return { provider: "gcp", caller: this.caller, targets, gaps: h.gaps };
  }

  private scope(kind: ScopeKind, unit: string): Scope {
    return { provider: "gcp", kind, unit, region: GLOBAL_REGION, key: `gcp:${kind}:${unit}` };
  }
}

/**
 * The caller's principal, or CallerIdentityError (exit 3): a Google identity answer without a principal (or
 * with the "unknown" stand-in when no token info could be read) is never used as the run's identity.
 */
export function checkedPrincipal(id: { principal?: unknown }): string {
  const p = id.principal;
  if (typeof p !== "string" || p.trim() === "" || p.startsWith("unknown"))
    throw new CallerIdentityError(
      `the Google caller identity has no principal (${p === undefined ? "missing" : JSON.stringify(p)}); nothing was evaluated`,
    );
  return p;
}

function hasScope(r: HierarchyRequest): boolean {
  return Boolean(r.organization || r.folders?.length || r.projects?.length);
}

function stripEmpty(r: HierarchyRequest): HierarchyRequest {
  return {
    ...(r.organization ? { organization: r.organization } : {}),
    ...(r.folders?.length ? { folders: r.folders } : {}),
    ...(r.projects?.length ? { projects: r.projects } : {}),
  };
}
