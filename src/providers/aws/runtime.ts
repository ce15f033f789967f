/**
 * The AWS side of a run: who the caller is (STS GetCallerIdentity), which accounts and regions are in scope,
 * and the sessions queries run in. Live mode uses the AWS SDK's default credential chain (environment,
 * shared config and SSO profiles, container and instance roles), so AWS_PROFILE, AWS_REGION and
 * AWS_ENDPOINT_URL work as they do for the AWS CLI. Replay mode answers every call from a recording.
 */
import { DescribeRegionsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import pLimit from "p-limit";
import { errorMessage, InputError } from "../../core/errors.js";
import type { CallerIdentity, ProviderRunInfo, ProviderRuntime, TargetInfo } from "../../core/provider.js";
import type { QueryContext } from "../../core/query.js";
import type { Scope, ScopeGap, ScopeKind } from "../../core/types.js";
import type { Recorder } from "../../recording/recorder.js";
import { type LoadedRecording, ReplayIndex } from "../../recording/store.js";
import type { AwsQueryContext } from "./context.js";
import type { CallIdentity } from "./middleware.js";
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
  /** API calls in flight at once over the run. */
  concurrency?: number;
  maxAttempts?: number;
  retryMode?: "standard" | "adaptive";
  beforeReplayAttempt?: (call: CallIdentity) => Promise<void>;
}

interface AccountTarget {
  accountId: string;
  name?: string;
  session: AwsSession;
}

export class AwsRuntime implements ProviderRuntime {
  readonly provider = "aws" as const;
  readonly homeRegion: string;
  private readonly env: AwsEnvironment;
  private base!: AwsSession;
  private caller?: CallerIdentity;
  private partition = "aws";
  private targets: AccountTarget[] = [];
  private readonly gaps: ScopeGap[] = [];
  private readonly regionCache = new Map<string, Promise<string[]>>();

  constructor(private readonly opts: AwsRuntimeOptions) {
    this.homeRegion =
      opts.homeRegion ??
      (opts.replay?.meta.homeRegion as string | undefined) ??
      process.env.AWS_REGION ??
      process.env.AWS_DEFAULT_REGION ??
      "us-east-1";
    this.env = {
      recorder: opts.recorder,
      replay: opts.replay
        ? new ReplayIndex(opts.replay.calls.filter((c) => c.provider === "aws"))
        : undefined,
      limit: pLimit(opts.concurrency ?? 32),
      maxAttempts: opts.maxAttempts ?? 8,
      retryMode: opts.retryMode ?? "adaptive",
      beforeReplayAttempt: opts.beforeReplayAttempt,
    };
  }

  async init(): Promise<void> {
    const credentials =
      this.opts.credentials ??
      (this.opts.replay ? undefined : fromNodeProviderChain({ profile: this.opts.profile }));
    this.base = new AwsSession(this.env, credentials, undefined);
    try {
      const id = await this.base.client(STSClient, this.homeRegion).send(new GetCallerIdentityCommand({}));
      this.base.accountId = id.Account;
      this.caller = {
        provider: "aws",
        principal: id.Arn ?? "unknown",
        account: id.Account,
        userId: id.UserId,
      };
      this.partition = id.Arn?.split(":")[1] ?? "aws";
    } catch (e) {
      const hint = this.opts.replay
        ? "the recording has no usable STS GetCallerIdentity answer"
        : "check your AWS credentials (AWS_PROFILE, --profile, aws sso login) and network access";
      throw new InputError(`cannot establish the AWS caller identity: ${errorMessage(e)} (${hint})`);
    }
    this.targets = [{ accountId: this.base.accountId!, session: this.base }];
  }

  async resolveScopes(kind: ScopeKind): Promise<{ scopes: Scope[]; gaps: ScopeGap[] }> {
    const gaps = [...this.gaps];
    if (kind === "account" || kind === "organization") {
      const units = kind === "organization" ? [this.base.accountId!] : this.targets.map((t) => t.accountId);
      return { scopes: units.map((u) => this.scope(kind, u, this.homeRegion)), gaps };
    }
    if (kind === "region") {
      const scopes: Scope[] = [];
      for (const t of this.targets) {
        try {
          for (const region of await this.regionsOf(t.accountId))
            scopes.push(this.scope("region", t.accountId, region));
        } catch (e) {
          gaps.push({
            provider: "aws",
            unit: t.accountId,
            reason: `cannot list enabled regions: ${errorMessage(e)}`,
          });
        }
      }
      return { scopes, gaps };
    }
    return { scopes: [], gaps: [{ provider: "aws", unit: "-", reason: `AWS has no ${kind} scope` }] };
  }

  relatedScope(from: Scope, kind: ScopeKind, region?: string): Scope {
    if (kind === "region") return this.scope("region", from.unit, region ?? from.region);
    if (kind === "organization") return this.scope("organization", this.base.accountId!, this.homeRegion);
    return this.scope(kind, from.unit, this.homeRegion);
  }

  regionsOf(unit: string): Promise<string[]> {
    let p = this.regionCache.get(unit);
    if (!p) {
      p = this.opts.regions?.length
        ? Promise.resolve([...this.opts.regions].sort())
        : this.enabledRegions(unit);
      this.regionCache.set(unit, p);
    }
    return p;
  }

  private async enabledRegions(unit: string): Promise<string[]> {
    const out = await this.session(unit)
      .client(EC2Client, this.homeRegion)
      .send(new DescribeRegionsCommand({}));
    return (out.Regions ?? [])
      .map((r) => r.RegionName!)
      .filter(Boolean)
      .sort();
  }

  contextFor(scope: Scope, base: QueryContext): AwsQueryContext {
    const session = this.session(scope.unit);
    return {
      ...base,
      aws: {
        accountId: scope.unit,
        region: scope.region,
        homeRegion: this.homeRegion,
        partition: this.partition,
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
    }));
    return { provider: "aws", caller: this.caller, targets, gaps: this.gaps, homeRegion: this.homeRegion };
  }

  /** Regions resolved so far per account (for run metadata). */
  async coveredRegions(): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    for (const [unit, p] of this.regionCache) out[unit] = await p.catch(() => []);
    return out;
  }

  private session(unit: string): AwsSession {
    const t = this.targets.find((x) => x.accountId === unit);
    if (!t) throw new Error(`account ${unit} is not in this run's scope`);
    return t.session;
  }

  private scope(kind: ScopeKind, unit: string, region: string): Scope {
    return { provider: "aws", kind, unit, region, key: `aws:${kind}:${unit}:${region}` };
  }
}
