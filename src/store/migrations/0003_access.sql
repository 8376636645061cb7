-- Access control (src/access/): roles, and the roles and direct permission
-- grants each user holds. user_id is identity's user id, deliberately without
-- a foreign key so access/ works without identity's tables.

-- A role is a named set of permissions ("resource:action", "*" wildcards),
-- kept as a JSON array of strings. builtin roles cannot be deleted.
CREATE TABLE roles (
  name         TEXT PRIMARY KEY,
  description  TEXT NOT NULL DEFAULT '',
  permissions  TEXT NOT NULL DEFAULT '[]',
  builtin      INTEGER NOT NULL DEFAULT 0,
  created_at   BIGINT NOT NULL,
  updated_at   BIGINT NOT NULL
);

-- Built-in roles (created_at 0 = seeded by this migration):
--   admin  everything.
--   user   held by every registered user. Self-service routes need only a
--          signed-in caller, so it grants nothing until an operator adds
--          permissions to it (PUT /v1/roles/user).
INSERT INTO roles (name, description, permissions, builtin, created_at, updated_at)
VALUES ('admin', 'Full access to every resource', '["*"]', 1, 0, 0);
INSERT INTO roles (name, description, permissions, builtin, created_at, updated_at)
VALUES ('user', 'Every registered user', '[]', 1, 0, 0);

CREATE TABLE user_roles (
  user_id     TEXT NOT NULL,
  role        TEXT NOT NULL,
  granted_at  BIGINT NOT NULL,
  granted_by  TEXT,
  PRIMARY KEY (user_id, role)
);
-- Deleting a role removes its grants.
CREATE INDEX user_roles_role ON user_roles (role);

-- Direct grants of one permission; a deny wins over any allow.
CREATE TABLE user_permissions (
  user_id     TEXT NOT NULL,
  permission  TEXT NOT NULL,
  effect      TEXT NOT NULL CHECK (effect IN ('allow', 'deny')),
  granted_at  BIGINT NOT NULL,
  granted_by  TEXT,
  PRIMARY KEY (user_id, permission)
);
