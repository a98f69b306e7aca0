-- Privacy requests made before 0050 have no company: give each the company of the person it is about, so the
-- privacy officers of that company still see (and can decide on) them. A request whose person was already
-- erased, or who has no company, stays without one and is visible to no company.
UPDATE impact.privacy_requests r
SET company_id = u.company_id
FROM impact.users u
WHERE u.id = r.user_id AND r.company_id IS NULL;
