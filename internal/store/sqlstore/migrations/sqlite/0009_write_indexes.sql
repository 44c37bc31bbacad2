-- Two indexes that every CreateCollaboration paid for and no statement
-- needs any more (issue 10: without them a CreateCollaboration costs
-- ≈ 20% less CPU and the writes go ≈ 18% faster, docs/performance.md).
--
-- collaborations_live_by_creator served CountCollaborationsCreatedBy's
-- COUNT(*) until 0002 moved the count to collaboration_counts; nothing
-- has read it since.
--
-- members_by_position kept ListMembers sort-free. Its key starts with a
-- random collaboration id, so each CreateCollaboration wrote one more
-- random leaf, plus one more b-tree insert per member. ListMembers now
-- finds the collaboration's rows through UNIQUE (collaboration_id,
-- account_id) and sorts them: a collaboration has at most the members
-- quota of rows (on AWS 5 invited members and the creator), so the sort
-- is over a handful of rows (TestQueryPlans allows it for these two
-- statements only).
DROP INDEX collaborations_live_by_creator;
DROP INDEX members_by_position;
