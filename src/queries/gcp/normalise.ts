/**
 * Normalising Google API answers into rows. Google's Node clients return protobuf messages as plain objects
 * (camelCase field names, enums as strings, int64 as strings, google.protobuf.Timestamp as
 * {seconds, nanos}); recorded answers carry the same shapes, so live and replayed answers normalise alike.
 */

/** google.protobuf.Timestamp ({seconds, nanos}) or an RFC 3339 string → Date; null when absent. */
export function asTimestamp(v: unknown): Date | null {
  if (v === null || v === undefined || v === "") return null;
  if (v instanceof Date) return v;
  if (typeof v === "string") {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  if (typeof v === "object" && "seconds" in v) {
    const s = Number((v as { seconds: unknown }).seconds ?? 0);
    const n = Number((v as { nanos?: unknown }).nanos ?? 0);
    return new Date(s * 1000 + Math.floor(n / 1e6));
  }
  return null;
}

export type MemberType =
  | "user"
  | "group"
  | "serviceAccount"
  | "domain"
  | "allUsers"
  | "allAuthenticatedUsers"
  | "deleted"
  | "principal"
  | "principalSet"
  | "projectOwner"
  | "projectEditor"
  | "projectViewer"
  | "other";

export interface MemberInfo {
  member_type: MemberType;
  /** The e-mail address for user / group / serviceAccount (and deleted ones), else null. */
  member_email: string | null;
  /** The domain of the e-mail, or the domain of a `domain:` member; null otherwise. */
  member_domain: string | null;
  /** A Google-managed service agent (…@cloudservices.gserviceaccount.com, service-…@gcp-sa-….iam…). */
  is_service_agent: boolean;
}

const KNOWN_PREFIX: Record<string, MemberType> = {
  user: "user",
  group: "group",
  serviceAccount: "serviceAccount",
  domain: "domain",
  deleted: "deleted",
  projectOwner: "projectOwner",
  projectEditor: "projectEditor",
  projectViewer: "projectViewer",
};

/** Parses an IAM member string (`user:alice@example.com`, `allUsers`, `principal://…`). */
export function parseMember(member: string): MemberInfo {
  if (member === "allUsers" || member === "allAuthenticatedUsers")
    return { member_type: member, member_email: null, member_domain: null, is_service_agent: false };
  if (member.startsWith("principal://"))
    return { member_type: "principal", member_email: null, member_domain: null, is_service_agent: false };
  if (member.startsWith("principalSet://"))
    return { member_type: "principalSet", member_email: null, member_domain: null, is_service_agent: false };
  const i = member.indexOf(":");
  const prefix = i > 0 ? member.slice(0, i) : "";
  const rest = i > 0 ? member.slice(i + 1) : member;
  const type = KNOWN_PREFIX[prefix] ?? "other";
  if (type === "domain")
    return {
      member_type: type,
      member_email: null,
      member_domain: rest.toLowerCase(),
      is_service_agent: false,
    };
  if (type === "user" || type === "group" || type === "serviceAccount" || type === "deleted") {
    // deleted:user:alice@example.com?uid=123
    const email = (type === "deleted" ? rest.slice(rest.indexOf(":") + 1) : rest)
      .split("?")[0]!
      .toLowerCase();
    const domain = email.includes("@") ? email.slice(email.lastIndexOf("@") + 1) : null;
    return {
      member_type: type,
      member_email: email,
      member_domain: domain,
      is_service_agent: type === "serviceAccount" && isServiceAgent(email),
    };
  }
  return { member_type: type, member_email: null, member_domain: null, is_service_agent: false };
}

/**
 * Google-managed service agents: accounts Google creates and grants roles to for its own services. They are
 * not user-managed service accounts (CIS GCP 1.5 is about the latter). User-managed accounts live in
 * <project>.iam.gserviceaccount.com; the default Compute (…-compute@developer…) and App Engine
 * (…@appspot…) accounts are user-manageable and count as user-managed.
 */
export function isServiceAgent(email: string): boolean {
  const domain = email.slice(email.lastIndexOf("@") + 1);
  if (domain === "developer.gserviceaccount.com" || domain === "appspot.gserviceaccount.com") return false;
  if (/\.iam\.gserviceaccount\.com$/.test(domain))
    return /^gcp-sa-/.test(domain) || /^service-\d+@/.test(email);
  return /gserviceaccount\.com$/.test(domain);
}

const EXPIRY = /request\.time\s*<=?\s*timestamp\(\s*["']([^"']+)["']\s*\)/g;

/**
 * The instant an IAM condition stops granting access, for the common expiry form
 * `request.time < timestamp("2025-01-01T00:00:00Z")` (the earliest when several are combined); null when the
 * expression has no such bound.
 */
export function conditionExpiry(expression: string | null | undefined): Date | null {
  if (!expression) return null;
  let earliest: Date | null = null;
  for (const m of expression.matchAll(EXPIRY)) {
    const d = new Date(m[1]!);
    if (!Number.isNaN(d.getTime()) && (!earliest || d < earliest)) earliest = d;
  }
  return earliest;
}

export const BASIC_ROLES = ["roles/owner", "roles/editor", "roles/viewer"];

export function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.map((x) => String(x)) : [];
}
