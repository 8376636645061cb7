-- Applications' keys (app.*) may carry a JSON Schema that later sets must
-- satisfy; secret values are stored sealed (XChaCha20-Poly1305 under a key
-- derived from the master key) and marked so, which also tells rows written
-- in clear by earlier versions apart: they are sealed at the next start.
ALTER TABLE config_values ADD COLUMN schema TEXT;
ALTER TABLE config_values ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;
