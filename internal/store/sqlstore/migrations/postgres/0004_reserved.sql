-- Placeholder for migration 0004, which another branch adds (issue 7 runs
-- in parallel); the loader wants versions without gaps. DELETE THIS FILE
-- when merging that branch's 0004.
SELECT 1;
