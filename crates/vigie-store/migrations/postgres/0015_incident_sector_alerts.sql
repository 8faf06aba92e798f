-- Incidents (issue 14): sector-wide alerts. From one case, an analyst warns the other structures
-- of their scope that run the product the attack went through (what the vulnerability watch
-- knows each structure runs: its inventory, declared or seen by the scanner). The alert names
-- neither the incident nor its structure; each structure warned is kept with the versions it
-- runs, so that the case shows whom it reached and a structure what it was told.
CREATE TABLE incident_sector_alerts (
    id BIGSERIAL PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    product TEXT NOT NULL,
    exposed_only BIGINT NOT NULL,
    advisory TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL,
    tlp TEXT NOT NULL,
    territory TEXT NOT NULL,
    structures BIGINT NOT NULL,
    sent_by TEXT NOT NULL,
    sent_by_user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    sent_at BIGINT NOT NULL
);
CREATE INDEX incident_sector_alerts_incident ON incident_sector_alerts(incident_id, id);

CREATE TABLE incident_sector_alert_targets (
    alert_id BIGINT NOT NULL REFERENCES incident_sector_alerts(id) ON DELETE CASCADE,
    structure_id BIGINT NOT NULL REFERENCES structures(id) ON DELETE CASCADE,
    versions TEXT NOT NULL,
    PRIMARY KEY (alert_id, structure_id)
);
CREATE INDEX incident_sector_alert_targets_structure ON incident_sector_alert_targets(structure_id, alert_id);
