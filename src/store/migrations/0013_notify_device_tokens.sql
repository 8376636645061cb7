-- FCM and APNs devices: `endpoint` holds the device token; APNs also needs
-- the app's bundle id and whether the token is a development (sandbox) one.
ALTER TABLE notify_devices ADD COLUMN topic TEXT NOT NULL DEFAULT '';
ALTER TABLE notify_devices ADD COLUMN sandbox INTEGER NOT NULL DEFAULT 0;
