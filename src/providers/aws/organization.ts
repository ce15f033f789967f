/**
 * AWS Organizations fan-out: list the organization's accounts (from the management account or a delegated
 * administrator), choose the ones in scope (--accounts, --exclude-accounts, --shard), and name the role to
 * assume in each (--member-role).
 */
import { createHash } from "node:crypto";
import { paginate } from "../../util/paginate.js";
import type { Shard } from "./defaults.js";
import { ListAccountsCommand, OrganizationsClient } from "./sdk/client-organizations.js";
import type { AwsSession } from "./session.js";

export { DEFAULT_MEMBER_ROLE, parseShard, type Shard } from "./defaults.js";

export interface OrgAccount {
  id: string;
  name?: string;
  /** ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED (State, or the older Status field). */
  state: string;
}

/** Organizations is a global service served from one region per partition. */
export function organizationsRegion(partition: string): string {
  if (partition === "aws-cn") return "cn-northwest-1";
  if (partition === "aws-us-gov") return "us-gov-west-1";
  return "us-east-1";
}

/** Every account of the organization, every page of ListAccounts. */
export async function listOrganizationAccounts(session: AwsSession, region: string): Promise<OrgAccount[]> {
  const client = session.client(OrganizationsClient, region);
  const out: OrgAccount[] = [];
  const pages = await paginate(
    (token) => client.send(new ListAccountsCommand(token ? { NextToken: token } : {})),
    (page) => page.NextToken,
    "Organizations:ListAccounts",
  );
  for (const page of pages) {
    for (const a of page.Accounts ?? []) {
      if (!a.Id) continue;
      const state = (a as { State?: string }).State ?? a.Status ?? "UNKNOWN";
      out.push({ id: a.Id, ...(a.Name ? { name: a.Name } : {}), state });
    }
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

/** The shard an account belongs to: a stable hash of its id (SHA-256), the same on every machine and run. */
export function shardOf(accountId: string, count: number): number {
  return createHash("sha256").update(accountId).digest().readUInt32BE(0) % count;
}

export function inShard(accountId: string, shard: Shard | undefined): boolean {
  return !shard || shardOf(accountId, shard.count) === shard.index;
}

/** The member role ARN; the name may carry a path (audit/ITGCAuditReadOnly). */
export function memberRoleArn(partition: string, accountId: string, role: string): string {
  if (role.startsWith("arn:")) return role.replace(/:\d{12}:/, `:${accountId}:`);
  return `arn:${partition}:iam::${accountId}:role/${role.replace(/^\/+/, "")}`;
}
