-- Placeholder for migration 0003, which another branch (Glue) adds; the
-- loader wants versions without gaps. DELETE THIS FILE when merging that
-- branch's 0003.
SELECT 1;
