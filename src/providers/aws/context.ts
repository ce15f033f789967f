/** The context AWS query modules receive: the engine's QueryContext plus the account's SDK session. */
import type { QueryContext, QueryDef } from "../../core/query.js";
import type { AwsSession, ClientCtor } from "./session.js";

export interface AwsQueryContext extends QueryContext {
  aws: {
    accountId: string;
    /** The region of this scope (the home region for account-scoped queries). */
    region: string;
    homeRegion: string;
    partition: string;
    /**
     * The ARN this run acts as in this account (the caller's, or the member role assumed into it), for the
     * completeness check that the caller's own principal is in the principal population. Undefined when
     * unknown.
     */
    principal?: string;
    session: AwsSession;
    /** A client for this account, in this scope's region unless another is given. */
    client<T extends { middlewareStack: { use(p: unknown): void } }>(Ctor: ClientCtor<T>, region?: string): T;
  };
}

export type AwsQueryDef = QueryDef<AwsQueryContext>;

/** Declares an AWS query (typing helper). */
export function defineAwsQuery(def: Omit<AwsQueryDef, "provider">): AwsQueryDef {
  return { provider: "aws", ...def };
}
