-- The newest version of each unit's return for a period, kept as a flag written with the return
-- (ingest clears the previous version's flag in the same transaction). The QUALIFY view of 004
-- computed a window over every return of the country for each query; a flag is read by a scan
-- that the province's filter prunes.

DROP VIEW current_returns;

ALTER TABLE returns ADD COLUMN is_current BOOLEAN DEFAULT true;  -- a return is the newest when written; ingest clears the older one

UPDATE returns SET is_current = false
WHERE id NOT IN (SELECT id FROM returns QUALIFY version = max(version) OVER (PARTITION BY map, district_code, period));

CREATE VIEW current_returns AS
SELECT * FROM returns WHERE is_current;
