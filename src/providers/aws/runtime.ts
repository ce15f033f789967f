/**
 * The AWS side of a run: who the caller is (STS GetCallerIdentity), which accounts and regions are in scope,
 * and the sessions queries run in. Live mode uses the AWS SDK's default credential chain (environment,
 * shared config and SSO profiles, container and instance roles), so AWS_PROFILE, AWS_REGION and
 * AWS_ENDPOINT_URL work as they do for the AWS CLI; `--role-arn` assumes a role first. Replay mode answers
 * every call from a recording — AssumeRole and Organizations ListAccounts included, so an organization run
 * is re-performed with the same accounts and the same scope gaps.
 *
 * Organization runs (`org`, or an explicit `accounts` list): the caller's own account is covered with the
 * caller's session (a management or delegated-administrator account usually has no member role); every
 * other account through AssumeRole of `memberRole`. An account whose AssumeRole fails, an account asked for
 * that is not an active member, and a region where every call was refused (not enabled, or denied by an
 * SCP) are scope gaps: the run goes on, and the affected controls are `error` for that scope.
 */

import type { GetCallerIdentityCommandOutput } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import pLimit from "p-limit";
import { CallerIdentityError, errorMessage, InputError } from "../../core/errors.js";
import type { CallerIdentity, ProviderRunInfo, ProviderRuntime, TargetInfo } from "../../core/provider.js";
import type { QueryContext } from "../../core/query.js";
import type { CompletenessCheck, Scope, ScopeGap, ScopeKind } from "../../core/types.js";
import { countCheck, unavailableCheck } from "../../queries/completeness.js";
import type { Recorder } from "../../recording/recorder.js";
import { type LoadedRecording, ReplayIndex } from "../../recording/store.js";
import type { AwsQueryContext } from "./context.js";
import { accountOfArn, assumeRole, isRoleArn, sourceCredentials } from "./credentials.js";
import { AWS_DEFAULTS } from "./defaults.js";
import { isCredentialError, isScopeDenied } from "./errors.js";
import {
  type AttemptStats,
  type CallIdentity,
  type CallOutcome,
  newAttemptStats,
  type ReplaySource,
} from "./middleware.js";
import {
  DEFAULT_MEMBER_ROLE,
  inShard,
  listOrganizationAccounts,
  memberRoleArn,
  organizationsRegion,
  type Shard,
} from "./organization.js";
import { DOCUMENTED_RATE_LIMITS } from "./rate-limit.js";
import { declaredAllowList, RUN_OPERATIONS } from "./read-only.js";
import { partitionOfRegion } from "./regions.js";
import { DescribeRegionsCommand, EC2Client } from "./sdk/client-ec2.js";
import { GetCallerIdentityCommand, STSClient } from "./sdk/client-sts.js";
import { type AwsEnvironment, AwsSession } from "./session.js";

