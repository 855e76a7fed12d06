-- The 2025 reform (units.md): a return is on the old map (a district of one of 63 provinces)
-- or on today's (a commune of one of 34). Province codes are reused across the maps, so every
-- receipt and return records its map; existing rows are all on the old map.
-- district_code keeps its name and holds the reporting unit's code: a district (3 digits) on the
-- old map, a commune (5 digits) on the new one.

DROP VIEW current_returns;

ALTER TABLE receipts ADD COLUMN map VARCHAR DEFAULT 'pre2025';
ALTER TABLE returns ADD COLUMN map VARCHAR DEFAULT 'pre2025';
UPDATE receipts SET map = 'pre2025' WHERE map IS NULL;
UPDATE returns SET map = 'pre2025' WHERE map IS NULL;

-- the newest version of each unit's return for a period (QUALIFY instead of a correlated max)
CREATE VIEW current_returns AS
SELECT *
FROM returns
QUALIFY version = max(version) OVER (PARTITION BY map, district_code, period);
