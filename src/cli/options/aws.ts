/** AWS flags of `run`: credentials, regions, retries and concurrency. */
import type { Command } from "commander";
import type { AwsRuntimeOptions } from "../../providers/aws/runtime.js";
import { collectList, parsePositiveInt } from "../io.js";

export function addAwsOptions(cmd: Command): Command {
  return cmd
    .option(
      "--profile <name>",
      "AWS shared-config / SSO profile (default: the SDK credential chain, AWS_PROFILE)",
    )
    .option(
      "--region <region>",
      "home region for global services and STS (default: AWS_REGION, else us-east-1)",
    )
    .option(
      "--regions <list>",
      "regions to cover (comma list; default: every region enabled in the account)",
      collectList,
    )
    .option(
      "--max-attempts <n>",
      "attempts per API call, including retries with backoff",
      parsePositiveInt,
      8,
    )
    .option("--concurrency <n>", "API calls in flight at once over the whole run", parsePositiveInt, 32);
}

export interface AwsFlags {
  profile?: string;
  region?: string;
  regions?: string[];
  maxAttempts?: number;
  concurrency?: number;
}

export function awsOptionsFrom(flags: AwsFlags): Omit<AwsRuntimeOptions, "recorder" | "replay"> {
  return {
    profile: flags.profile,
    homeRegion: flags.region,
    regions: flags.regions,
    maxAttempts: flags.maxAttempts,
    concurrency: flags.concurrency,
  };
}