export interface AwsRuntimeOptions {
  recorder: Recorder;
  /** Replay mode: answer from this recording instead of AWS. */
  replay?: LoadedRecording;
  /** Region for global services and STS; defaults to AWS_REGION, the recording's, or us-east-1. */
  homeRegion?: string;
  /** Regions to cover; defaults to the account's enabled regions (EC2 DescribeRegions). */
  regions?: string[];
  profile?: string;
  /** Credentials for the base session (e.g. an assumed audit role); defaults to the SDK's chain. */
  credentials?: AwsCredentialIdentityProvider;
  /** Assume this role first; the run uses it as the caller. */
  roleArn?: string;
  externalId?: string;
  /** RoleSessionName for every AssumeRole of the run (default itgc-validate). */
  roleSessionName?: string;
  /** Cover every active account of the AWS Organization (ListAccounts). */
  org?: boolean;
  /** Role name (or path/name) assumed in each member account; default ITGCAuditReadOnly. */
  memberRole?: string;
  /** Only these accounts (with org: a filter on the organization; without: the accounts to assume into). */
  accounts?: string[];
  excludeAccounts?: string[];
  /** Only the accounts of this shard (stable hash of the account id). */
  shard?: Shard;
  /** API calls in flight at once over the run. */
  concurrency?: number;
  /** API calls in flight at once per account. */
  accountConcurrency?: number;
  /** API calls in flight at once per account, region and operation. */
  apiConcurrency?: number;
  maxAttempts?: number;
  retryMode?: "standard" | "adaptive";
  /** Per attempt: connect and response timeout, ms (default 30 s). */
  callTimeoutMs?: number;
  /** Retry backoff bases, ms (tests). */
  backoff?: AwsEnvironment["backoff"];
  /** Send every call to this endpoint; live mode also honours AWS_ENDPOINT_URL (and per-service forms). */
  endpoint?: string;
  /**
   * The operations the selected queries declare (`Service:Operation`): the run's read-only allow-list, to
   * which the runtime adds only the calls it makes itself (caller identity, AssumeRole, ListAccounts,
   * DescribeRegions) when it needs them. Without it, any declarable read is allowed (library use).
   */
  allowedOperations?: string[];
  beforeReplayAttempt?: (call: CallIdentity) => Promise<void>;
  /**
   * Replay mode with synthetic answers instead of the recording's calls (the benchmark's generators build
   * a recording this way, by running the real queries against them).
   */
  replaySource?: ReplaySource;
  /**
   * Documented request rates to respect (`Service:Operation` → requests per second per account and region).
   * Default: DOCUMENTED_RATE_LIMITS in live runs, none in replay (nothing is sent); the benchmark sets them.
   */
  rateLimits?: Readonly<Record<string, number>>;
}

export { AWS_DEFAULTS };

/** Services whose calls say nothing about a region being open (global endpoints). */
const GLOBAL_SERVICES = new Set(["IAM", "STS", "Organizations", "Account", "S3Control"]);

interface AccountTarget {
  accountId: string;
  name?: string;
  session: AwsSession;
  /** The ARN the session acts as in this account (caller ARN, or the member role's ARN). */
  principal?: string;
}

export interface AwsRunStats extends AttemptStats {
  accounts: number;
  accountGaps: number;
}

export class AwsRuntime implements ProviderRuntime {
  readonly provider = "aws" as const;
  readonly homeRegion: string;
  /** Twice the run-wide attempt limit: a fetch is often a few dependent calls, so the call slots stay busy. */
  readonly fetchesInFlight: number;
  private readonly env: AwsEnvironment;
  private readonly attemptStats = newAttemptStats();
  private base!: AwsSession;
  private baseCredentials: AwsCredentialIdentityProvider | undefined;
  private caller?: CallerIdentity;
  private partition = "aws";
  private targets: AccountTarget[] = [];
  private readonly byId = new Map<string, AccountTarget>();
  private readonly gaps: ScopeGap[] = [];
  private readonly regionCache = new Map<string, Promise<string[]>>();
  private readonly regionsResolved = new Map<string, string[]>();
  /** Per account|region: calls answered, and calls refused (not enabled / denied), with the first reason. */
  private readonly regionOutcomes = new Map<string, { ok: number; denied: number; reason?: string }>();

