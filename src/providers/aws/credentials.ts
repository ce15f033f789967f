/**
 * Credentials for a run. The base session uses the AWS SDK's default chain (environment, shared config and
 * SSO profiles, container and instance roles) or `--profile`; with `--role-arn` it assumes that role first
 * (`--external-id`, `--role-session-name`). Member accounts of an organization are reached the same way.
 *
 * AssumeRole is sent through an STS client of the run (AwsSession.client), so it passes the read-only guard,
 * is recorded (the temporary credentials are redacted by recording/format.ts) and is replayed: a replay
 * re-performs every AssumeRole, and a recorded AccessDenied reproduces the same scope gap.
 */
import type { AssumeRoleCommandOutput } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
/** The RoleSessionName used unless --role-session-name is given (stable, so a replay matches the call). */
import { DEFAULT_ROLE_SESSION_NAME } from "./defaults.js";
import { AssumeRoleCommand, STSClient } from "./sdk/client-sts.js";
import { fromNodeProviderChain } from "./sdk/credential-providers.js";
import type { AwsSession } from "./session.js";

export { DEFAULT_ROLE_SESSION_NAME };
/** Session length asked for each assumed role; the SDK refreshes credentials before they expire. */
export const ASSUMED_ROLE_SECONDS = 3600;
const REFRESH_BEFORE_MS = 5 * 60_000;

export interface AssumeRoleParams {
  roleArn: string;
  externalId?: string;
  sessionName?: string;
}

/** The caller's own credentials: explicit ones, else the SDK default chain (with --profile). */
export function sourceCredentials(opts: {
  credentials?: AwsCredentialIdentityProvider;
  profile?: string;
  replay: boolean;
}): AwsCredentialIdentityProvider | undefined {
  if (opts.credentials) return opts.credentials;
  if (opts.replay) return undefined;
  return fromNodeProviderChain(opts.profile ? { profile: opts.profile } : {});
}

/** The account id in an ARN (arn:partition:service:region:ACCOUNT:resource). */
export function accountOfArn(arn: string): string | undefined {
  const part = arn.split(":")[4];
  return part && /^\d{12}$/.test(part) ? part : undefined;
}

/** Validates a role ARN given on the command line. */
export function isRoleArn(arn: string): boolean {
  return /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(arn);
}

export function assumeRoleInput(p: AssumeRoleParams) {
  return {
    RoleArn: p.roleArn,
    RoleSessionName: p.sessionName ?? DEFAULT_ROLE_SESSION_NAME,
    DurationSeconds: ASSUMED_ROLE_SECONDS,
    ...(p.externalId ? { ExternalId: p.externalId } : {}),
  };
}

/**
 * Assumes a role with the STS client of `via` (a session holding the credentials allowed to assume it) and
 * returns a credential provider for the role. The first AssumeRole happens now, so a denial surfaces here
 * (and becomes a scope gap); later ones only when the credentials are about to expire.
 */
export async function assumeRole(
  via: AwsSession,
  region: string,
  p: AssumeRoleParams,
): Promise<AwsCredentialIdentityProvider> {
  const sts = via.client(STSClient, region);
  const input = assumeRoleInput(p);
  const call = async () => toIdentity(await sts.send(new AssumeRoleCommand(input)), p.roleArn);
  let current = await call();
  let refreshing: Promise<AwsCredentialIdentity> | undefined;
  return async () => {
    const exp = current.expiration?.getTime();
    if (exp !== undefined && exp - Date.now() < REFRESH_BEFORE_MS) {
      refreshing ??= call().finally(() => {
        refreshing = undefined;
      });
      current = await refreshing;
    }
    return current;
  };
}

function toIdentity(out: AssumeRoleCommandOutput, roleArn: string): AwsCredentialIdentity {
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole ${roleArn} returned no credentials`);
  const exp = c.Expiration ? new Date(c.Expiration as unknown as string) : undefined;
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
    ...(exp && !Number.isNaN(exp.getTime()) ? { expiration: exp } : {}),
  };
}
