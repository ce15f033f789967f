-- Leavers who still hold access: edit the leavers list below (name or e-mail as the cloud records it)
-- Checks IAM users in the credential report with a console password or an active access key, and GCP members in
-- any IAM binding. Replace the VALUES rows with the HR leavers list for the period (one row per person).
WITH leavers(name) AS (
  VALUES ('heidi.finance'), ('dave.ops@example.com')
)
SELECT r.bundle_id, 'aws-iam-user' AS source, r.account_id, r.arn AS principal,
       concat_ws(', ',
         CASE WHEN r.password_enabled = 'true' THEN 'console password' END,
         CASE WHEN r.access_key_1_active = 'true' THEN 'access key 1' END,
         CASE WHEN r.access_key_2_active = 'true' THEN 'access key 2' END) AS access
FROM aws_iam_credential_report r JOIN leavers l ON r."user" = l.name
WHERE r.password_enabled = 'true' OR r.access_key_1_active = 'true' OR r.access_key_2_active = 'true'
UNION ALL
SELECT b.bundle_id, 'gcp-iam-binding' AS source, b.project_id AS account_id, b.member AS principal,
       string_agg(b.role || ' on ' || b.resource, ', ' ORDER BY b.role) AS access
FROM gcp_iam_binding b JOIN leavers l ON b.member IN ('user:' || l.name, 'serviceAccount:' || l.name)
GROUP BY ALL
ORDER BY 1, 3, 4, 2, 5;