  constructor(private readonly opts: AwsRuntimeOptions) {
    this.homeRegion =
      opts.homeRegion ??
      (opts.replay?.meta.homeRegion as string | undefined) ??
      process.env.AWS_REGION ??
      process.env.AWS_DEFAULT_REGION ??
      "us-east-1";
    const concurrency = opts.concurrency ?? AWS_DEFAULTS.concurrency;
    this.fetchesInFlight = 2 * concurrency;
    this.env = {
      recorder: opts.recorder,
      replay:
        opts.replaySource ??
        (opts.replay ? new ReplayIndex(opts.replay.calls.filter((c) => c.provider === "aws")) : undefined),
      limit: pLimit(concurrency),
      // As many sockets per endpoint as attempts may be in flight: the SDK's default of 50 per host would
      // queue the rest inside the HTTP agent, where the wait counts against the call's connect timeout.
      socketsPerHost: concurrency,
      accountConcurrency: opts.accountConcurrency ?? AWS_DEFAULTS.accountConcurrency,
      apiConcurrency: opts.apiConcurrency ?? AWS_DEFAULTS.apiConcurrency,
      maxAttempts: opts.maxAttempts ?? AWS_DEFAULTS.maxAttempts,
      retryMode: opts.retryMode ?? "adaptive",
      ...(opts.allowedOperations ? { allow: runAllowList(opts) } : {}),
      callTimeoutMs: opts.callTimeoutMs,
      backoff: opts.backoff,
      endpoint: opts.endpoint,
      beforeReplayAttempt: opts.beforeReplayAttempt,
      stats: this.attemptStats,
      onOutcome: (o) => this.noteOutcome(o),
      shared: {},
      // Replay: one client per (service, region) for the whole organization (session.ts).
      shareClientsAcrossAccounts: opts.replay !== undefined || opts.replaySource !== undefined,
      rateLimits: opts.rateLimits ?? (opts.replay || opts.replaySource ? undefined : DOCUMENTED_RATE_LIMITS),
    };
  }

  async init(): Promise<void> {
    const o = this.opts;
    if (!o.org && (o.excludeAccounts?.length || o.shard))
      throw new InputError("--exclude-accounts and --shard select organization accounts: add --org");
    const source = sourceCredentials({
      credentials: o.credentials,
      profile: o.profile,
      replay: o.replay !== undefined || o.replaySource !== undefined,
    });
    this.baseCredentials = source;
    if (o.roleArn) {
      if (!isRoleArn(o.roleArn))
        throw new InputError(
          `--role-arn ${o.roleArn} is not an IAM role ARN (arn:aws:iam::123456789012:role/Name)`,
        );
      // The AssumeRole is recorded under the role's account: it is the call that opened that account.
      const via = new AwsSession(this.env, source, accountOfArn(o.roleArn));
      try {
        this.baseCredentials = await assumeRole(via, this.homeRegion, {
          roleArn: o.roleArn,
          externalId: o.externalId,
          sessionName: o.roleSessionName,
        });
      } catch (e) {
        throw new InputError(
          `cannot assume --role-arn ${o.roleArn}: ${errorMessage(e)} (check the role's trust policy and --external-id)`,
        );
      }
    }
    this.base = new AwsSession(this.env, this.baseCredentials, undefined);
    let id: GetCallerIdentityCommandOutput;
    try {
      id = await this.base.client(STSClient, this.homeRegion).send(new GetCallerIdentityCommand({}));
    } catch (e) {
      // Bad or missing credentials are the user's to fix (exit 2); a throttled or failing STS is not, and
      // a scheduler should retry the run (exit 3).
      if (this.opts.replay || isCredentialError(e)) {
        const hint = this.opts.replay
          ? "the recording has no usable STS GetCallerIdentity answer"
          : "check your AWS credentials (AWS_PROFILE, --profile, aws sso login) and network access";
        throw new InputError(`cannot establish the AWS caller identity: ${errorMessage(e)} (${hint})`);
      }
      throw new Error(`cannot establish the AWS caller identity: ${errorMessage(e)}`);
    }
    // Never go on as account `undefined`: every resource id and every scope would be wrong (exit 3).
    const { account, arn, partition } = checkedCallerIdentity(id);
    this.base.accountId = account;
    this.caller = { provider: "aws", principal: arn, account, userId: id.UserId };
    this.partition = partition;
    this.checkRegionsInPartition();
    if (o.org || o.accounts?.length) await this.fanOut();
    else
      this.addTarget({
        accountId: this.base.accountId!,
        session: this.base,
        principal: this.caller?.principal,
      });
  }

  /** --regions must name regions of the caller's partition (a commercial caller cannot scan cn-*). */
  private checkRegionsInPartition(): void {
    const outside = (this.opts.regions ?? []).filter((r) => partitionOfRegion(r) !== this.partition);
    if (outside.length > 0)
      throw new InputError(
        `--regions ${outside.join(",")}: not in the caller's partition ${this.partition} (from its ARN)`,
      );
  }

