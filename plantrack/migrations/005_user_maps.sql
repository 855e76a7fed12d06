-- Accounts on both maps (units.md): a planner of today's province (92 = new Cần Thơ) or of a
-- former one (92 = old Cần Thơ), an officer of a commune (5 digits) or of a former district
-- (3 digits). Codes are reused across the maps, so an account records the map its
-- province_code and district_code are on; every account made before is on the old map.
-- district_code keeps its name and holds the account's reporting unit (district or commune).

ALTER TABLE users ADD COLUMN map VARCHAR DEFAULT 'pre2025';
UPDATE users SET map = 'pre2025' WHERE map IS NULL;
