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
  const ui = (r.userIdentity ?? NONE) as UserIdentity;
  const extra = (r.additionalEventData ?? NONE) as Record<string, unknown>;
  const response = (r.responseElements ?? null) as Record<string, unknown> | null;
  const sessionMfa = ui.sessionContext?.attributes?.mfaAuthenticated;
  const consoleMfa = typeof extra.MFAUsed === "string" ? extra.MFAUsed === "Yes" : undefined;
  const resources = e.Resources ?? [];
  // One object a row (a million-event run makes a million): the actor's fields are set in place by
  // setActor, in the order the row has always had them (the results document keeps key order).
  const row: Record<string, unknown> = {
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
    actor_arn: ui.arn || null,
    principal_id: ui.principalId || null,
    user_name: null,
    role_name: null,
    session_name: null,
    sso_user: null,
    sso_user_id: null,
    role_arn: null,
    permission_set: null,
    invoked_by: ui.invokedBy ?? null,
    actor_type: "",
    actor: "",
    human: false,
    mfa_used: consoleMfa ?? (sessionMfa === undefined ? null : sessionMfa === "true"),
    source_ip: typeof r.sourceIPAddress === "string" ? r.sourceIPAddress : null,
    user_agent: typeof r.userAgent === "string" ? r.userAgent : null,
    request_parameters: (r.requestParameters ?? null) as unknown,
    console_login: typeof response?.ConsoleLogin === "string" ? response.ConsoleLogin : null,
    // map, not push: arrays of their exact length (a row may be held until its population is written).
    resources: resources.map((x) => ({ type: x.ResourceType ?? "", name: x.ResourceName ?? "" })),
    resource_names: resources.map((x) => x.ResourceName ?? ""),
  };
  setActor(row as unknown as Actor, ui);
  return row;
}

/** What a missing element reads as (never written to). */
const NONE: Record<string, unknown> = Object.freeze({});

/** Who acted (one shape for every identity type: the row lists these fields whatever the type). */
interface Actor {
  actor_arn: string | null;
  principal_id: string | null;
  user_name: string | null;
  role_name: string | null;
  session_name: string | null;
  sso_user: string | null;
  sso_user_id: string | null;
  role_arn: string | null;
  permission_set: string | null;
  invoked_by: string | null;
  actor_type: string;
  actor: string;
  human: boolean;
}

/** Sets the actor's fields of `a` (the row, its actor fields at their defaults: null, "", false). */
function setActor(a: Actor, ui: UserIdentity): void {
  const type = ui.type ?? "Unknown";
  switch (type) {
    case "IAMUser":
      a.actor_type = "iam_user";
      a.actor = ui.userName ?? ui.arn ?? "";
      a.human = true;
      a.user_name = ui.userName ?? null;
      return;
    case "Root":
      a.actor_type = "root";
      a.actor = "root";
      a.human = true;
      return;
    case "AssumedRole": {
      const role = ui.sessionContext?.sessionIssuer?.userName ?? roleFromArn(ui.arn);
      const session = sessionFromArn(ui.arn) ?? ui.principalId?.split(":")[1] ?? null;
      const permissionSet = role ? permissionSetOf(role) : null;
      a.role_name = role ?? null;
      a.session_name = session;
      a.role_arn = ui.sessionContext?.sessionIssuer?.arn ?? null;
      if (permissionSet !== null) {
        a.actor_type = "identity_center";
        a.actor = session ?? "";
        a.human = true;
        a.sso_user = session;
        a.permission_set = permissionSet;
        return;
      }
      a.actor_type = "assumed_role";
      a.actor = `${role ?? "?"}/${session ?? "?"}`;
      a.human = false;
      return;
    }
    case "IdentityCenterUser":
      a.actor_type = "identity_center";
      a.actor = ui.userName ?? ui.onBehalfOf?.userId ?? "";
      a.human = true;
      a.sso_user = ui.userName ?? null;
      a.sso_user_id = ui.onBehalfOf?.userId ?? null;
      return;
    case "AWSService":
      a.actor_type = "aws_service";
      a.actor = ui.invokedBy ?? "";
      a.human = false;
      return;
    default:
      a.actor_type = type.toLowerCase();
      a.actor = ui.userName ?? ui.arn ?? ui.principalId ?? "";
      // A federated console user or an unknown identity (e.g. an Identity Center sign-in in the older
      // event format, whose userName is the person) is treated as a person: fail towards review.
      a.human = type !== "AWSAccount";
      a.user_name = ui.userName ?? null;
      if (type === "Unknown" && ui.userName) a.sso_user = ui.userName;
      return;
  }
}

/** Role name → its Identity Center permission set, or null (not an AWSReservedSSO_ role). */
function permissionSetOf(role: string): string | null {
  return SSO_ROLE.exec(role)?.[1] ?? null;
}

const ROLE_IN_ARN = /:assumed-role\/([^/]+)\//;
const SESSION_IN_ARN = /:assumed-role\/[^/]+\/(.+)$/;

function roleFromArn(arn: string | undefined): string | undefined {
  return arn ? ROLE_IN_ARN.exec(arn)?.[1] : undefined;
}

function sessionFromArn(arn: string | undefined): string | undefined {
  return arn ? SESSION_IN_ARN.exec(arn)?.[1] : undefined;
}