  /** Organization / multi-account scope: list, filter, shard, and assume the member role in each. */
  private async fanOut(): Promise<void> {
    const o = this.opts;
    const callerAccount = this.base.accountId!;
    let wanted: { id: string; name?: string }[];
    if (o.org) {
      let listing: Awaited<ReturnType<typeof listOrganizationAccounts>>;
      try {
        listing = await listOrganizationAccounts(this.base, organizationsRegion(this.partition));
      } catch (e) {
        throw new InputError(
          `cannot list the organization's accounts: ${errorMessage(e)} (run from the management account or a delegated administrator, with organizations:ListAccounts)`,
        );
      }
      const active = listing.filter((a) => a.state === "ACTIVE");
      wanted = active;
      if (o.accounts?.length) {
        const asked = new Set(o.accounts);
        wanted = active.filter((a) => asked.has(a.id));
        for (const id of o.accounts) {
          if (!active.some((a) => a.id === id) && inShard(id, o.shard)) {
            const state = listing.find((a) => a.id === id)?.state;
            this.gaps.push({
              provider: "aws",
              unit: id,
              reason: state
                ? `account is ${state} in the organization, not ACTIVE`
                : "account is not a member of the organization",
            });
          }
        }
      }
    } else {
      wanted = [...new Set(o.accounts)].map((id) => ({ id }));
    }
    const excluded = new Set(o.excludeAccounts ?? []);
    wanted = wanted.filter((a) => !excluded.has(a.id) && inShard(a.id, o.shard));
    const role = o.memberRole ?? DEFAULT_MEMBER_ROLE;
    const limit = pLimit(AWS_DEFAULTS.assumeConcurrency);
    const results = await Promise.all(
      wanted.map((a) =>
        limit(async (): Promise<AccountTarget | undefined> => {
          if (a.id === callerAccount)
            return { accountId: a.id, name: a.name, session: this.base, principal: this.caller?.principal };
          const roleArn = memberRoleArn(this.partition, a.id, role);
          // Recorded under the member account: the evidence of how that account was reached (or not).
          const via = new AwsSession(this.env, this.baseCredentials, a.id);
          try {
            const creds = await assumeRole(via, this.homeRegion, {
              roleArn,
              externalId: o.externalId,
              sessionName: o.roleSessionName,
            });
            return {
              accountId: a.id,
              name: a.name,
              session: new AwsSession(this.env, creds, a.id),
              principal: roleArn,
            };
          } catch (e) {
            this.gaps.push({
              provider: "aws",
              unit: a.id,
              reason: `cannot assume ${roleArn}: ${describe(e)}`,
            });
            return undefined;
          }
        }),
      ),
    );
    for (const t of results) if (t) this.addTarget(t);
    this.gaps.sort((a, b) => a.unit.localeCompare(b.unit));
  }

  private addTarget(t: AccountTarget): void {
    this.targets.push(t);
    this.byId.set(t.accountId, t);
  }

  async resolveScopes(kind: ScopeKind): Promise<{ scopes: Scope[]; gaps: ScopeGap[] }> {
    const gaps = [...this.gaps];
    if (kind === "account" || kind === "organization") {
      const units = kind === "organization" ? [this.base.accountId!] : this.targets.map((t) => t.accountId);
      return { scopes: units.map((u) => this.scope(kind, u, this.homeRegion)), gaps };
    }
    if (kind === "region") {
      const scopes: Scope[] = [];
      const perTarget = await Promise.all(
        this.targets.map(async (t) => {
          try {
            return { t, regions: await this.regionsOf(t.accountId) };
          } catch (e) {
            return { t, error: e };
          }
        }),
      );
      for (const { t, regions, error } of perTarget) {
        if (regions) for (const region of regions) scopes.push(this.scope("region", t.accountId, region));
        else
          gaps.push({
            provider: "aws",
            unit: t.accountId,
            reason: `cannot list enabled regions: ${describe(error)}`,
          });
      }
      return { scopes, gaps };
    }
    return { scopes: [], gaps: [{ provider: "aws", unit: "-", reason: `AWS has no ${kind} scope` }] };
  }

