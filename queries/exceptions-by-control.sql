-- Exceptions by control: failed, waived and unevaluated findings per control, with the control's frameworks
SELECT c.bundle_id, c.control_id, c.domain, c.severity, c.status,
       count(*) FILTER (WHERE f.status = 'fail') AS exceptions,
       count(*) FILTER (WHERE f.status = 'waived') AS waived,
       count(*) FILTER (WHERE f.status = 'error') AS errors,
       c.population
FROM control c LEFT JOIN finding f USING (bundle_id, control_id)
GROUP BY c.bundle_id, c.control_id, c.domain, c.severity, c.status, c.population
HAVING count(*) FILTER (WHERE f.status IN ('fail', 'waived', 'error')) > 0 OR c.status = 'error'
ORDER BY c.bundle_id, c.severity, c.control_id;
