/**
 * AWS flags of `run`: credentials (--profile, --role-arn), organization fan-out (--org, --member-role,
 * --accounts, --shard), regions, retries and concurrency, and where the finished evidence goes (--upload).
 */
import { type Command, InvalidArgumentError } from "commander";
import {
  AWS_DEFAULTS,
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_MEMBER_ROLE,
  DEFAULT_ROLE_SESSION_NAME,
  parseShard,
  type Shard,
} from "../../providers/aws/defaults.js";
import { partitionOfRegion } from "../../providers/aws/regions.js";
import { OTHER_ERROR_MAX_ATTEMPTS } from "../../providers/aws/retry.js";
import type { AwsRuntimeOptions } from "../../providers/aws/runtime.js";
import { collectList, parsePositiveInt } from "../io.js";

function accountList(value: string, previous: string[] = []): string[] {
  const ids = collectList(value, []);
  for (const id of ids)
    if (!/^\d{12}$/.test(id)) throw new InvalidArgumentError(`"${id}" is not a 12-digit AWS account id.`);
  return [...previous, ...ids];
}

/** A comma list of AWS region names; empty or unknown names are refused (never "all regions"). */
export function regionList(value: string, previous: string[] = []): string[] {
  const regions = collectList(value, []);
  if (regions.length === 0)
    throw new InvalidArgumentError(
      "an empty list: name at least one region, or leave --regions out for all.",
    );
  for (const r of regions)
    if (!partitionOfRegion(r))
      throw new InvalidArgumentError(`"${r}" is not an AWS region name (e.g. eu-west-1).`);
  return [...previous, ...regions];
}

/** Seconds (fractions allowed), > 0 and at most an hour; returns milliseconds. */
export function parseSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 3600)
    throw new InvalidArgumentError(`"${value}" is not a number of seconds between 0 and 3600.`);
  return Math.round(n * 1000);
}

function shardArg(value: string): Shard {
  try {
    return parseShard(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

function s3Url(value: string): string {
  if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(value))
    throw new InvalidArgumentError(`"${value}" is not s3://bucket[/prefix].`);
  return value;
}

export function addAwsOptions(cmd: Command): Command {
  return cmd
    .option(
      "--profile <name>",
      "AWS shared-config / SSO profile (default: the SDK credential chain, AWS_PROFILE)",
    )
    .option("--role-arn <arn>", "assume this IAM role first and run as it (e.g. the central audit role)")
    .option("--external-id <id>", "ExternalId for --role-arn and for every member-account AssumeRole")
    .option(
      "--role-session-name <name>",
      `RoleSessionName for every AssumeRole (default ${DEFAULT_ROLE_SESSION_NAME}; shows in CloudTrail)`,
    )
    .option(
      "--org",
      "cover every ACTIVE account of the AWS Organization (Organizations ListAccounts, from the management\n" +
        "or a delegated-administrator account); the caller's own account runs as the caller",
    )
    .option(
      "--member-role <name>",
      "role assumed in each member account (name or path/name)",
      DEFAULT_MEMBER_ROLE,
    )
    .option(
      "--accounts <ids>",
      "only these accounts (comma list; with --org a filter, without it the accounts to assume into)",
      accountList,
    )
    .option("--exclude-accounts <ids>", "leave these accounts out (with --org)", accountList)
    .option(
      "--shard <I/N>",
      "only the accounts of shard I of N (0-based; stable hash of the account id), e.g. $JOB_COMPLETION_INDEX/4",
      shardArg,
    )
    .option(
      "--region <region>",
      "as in the AWS CLI: cover this region only, and use it for global services and STS " +
        "(default: AWS_REGION, else us-east-1, with every enabled region covered); --regions names several",
    )
    .option(
      "--regions <list>",
      "regions to cover (comma list, in the caller's partition; default: every region enabled in each account)",
      regionList,
    )
    .option(
      "--max-attempts <n>",
      `attempts per API call while throttled, with backoff (other retryable errors: at most ${OTHER_ERROR_MAX_ATTEMPTS})`,
      parsePositiveInt,
      AWS_DEFAULTS.maxAttempts,
    )
    .option(
      "--call-timeout <seconds>",
      `per attempt of an API call: time to connect, and to wait for the answer (default ${DEFAULT_CALL_TIMEOUT_MS / 1000}); a call that times out on every attempt is an error for its scope`,
      parseSeconds,
    )
    .option(
      "--concurrency <n>",
      "API requests in flight at once over the whole run (a call waiting out a retry backoff holds none)",
      parsePositiveInt,
      AWS_DEFAULTS.concurrency,
    )
    .option(
      "--account-concurrency <n>",
      "API calls in flight at once per account",
      parsePositiveInt,
      AWS_DEFAULTS.accountConcurrency,
    )
    .option(
      "--api-concurrency <n>",
      "API calls in flight at once per account, region and operation",
      parsePositiveInt,
      AWS_DEFAULTS.apiConcurrency,
    )
    .option(
      "--upload <s3url>",
      "store the finished output in s3://bucket/prefix with S3 Object Lock (COMPLIANCE) retention",
      s3Url,
    )
    .option(
      "--retain-days <n>",
      "Object Lock retention for --upload, in days (required with --upload; cannot be shortened later)",
      parsePositiveInt,
    );
}

export interface AwsFlags {
  profile?: string;
  roleArn?: string;
  externalId?: string;
  roleSessionName?: string;
  org?: boolean;
  memberRole?: string;
  accounts?: string[];
  excludeAccounts?: string[];
  shard?: Shard;
  region?: string;
  regions?: string[];
  maxAttempts?: number;
  /** Milliseconds (parsed from seconds). */
  callTimeout?: number;
  concurrency?: number;
  accountConcurrency?: number;
  apiConcurrency?: number;
  upload?: string;
  retainDays?: number;
}

export function awsOptionsFrom(flags: AwsFlags): Omit<AwsRuntimeOptions, "recorder" | "replay"> {
  return {
    profile: flags.profile,
    roleArn: flags.roleArn,
    externalId: flags.externalId,
    roleSessionName: flags.roleSessionName,
    org: flags.org,
    memberRole: flags.memberRole,
    accounts: flags.accounts,
    excludeAccounts: flags.excludeAccounts,
    shard: flags.shard,
    homeRegion: flags.region,
    // --region alone narrows the coverage to it, as the AWS CLI does; --regions names several.
    regions: flags.regions ?? (flags.region ? [flags.region] : undefined),
    maxAttempts: flags.maxAttempts,
    callTimeoutMs: flags.callTimeout,
    concurrency: flags.concurrency,
    accountConcurrency: flags.accountConcurrency,
    apiConcurrency: flags.apiConcurrency,
  };
}