  relatedScope(from: Scope, kind: ScopeKind, region?: string, unit?: string): Scope {
    if (kind === "organization") return this.scope("organization", this.base.accountId!, this.homeRegion);
    const target = unit ?? from.unit;
    if (unit !== undefined && !this.byId.has(unit))
      throw new Error(`account ${unit} is not in this run's scope`);
    if (kind === "region") return this.scope("region", target, region ?? from.region);
    return this.scope(kind, target, this.homeRegion);
  }

  regionsOf(unit: string): Promise<string[]> {
    let p = this.regionCache.get(unit);
    if (!p) {
      p = this.opts.regions?.length
        ? Promise.resolve([...new Set(this.opts.regions)].sort())
        : this.enabledRegions(unit);
      p.then(
        (r) => this.regionsResolved.set(unit, r),
        () => {},
      );
      this.regionCache.set(unit, p);
    }
    return p;
  }

  async regionCompleteness(unit: string, covered: string[]): Promise<CompletenessCheck> {
    const asked = this.opts.regions?.length;
    const spec = {
      population: "regions",
      source: "regions evaluated (scopes that answered)",
      reference: asked
        ? "--regions (the regions asked for)"
        : "EC2:DescribeRegions (the account's enabled regions)",
      found: new Set(covered).size,
    };
    try {
      const inScope = await this.regionsOf(unit);
      const missing = inScope.filter((r) => !covered.includes(r));
      return countCheck({
        ...spec,
        expected: inScope.length,
        ...(missing.length > 0 ? { detail: `not evaluated: ${missing.join(", ")}` } : {}),
      });
    } catch (e) {
      return unavailableCheck(spec, e);
    }
  }

  private async enabledRegions(unit: string): Promise<string[]> {
    const out = await this.session(unit)
      .client(EC2Client, this.homeRegion)
      .send(new DescribeRegionsCommand({}));
    // Only the caller's partition: DescribeRegions (or an emulator) may list regions these credentials
    // cannot reach (cn-*, us-gov-*).
    const regions = (out.Regions ?? [])
      .map((r) => r.RegionName!)
      .filter((r) => Boolean(r) && partitionOfRegion(r) === this.partition)
      .sort();
    // Every account has enabled regions (at least the default ones): an empty answer is a failed answer,
    // and treating it as "no region" would make every region-dependent control pass or not apply.
    if (regions.length === 0)
      throw new Error(
        `EC2:DescribeRegions returned no region for account ${unit}; an account always has enabled regions`,
      );
    return regions;
  }

  contextFor(scope: Scope, base: QueryContext): AwsQueryContext {
    const session = this.session(scope.unit);
    const principal = this.byId.get(scope.unit)?.principal;
    return {
      ...base,
      aws: {
        accountId: scope.unit,
        region: scope.region,
        homeRegion: this.homeRegion,
        partition: this.partition,
        ...(principal ? { principal } : {}),
        session,
        client: (Ctor, region) => session.client(Ctor, region ?? scope.region),
      },
    };
  }

  describe(): ProviderRunInfo {
    const targets: TargetInfo[] = this.targets.map((t) => ({
      provider: "aws",
      unit: t.accountId,
      ...(t.name ? { name: t.name } : {}),
      ...(this.regionsResolved.has(t.accountId) ? { regions: this.regionsResolved.get(t.accountId) } : {}),
    }));
    return {
      provider: "aws",
      caller: this.caller,
      targets,
      gaps: [...this.gaps, ...this.regionGaps()],
      homeRegion: this.homeRegion,
    };
  }

  /** A call with a documented rate limit in this run (live runs; the benchmark) is paced by it. */
  paced(calls: readonly string[]): boolean {
    const limits = this.env.rateLimits;
    return limits !== undefined && calls.some((c) => limits[c] !== undefined);
  }

