-- The process that holds a running run (host:pid:nonce); only it may write
-- the run's metrics and end it. A run whose heartbeat is stale may be taken
-- over by another process.
ALTER TABLE runs ADD COLUMN owner TEXT NOT NULL DEFAULT '';
-- The linear-algebra backend the run used (e.g. "gonum (pure Go)").
ALTER TABLE runs ADD COLUMN blas TEXT NOT NULL DEFAULT '';

-- Files a run produced: checkpoints, learned ground-distance matrices,
-- figures. Small artifacts may be stored inline in data.
CREATE TABLE artifacts (
	run     TEXT NOT NULL REFERENCES runs (key) ON DELETE CASCADE,
	name    TEXT NOT NULL,             -- e.g. checkpoint, ground_distance/epoch-3
	kind    TEXT NOT NULL,             -- checkpoint, matrix, figure
	epoch   INTEGER,                   -- the epoch it belongs to, if any
	path    TEXT NOT NULL DEFAULT '',  -- a file path, when stored outside the DB
	data    BLOB,                      -- the content, when stored inline
	created TEXT NOT NULL,             -- UTC RFC 3339
	PRIMARY KEY (run, name)
);
