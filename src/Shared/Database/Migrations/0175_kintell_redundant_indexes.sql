-- Three single-column indexes of the Kintell tables became redundant when migration 0120 (cohorts) added the
-- two-column ones that start with the same column: (participant_id, completed_at), (volunteer_id, completed_at) and
-- (rater_id, rated_at) answer every lookup by participant_id, volunteer_id or rater_id that the single-column
-- indexes did, including the reference checks of migration 0165. Each row a backfill writes paid for both.
DROP INDEX impact.kintell_sessions_participant_idx;
DROP INDEX impact.kintell_sessions_volunteer_idx;
DROP INDEX impact.kintell_ratings_rater_idx;
