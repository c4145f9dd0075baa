-- One row per run; the key is the hash of the run's canonical config.
CREATE TABLE runs (
	key          TEXT PRIMARY KEY,
	experiment   TEXT NOT NULL,
	dataset      TEXT NOT NULL,
	loss         TEXT NOT NULL,
	fold         INTEGER NOT NULL,
	seed         INTEGER NOT NULL,
	profile      TEXT NOT NULL,
	config       TEXT NOT NULL,             -- canonical JSON of the run spec
	status       TEXT NOT NULL,             -- running, finished, failed, diverged, interrupted
	started      TEXT NOT NULL,             -- UTC RFC 3339
	finished     TEXT,                      -- UTC RFC 3339, NULL while running
	wall_seconds REAL,
	epochs_done  INTEGER NOT NULL DEFAULT 0,
	error        TEXT NOT NULL DEFAULT '',
	heartbeat    TEXT NOT NULL,             -- UTC RFC 3339, refreshed while running
	go_version   TEXT NOT NULL DEFAULT '',
	os_arch      TEXT NOT NULL DEFAULT '',
	cpu_model    TEXT NOT NULL DEFAULT '',
	git_commit   TEXT NOT NULL DEFAULT '',
	git_dirty    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX runs_experiment ON runs (experiment, status);

-- One row per run, epoch, split and metric.
CREATE TABLE metrics (
	run    TEXT NOT NULL REFERENCES runs (key) ON DELETE CASCADE,
	epoch  INTEGER NOT NULL,               -- 0-based
	split  TEXT NOT NULL,                  -- train or test
	metric TEXT NOT NULL,                  -- acc, acc1off, mae, loss, ...
	value  REAL,                           -- NULL when the metric is undefined (NaN)
	PRIMARY KEY (run, epoch, split, metric)
);
