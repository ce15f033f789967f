-- Changes by actor: write (non-read-only) management events per actor and event source over the recorded period
-- Source: CloudTrail LookupEvents pages recorded by the event-based controls (run with --period). Actors are the
-- ARNs CloudTrail records (assumed-role sessions name the person or pipeline behind a role).
SELECT bundle_id, account_id, coalesce(actor_arn, username) AS actor, actor_type, event_source,
       count(*) AS events, min(event_time) AS first_event, max(event_time) AS last_event,
       count(*) FILTER (WHERE error_code IS NOT NULL) AS failed
FROM aws_cloudtrail_event
WHERE read_only IS DISTINCT FROM true
GROUP BY ALL
ORDER BY events DESC, actor, bundle_id, account_id, event_source, actor_type;
