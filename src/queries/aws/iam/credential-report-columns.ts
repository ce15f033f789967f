/**
 * The IAM credential report's 22 columns, in AWS's order (shared/reference.md). Its own module, free of SDK
 * imports, so the `sql` schema can name them without loading the IAM client.
 */
export const CREDENTIAL_REPORT_COLUMNS = [
  "user",
  "arn",
  "user_creation_time",
  "password_enabled",
  "password_last_used",
  "password_last_changed",
  "password_next_rotation",
  "mfa_active",
  "access_key_1_active",
  "access_key_1_last_rotated",
  "access_key_1_last_used_date",
  "access_key_1_last_used_region",
  "access_key_1_last_used_service",
  "access_key_2_active",
  "access_key_2_last_rotated",
  "access_key_2_last_used_date",
  "access_key_2_last_used_region",
  "access_key_2_last_used_service",
  "cert_1_active",
  "cert_1_last_rotated",
  "cert_2_active",
  "cert_2_last_rotated",
] as const;
