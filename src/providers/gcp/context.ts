/** The context GCP query modules receive: the engine's QueryContext plus the run's hierarchy and call wrapper. */
import type { QueryContext, QueryDef } from "../../core/query.js";
import type { GcpCalls } from "./calls.js";
import type { GcpHierarchy, HierarchyNode } from "./hierarchy.js";

export interface GcpQueryContext extends QueryContext {
  gcp: {
    /** The scope's node: organizations/ID, folders/ID or projects/NUMBER. */
    node: HierarchyNode;
    hierarchy: GcpHierarchy;
    /** Every Google call goes through this (recording, replay, read-only guard). */
    calls: GcpCalls;
    /**
     * Once per run per key (single-flight): an ancestor's IAM policy serves every project below it.
     * Failures are remembered too, so every dependant sees the same error.
     */
    memo<T>(key: string, fn: () => Promise<T>): Promise<T>;
  };
}

export type GcpQueryDef = QueryDef<GcpQueryContext>;

/**
 * Permissions every GCP run needs to discover the hierarchy (searchOrganizations / getOrganization,
 * listFolders / getFolder, searchProjects / getProject, listProjects), whatever the controls: part of every query's list so
 * `itgc-validate permissions` prints them.
 */
export const HIERARCHY_PERMISSIONS = [
  "resourcemanager.organizations.get",
  "resourcemanager.folders.get",
  "resourcemanager.folders.list",
  "resourcemanager.projects.get",
  // listProjects: the independent count the project population is reconciled with (completeness).
  "resourcemanager.projects.list",
];

/** Declares a GCP query (typing helper). */
export function defineGcpQuery(def: Omit<GcpQueryDef, "provider">): GcpQueryDef {
  return {
    provider: "gcp",
    ...def,
    permissions: [...new Set([...HIERARCHY_PERMISSIONS, ...def.permissions])],
  };
}
