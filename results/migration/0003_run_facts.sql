-- The facts of a run, recorded when it starts, so that the report never
-- reads them off the configuration or the metrics:
--   task     the kind of problem its data poses (datasets.Task): ordinal,
--            scored or orderless;
--   setting  the text of its setting (settings.Setting): every field of its
--            configuration but experiment, profile, loss, fold and seed, as
--            "name=value, …" sorted by name.
-- The runs an older replicate recorded get them from fill_facts.sql, run
-- with this migration (and by merge, for the runs of an older shard).
ALTER TABLE runs ADD COLUMN task TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN setting TEXT NOT NULL DEFAULT '';
