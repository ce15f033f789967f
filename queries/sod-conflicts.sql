-- Segregation-of-duties conflicts: members who both administer and use cryptographic keys, and every SoD exception
-- GCP: a member holding a Cloud KMS admin role and an encrypt/decrypt/sign role on the same resource (effective
-- bindings as recorded from getIamPolicy). Any provider: every failed finding of a control whose id names SoD.
WITH kms AS (
  SELECT bundle_id, project_id AS account_id, resource, member,
         bool_or(role IN ('roles/cloudkms.admin', 'roles/owner')) AS administers,
         bool_or(role LIKE 'roles/cloudkms.cryptoKey%' OR role IN ('roles/cloudkms.signer', 'roles/cloudkms.signerVerifier')) AS uses
  FROM gcp_iam_binding
  GROUP BY ALL
)
SELECT bundle_id, 'gcp-iam-binding' AS source, account_id, resource, member AS principal,
       'administers and uses KMS keys' AS conflict
FROM kms WHERE administers AND uses
UNION ALL
SELECT bundle_id, control_id AS source, account_id, resource, resource AS principal, message AS conflict
FROM finding
WHERE (control_id LIKE '%sod%' OR control_id LIKE '%segregation%') AND status IN ('fail', 'waived')
ORDER BY bundle_id, account_id, principal, source, resource;