  /** Attempt-level counters (every attempt inside the SDK retry loop) and the fan-out's size. */
  stats(): AwsRunStats {
    return {
      ...this.attemptStats,
      accounts: this.targets.length,
      accountGaps: this.gaps.length,
    };
  }

  /** Regions resolved so far per account (for run metadata). */
  async coveredRegions(): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    for (const [unit, p] of this.regionCache) out[unit] = await p.catch(() => []);
    return out;
  }

  /** Regions where every regional call was refused as not enabled or denied (e.g. an SCP region deny). */
  private regionGaps(): ScopeGap[] {
    const out: ScopeGap[] = [];
    for (const [key, v] of this.regionOutcomes) {
      if (v.ok > 0 || v.denied === 0) continue;
      const [unit, region] = key.split("|") as [string, string];
      out.push({
        provider: "aws",
        unit,
        region,
        reason: `every call in ${region} was refused (${v.denied} call(s); region not enabled or denied by policy): ${v.reason}`,
      });
    }
    return out.sort((a, b) => `${a.unit}|${a.region}`.localeCompare(`${b.unit}|${b.region}`));
  }

  private noteOutcome(o: CallOutcome): void {
    if (!o.account || GLOBAL_SERVICES.has(o.service)) return;
    const key = `${o.account}|${o.region}`;
    let v = this.regionOutcomes.get(key);
    if (!v) {
      v = { ok: 0, denied: 0 };
      this.regionOutcomes.set(key, v);
    }
    if (o.error === undefined) v.ok++;
    else if (isScopeDenied(o.error)) {
      v.denied++;
      v.reason ??= `${o.service}.${o.operation}: ${describe(o.error)}`;
    }
  }

  private session(unit: string): AwsSession {
    const t = this.byId.get(unit);
    if (!t) throw new Error(`account ${unit} is not in this run's scope`);
    return t.session;
  }

  private scope(kind: ScopeKind, unit: string, region: string): Scope {
    return { provider: "aws", kind, unit, region, key: `aws:${kind}:${unit}:${region}` };
  }
}

/**
 * The caller identity, or CallerIdentityError: every account id, resource ARN and bundle name of the run is
 * built from it, so an answer without a 12-digit Account or an ARN naming that account is never used (it
 * would run as account `undefined`).
 */
export function checkedCallerIdentity(id: { Account?: string; Arn?: string }): {
  account: string;
  arn: string;
  partition: string;
} {
  const account = id.Account;
  const arn = id.Arn;
  const parts = typeof arn === "string" ? arn.split(":") : [];
  const problem =
    typeof account !== "string" || !/^\d{12}$/.test(account)
      ? `Account is ${account === undefined ? "missing" : JSON.stringify(account)}`
      : typeof arn !== "string" || parts[0] !== "arn" || !parts[1] || parts.length < 6
        ? `Arn is ${arn === undefined ? "missing" : JSON.stringify(arn)}`
        : parts[4] !== account
          ? `Arn ${arn} is not in account ${account}`
          : undefined;
  if (problem)
    throw new CallerIdentityError(
      `STS GetCallerIdentity answered without a usable caller identity (${problem}); nothing was evaluated`,
    );
  return { account: account!, arn: arn!, partition: parts[1]! };
}

/** The run's allow-list: the declared operations plus the runtime's own calls, each only when needed. */
function runAllowList(o: AwsRuntimeOptions) {
  const run: string[] = [RUN_OPERATIONS.callerIdentity];
  if (o.roleArn || o.org || o.accounts?.length) run.push(RUN_OPERATIONS.assumeRole);
  if (o.org) run.push(RUN_OPERATIONS.listAccounts);
  if (!o.regions?.length) run.push(RUN_OPERATIONS.describeRegions);
  return declaredAllowList(o.allowedOperations ?? [], run);
}

function describe(e: unknown): string {
  const name = (e as { name?: string })?.name;
  const msg = errorMessage(e);
  return name && name !== "Error" && !msg.startsWith(name) ? `${name}: ${msg}` : msg;
}
