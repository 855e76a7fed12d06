-- The first schema: files received (bytes kept content-addressed), returns and their
-- versions, the values they carry, and every issue found in a file.

CREATE SEQUENCE receipt_id_seq START 1;
CREATE SEQUENCE return_id_seq START 1;

-- every file's bytes, once, by SHA-256
CREATE TABLE blobs (
    sha256   VARCHAR PRIMARY KEY,
    size     BIGINT NOT NULL,
    content  BLOB NOT NULL
);

-- every file received, whatever became of it
CREATE TABLE receipts (
    id            BIGINT PRIMARY KEY DEFAULT nextval('receipt_id_seq'),
    sha256        VARCHAR NOT NULL,
    filename      VARCHAR,
    sender        VARCHAR,
    received_at   TIMESTAMP NOT NULL,   -- when the district sent it (timeliness)
    loaded_at     TIMESTAMP NOT NULL,   -- when it entered the store
    outcome       VARCHAR NOT NULL CHECK (outcome IN ('accepted', 'unchanged', 'rejected')),
    province_code VARCHAR,
    district_code VARCHAR,
    period        VARCHAR,
    return_id     BIGINT                -- the return it created (accepted) or repeated (unchanged)
);

-- accepted returns: one version per accepted file; the newest version counts
CREATE TABLE returns (
    id            BIGINT PRIMARY KEY DEFAULT nextval('return_id_seq'),
    province_code VARCHAR NOT NULL,
    district_code VARCHAR NOT NULL,
    period        VARCHAR NOT NULL,
    version       INTEGER NOT NULL,
    receipt_id    BIGINT NOT NULL,
    sha256        VARCHAR NOT NULL,
    received_at   TIMESTAMP NOT NULL,
    on_time       BOOLEAN NOT NULL,
    UNIQUE (district_code, period, version)
);

-- one row per plan indicator of a return; NULLs mean not reported (never zero)
CREATE TABLE return_values (
    return_id   BIGINT NOT NULL,
    indicator   VARCHAR NOT NULL,
    numerator   BIGINT,
    denominator BIGINT,
    PRIMARY KEY (return_id, indicator)
);

-- every error and warning found in a received file
CREATE TABLE issues (
    receipt_id BIGINT NOT NULL,
    seq        INTEGER NOT NULL,
    code       VARCHAR NOT NULL,
    severity   VARCHAR NOT NULL,
    sheet      VARCHAR,
    cell       VARCHAR,
    indicator  VARCHAR,
    message    VARCHAR NOT NULL,
    PRIMARY KEY (receipt_id, seq)
);

CREATE VIEW current_returns AS
SELECT r.*
FROM returns r
WHERE r.version = (SELECT max(v.version) FROM returns v
                   WHERE v.district_code = r.district_code AND v.period = r.period);
