/**
 * One CloudTrail event, as LookupEvents returns it (the summary members plus `CloudTrailEvent`, the full
 * record as a JSON string), turned into a normalised row. The row keeps what a control tests — who, when,
 * what, from where, with MFA or not, on which resources, with which outcome — and drops the raw JSON string
 * (the page itself is the evidence, recorded once by the recorder).
 *
 * Actors (the CloudTrail userIdentity element):
 * - IAMUser → `iam_user`, the user name;
 * - AssumedRole on an `AWSReservedSSO_<PermissionSet>_<hash>` role → `identity_center`: the person is the
 *   role session name (Identity Center names the session after the user), the permission set is the role;
 * - other AssumedRole → `assumed_role`, `role/session`;
 * - IdentityCenterUser (requests made on behalf of an Identity Center user, e.g. portal sign-in) →
 *   `identity_center`, with the identity store user id from `onBehalfOf`;
 * - Root → `root`; AWSService → `aws_service` (invokedBy); FederatedUser, SAMLUser, WebIdentityUser,
 *   AWSAccount, Unknown → lower-cased as given.
 */
import { asDate } from "../normalise.js";

/** LookupEvents' Event member (SDK form, or the recorded JSON form). */
export interface LookupEvent {
  EventId?: string;
  EventName?: string;
  ReadOnly?: string;
  AccessKeyId?: string;
  EventTime?: Date | string;
  EventSource?: string;
  Username?: string;
  Resources?: { ResourceType?: string; ResourceName?: string }[];
  CloudTrailEvent?: string;
}

interface UserIdentity {
  type?: string;
  principalId?: string;
  arn?: string;
  accountId?: string;
  userName?: string;
  invokedBy?: string;
  onBehalfOf?: { userId?: string; identityStoreArn?: string };
  sessionContext?: {
    sessionIssuer?: { type?: string; arn?: string; userName?: string };
    attributes?: { mfaAuthenticated?: string; creationDate?: string };
    sourceIdentity?: string;
  };
}

const SSO_ROLE = /^AWSReservedSSO_(.+)_[0-9a-f]{16}$/;

export class UnreadableEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnreadableEventError";
  }
}

/** The event's row; throws UnreadableEventError when the record cannot be read (the page is then unusable). */
export function normaliseEvent(e: LookupEvent): Record<string, unknown> {
  const id = e.EventId ?? "(no EventId)";
  if (typeof e.CloudTrailEvent !== "string")
    throw new UnreadableEventError(`event ${id}: CloudTrailEvent is missing`);
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(e.CloudTrailEvent) as Record<string, unknown>;
  } catch (err) {
    throw new UnreadableEventError(
      `event ${id}: CloudTrailEvent is not valid JSON (${(err as Error).message})`,
    );
  }
  if (!r || typeof r !== "object" || typeof r.eventTime !== "string" || typeof r.eventName !== "string")
    throw new UnreadableEventError(`event ${id}: CloudTrailEvent has no eventTime / eventName`);
  const ui = (r.userIdentity ?? {}) as UserIdentity;
  const actor = actorOf(ui);
  const extra = (r.additionalEventData ?? {}) as Record<string, unknown>;
  const response = (r.responseElements ?? null) as Record<string, unknown> | null;
  const sessionMfa = ui.sessionContext?.attributes?.mfaAuthenticated;
  const consoleMfa = typeof extra.MFAUsed === "string" ? extra.MFAUsed === "Yes" : undefined;
  return {
    event_id: String(r.eventID ?? e.EventId ?? ""),
    time: asDate(r.eventTime),
    event_source: String(r.eventSource ?? e.EventSource ?? ""),
    event_name: String(r.eventName),
    event_type: String(r.eventType ?? ""),
    region: String(r.awsRegion ?? ""),
    account: String(r.recipientAccountId ?? ui.accountId ?? ""),
    read_only: r.readOnly === true || e.ReadOnly === "true",
    management_event: r.managementEvent !== false,
    error_code: typeof r.errorCode === "string" ? r.errorCode : null,
    error_message: typeof r.errorMessage === "string" ? r.errorMessage : null,
    ...actor,
    mfa_used: consoleMfa ?? (sessionMfa === undefined ? null : sessionMfa === "true"),
    source_ip: typeof r.sourceIPAddress === "string" ? r.sourceIPAddress : null,
    user_agent: typeof r.userAgent === "string" ? r.userAgent : null,
    request_parameters: (r.requestParameters ?? null) as unknown,
    console_login: typeof response?.ConsoleLogin === "string" ? response.ConsoleLogin : null,
    resources: (e.Resources ?? []).map((x) => ({ type: x.ResourceType ?? "", name: x.ResourceName ?? "" })),
    resource_names: (e.Resources ?? []).map((x) => x.ResourceName ?? ""),
  };
}

function actorOf(ui: UserIdentity): Record<string, unknown> {
  const base = {
    actor_arn: ui.arn || null,
    principal_id: ui.principalId || null,
    user_name: null as string | null,
    role_name: null as string | null,
    session_name: null as string | null,
    sso_user: null as string | null,
    sso_user_id: null as string | null,
    role_arn: null as string | null,
    permission_set: null as string | null,
    invoked_by: ui.invokedBy ?? null,
  };
  const type = ui.type ?? "Unknown";
  switch (type) {
    case "IAMUser":
      return {
        ...base,
        actor_type: "iam_user",
        actor: ui.userName ?? ui.arn ?? "",
        human: true,
        user_name: ui.userName ?? null,
      };
    case "Root":
      return { ...base, actor_type: "root", actor: "root", human: true };
    case "AssumedRole": {
      const role = ui.sessionContext?.sessionIssuer?.userName ?? roleFromArn(ui.arn);
      const session = sessionFromArn(ui.arn) ?? ui.principalId?.split(":")[1] ?? null;
      const sso = role ? SSO_ROLE.exec(role) : null;
      const common = {
        ...base,
        role_name: role ?? null,
        session_name: session,
        role_arn: ui.sessionContext?.sessionIssuer?.arn ?? null,
      };
      if (sso)
        return {
          ...common,
          actor_type: "identity_center",
          actor: session ?? "",
          human: true,
          sso_user: session,
          permission_set: sso[1],
        };
      return {
        ...common,
        actor_type: "assumed_role",
        actor: `${role ?? "?"}/${session ?? "?"}`,
        human: false,
      };
    }
    case "IdentityCenterUser":
      return {
        ...base,
        actor_type: "identity_center",
        actor: ui.userName ?? ui.onBehalfOf?.userId ?? "",
        human: true,
        sso_user: ui.userName ?? null,
        sso_user_id: ui.onBehalfOf?.userId ?? null,
      };
    case "AWSService":
      return { ...base, actor_type: "aws_service", actor: ui.invokedBy ?? "", human: false };
    default:
      return {
        ...base,
        actor_type: type.toLowerCase(),
        actor: ui.userName ?? ui.arn ?? ui.principalId ?? "",
        // A federated console user or an unknown identity (e.g. an Identity Center sign-in in the older
        // event format, whose userName is the person) is treated as a person: fail towards review.
        human: type !== "AWSAccount",
        user_name: ui.userName ?? null,
        ...(type === "Unknown" && ui.userName ? { sso_user: ui.userName } : {}),
      };
  }
}

function roleFromArn(arn: string | undefined): string | undefined {
  return arn ? /:assumed-role\/([^/]+)\//.exec(arn)?.[1] : undefined;
}

function sessionFromArn(arn: string | undefined): string | undefined {
  return arn ? /:assumed-role\/[^/]+\/(.+)$/.exec(arn)?.[1] : undefined;
}
