/**
 * The event normaliser as it was before round 9 (src/queries/aws/events/normalise-event.ts, 130c313), kept
 * as the reference the restructured one is compared with (test/period/normalise-event.test.ts): the rows must
 * stay identical. Not used by the tool.
 */
import { asDate } from "../../src/queries/aws/normalise.js";

/** LookupEvents' Event member (SDK form, or the recorded JSON form). */
interface LookupEvent {
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

class UnreadableEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnreadableEventError";
  }
}

/** The event's row; throws UnreadableEventError when the record cannot be read (the page is then unusable). */
export function referenceNormaliseEvent(e: LookupEvent): Record<string, unknown> {
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
  const resources = e.Resources ?? [];
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
    // The actor's fields, in the order the row has always had them (the results document keeps key order).
    actor_arn: actor.actor_arn,
    principal_id: actor.principal_id,
    user_name: actor.user_name,
    role_name: actor.role_name,
    session_name: actor.session_name,
    sso_user: actor.sso_user,
    sso_user_id: actor.sso_user_id,
    role_arn: actor.role_arn,
    permission_set: actor.permission_set,
    invoked_by: actor.invoked_by,
    actor_type: actor.actor_type,
    actor: actor.actor,
    human: actor.human,
    mfa_used: consoleMfa ?? (sessionMfa === undefined ? null : sessionMfa === "true"),
    source_ip: typeof r.sourceIPAddress === "string" ? r.sourceIPAddress : null,
    user_agent: typeof r.userAgent === "string" ? r.userAgent : null,
    request_parameters: (r.requestParameters ?? null) as unknown,
    console_login: typeof response?.ConsoleLogin === "string" ? response.ConsoleLogin : null,
    resources: resources.map((x) => ({ type: x.ResourceType ?? "", name: x.ResourceName ?? "" })),
    resource_names: resources.map((x) => x.ResourceName ?? ""),
  };
}

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

function actorOf(ui: UserIdentity): Actor {
  const a: Actor = {
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
  };
  const type = ui.type ?? "Unknown";
  switch (type) {
    case "IAMUser":
      a.actor_type = "iam_user";
      a.actor = ui.userName ?? ui.arn ?? "";
      a.human = true;
      a.user_name = ui.userName ?? null;
      return a;
    case "Root":
      a.actor_type = "root";
      a.actor = "root";
      a.human = true;
      return a;
    case "AssumedRole": {
      const role = ui.sessionContext?.sessionIssuer?.userName ?? roleFromArn(ui.arn);
      const session = sessionFromArn(ui.arn) ?? ui.principalId?.split(":")[1] ?? null;
      const sso = role ? SSO_ROLE.exec(role) : null;
      a.role_name = role ?? null;
      a.session_name = session;
      a.role_arn = ui.sessionContext?.sessionIssuer?.arn ?? null;
      if (sso) {
        a.actor_type = "identity_center";
        a.actor = session ?? "";
        a.human = true;
        a.sso_user = session;
        a.permission_set = sso[1]!;
        return a;
      }
      a.actor_type = "assumed_role";
      a.actor = `${role ?? "?"}/${session ?? "?"}`;
      a.human = false;
      return a;
    }
    case "IdentityCenterUser":
      a.actor_type = "identity_center";
      a.actor = ui.userName ?? ui.onBehalfOf?.userId ?? "";
      a.human = true;
      a.sso_user = ui.userName ?? null;
      a.sso_user_id = ui.onBehalfOf?.userId ?? null;
      return a;
    case "AWSService":
      a.actor_type = "aws_service";
      a.actor = ui.invokedBy ?? "";
      a.human = false;
      return a;
    default:
      a.actor_type = type.toLowerCase();
      a.actor = ui.userName ?? ui.arn ?? ui.principalId ?? "";
      // A federated console user or an unknown identity (e.g. an Identity Center sign-in in the older
      // event format, whose userName is the person) is treated as a person: fail towards review.
      a.human = type !== "AWSAccount";
      a.user_name = ui.userName ?? null;
      if (type === "Unknown" && ui.userName) a.sso_user = ui.userName;
      return a;
  }
}

function roleFromArn(arn: string | undefined): string | undefined {
  return arn ? /:assumed-role\/([^/]+)\//.exec(arn)?.[1] : undefined;
}

function sessionFromArn(arn: string | undefined): string | undefined {
  return arn ? /:assumed-role\/[^/]+\/(.+)$/.exec(arn)?.[1] : undefined;
}
