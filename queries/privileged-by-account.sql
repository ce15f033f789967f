-- Privileged population by account: every principal holding admin-grade or IAM-write access, per account and bundle
-- Source: the population of the privileged-access review controls (their items are the principals tested), so the
-- list is exactly what the signed results hold. Use with several bundles to compare quarters.
SELECT bundle_id, account_id, control_id, count(*) AS principals,
       string_agg(resource, ', ' ORDER BY resource) AS who
FROM population_item
WHERE control_id IN ('access.aws-iam-admin-access-review', 'change-management.aws-iam-write-access-review')
   OR control_id LIKE '%privileged%'
GROUP BY ALL
ORDER BY bundle_id, account_id, control_id;
