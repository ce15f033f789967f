/** Small normalisers for GitHub's JSON: ISO timestamps to Date, "none" to null, logins of user-ish objects. */

export function asTimestamp(v: unknown): Date | null {
  if (typeof v !== "string" || v === "") return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** The login of a simple-user (null for a deleted "ghost" user or a commit GitHub could not map to a user). */
export function loginOf(u: unknown): string | null {
  const login = (u as { login?: unknown } | null | undefined)?.login;
  return typeof login === "string" ? login : null;
}

/** GitHub's `{enabled: boolean}` settings objects. */
export function enabled(v: unknown): boolean {
  return (v as { enabled?: unknown } | null | undefined)?.enabled === true;
}
