-- Open product model (issue 18): watch_inventory.product, watch_alerts.product and
-- watch_advisory_products.product hold product keys (a catalogue id, unchanged for every row
-- stored before, or an open key `vendor:product` / `_:name`); TEXT already holds them.

-- End-of-life index: which product keys each endoflife.date product (slug) may give an end of
-- life to (its CPEs' and purls' keys, its title, the catalogue products linked to it).
CREATE TABLE watch_eol_keys (
    slug TEXT NOT NULL,
    product TEXT NOT NULL,
    PRIMARY KEY (slug, product)
);
CREATE INDEX watch_eol_keys_product ON watch_eol_keys(product);

-- With which key rules the product index (watch_advisory_products, watch_eol_keys) was built,
-- and how far a rebuild got (advisories of id up to done_upto are done; -1 when complete). No
-- row: the index predates the open model, and the first rebuild (worker start or next
-- ingestion, `watch::reindex`) computes every key set again once.
CREATE TABLE watch_index_state (
    id INTEGER PRIMARY KEY,
    version TEXT NOT NULL,
    done_upto INTEGER NOT NULL DEFAULT 0
);
