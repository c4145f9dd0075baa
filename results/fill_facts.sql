-- Fills the facts (migration 0003) of the runs an older replicate recorded,
-- from what they hold; a run whose facts are known is left alone.
--
-- task: older replicates recorded the metrics of the task (metrics.MetricNames),
-- so the test metrics tell it: spearman only for a scored task, acc1off and
-- mae for any ordered one, neither for an orderless one. A run without any
-- test metric keeps ''.
UPDATE runs SET task = CASE
		WHEN EXISTS (SELECT 1 FROM metrics m WHERE m.run = runs.key AND m.split = 'test' AND m.metric = 'spearman') THEN 'scored'
		WHEN EXISTS (SELECT 1 FROM metrics m WHERE m.run = runs.key AND m.split = 'test' AND m.metric IN ('acc1off', 'mae')) THEN 'ordinal'
		WHEN EXISTS (SELECT 1 FROM metrics m WHERE m.run = runs.key AND m.split = 'test') THEN 'orderless'
		ELSE '' END
	WHERE task = '';

-- setting: the leaves of the configuration's JSON (a list is one leaf) but
-- the coordinates, as settings.Setting writes them: dotted names, sorted,
-- name=value joined by ', ', a number or a list with its text in the JSON,
-- a string bare unless it holds ', ' or starts with '"' (then JSON-quoted).
-- A configuration that is not JSON, or holds coordinates only, keeps ''.
WITH RECURSIVE node (run, name, type, js) AS (
		SELECT r.key, e.key, e.type, r.config -> e.key
		FROM runs AS r, json_each(r.config) AS e
		WHERE r.setting = '' AND json_valid(r.config) AND json_type(r.config) = 'object'
	UNION ALL
		SELECT node.run, node.name || '.' || e.key, e.type, node.js -> e.key
		FROM node, json_each(node.js) AS e
		WHERE node.type = 'object'
), leaf (run, name, value) AS (
	SELECT run, name, CASE WHEN type = 'text' THEN js ->> '$' ELSE js END
	FROM node
	WHERE type <> 'object' AND name NOT IN ('experiment', 'profile', 'loss', 'fold', 'seed')
), setting (run, text) AS (
	SELECT run, group_concat(name || '=' ||
			CASE WHEN instr(value, ', ') > 0 OR substr(value, 1, 1) = '"' THEN json_quote(value) ELSE value END,
			', ' ORDER BY name)
	FROM leaf GROUP BY run
)
UPDATE runs SET setting = setting.text FROM setting WHERE runs.key = setting.run;
