-- Accounts for the web app: who may upload and download original files, and for which
-- districts (accounts.can_act_for). Passwords are kept only as argon2 hashes.

CREATE TABLE users (
    username      VARCHAR PRIMARY KEY,
    password_hash VARCHAR NOT NULL,
    role          VARCHAR NOT NULL CHECK (role IN ('admin', 'province', 'district')),
    province_code VARCHAR,
    district_code VARCHAR,
    created_at    TIMESTAMP NOT NULL,
    -- a province planner is tied to a province, a district officer to a district
    CHECK (role <> 'province' OR province_code IS NOT NULL),
    CHECK (role <> 'district' OR (district_code IS NOT NULL AND province_code IS NOT NULL))
);
