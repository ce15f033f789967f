import { describe, expect, it } from "vitest";
import { CREDENTIAL_REPORT_CSV } from "../../fixtures/aws/demo-src/iam.js";
import { normaliseValue, parseCredentialReport } from "../../src/queries/aws/iam/credential-report.js";

describe("credential report normalisation", () => {
  it("turns AWS's vocabulary into typed values", () => {
    expect(normaliseValue("mfa_active", "true")).toBe(true);
    expect(normaliseValue("mfa_active", "false")).toBe(false);
    expect(normaliseValue("password_enabled", "not_supported")).toBeNull();
    expect(normaliseValue("password_last_used", "no_information")).toBeNull();
    expect(normaliseValue("access_key_1_last_rotated", "N/A")).toBeNull();
    expect(normaliseValue("user_creation_time", "2026-11-22T00:04:54+00:00")).toEqual(
      new Date("2026-11-22T00:04:54Z"),
    );
    expect(normaliseValue("access_key_1_last_used_service", "s3")).toBe("s3");
  });

  it("rejects values of the wrong type instead of guessing", () => {
    expect(() => normaliseValue("mfa_active", "yes")).toThrow(/unexpected value/);
    expect(() => normaliseValue("user_creation_time", "yesterday")).toThrow(/not a timestamp/);
  });

  it("parses the demo report: root first, 13 rows, typed", () => {
    const rows = parseCredentialReport(CREDENTIAL_REPORT_CSV);
    expect(rows).toHaveLength(13);
    expect(rows[0]).toMatchObject({
      user: "<root_account>",
      is_root: true,
      password_enabled: null,
      mfa_active: true,
    });
    const bob = rows.find((r) => r.user === "bob.dev");
    expect(bob).toMatchObject({
      password_enabled: true,
      mfa_active: false,
      access_key_1_active: false,
      access_key_1_last_rotated: null,
    });
  });

  it("fails on a report missing a column", () => {
    const broken = CREDENTIAL_REPORT_CSV.replace(",mfa_active,", ",mfa,");
    expect(() => parseCredentialReport(broken)).toThrow(/missing columns: mfa_active/);
  });
});
