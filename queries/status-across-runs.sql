-- Control status across runs: one row per control, one column per bundle (give several bundles, oldest first)
SELECT control_id, list(status ORDER BY as_of) AS statuses, list(bundle_id ORDER BY as_of) AS bundles,
       list(exceptions ORDER BY as_of) AS exceptions
FROM control
GROUP BY control_id
ORDER BY control_id;
