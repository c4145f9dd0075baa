-- A run retrained with --rerun keeps its earlier attempt: the attempt's row
-- moves to the key KEY~N (N = 1, 2, … in the order its attempts were
-- superseded) with status 'superseded', and its metrics and artifacts move
-- with it. The run's own key then holds the new attempt, so every query by
-- key or by status 'finished' (the report, list, merge's choice) sees the
-- new attempt only, and nothing recorded is deleted.
--   prior_status  the status the attempt had when it was superseded
--                 ('' for a run that was never superseded).
ALTER TABLE runs ADD COLUMN prior_status TEXT NOT NULL DEFAULT '';
-- The --set overrides of the command line that gave the run's profile, as
-- a JSON array of "key=value" ('' when none). The configuration (config)
-- is what the overrides gave; this says how it was asked for.
ALTER TABLE runs ADD COLUMN overrides TEXT NOT NULL DEFAULT '';
