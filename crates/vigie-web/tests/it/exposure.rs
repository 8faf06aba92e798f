//! The exposure pages: findings with evidence and advice, the report (HTML and PDF), and "who
//! exposes what" within the viewer's scope.

use reqwest::StatusCode;
use vigie_domain::role::Role;
use vigie_store::testing::{self};

use super::common::*;

/// What the exposure pages show: the structure's findings with evidence and advice, the map of
/// exposed systems, the history and the diff, triage; the report with its summary and plan, and
/// as a PDF; the "who exposes what" view limited to the viewer's scope.
#[tokio::test]
async fn exposure_pages_show_findings_report_and_who_exposes_what() {
    for db in testing::all().await {
        let app = spawn_app(&db, Default::default()).await;
        let w = seed(&app.store).await;
        let (first, finding) = exposure_seed(&app.store, w.fleyriat).await;
        exposure_seed(&app.store, w.pitie).await;
        // A second scan of Fleyriat: RDP closed (fixed), Redis open without authentication.
        let second = app.store.request_scan(&system(), w.fleyriat).await.unwrap();
        app.store
            .start_scan(&system(), second)
            .await
            .unwrap()
            .unwrap();
        let address = format!("185.10.{}.1", w.fleyriat % 250);
        app.store
            .finish_scan(
                &system(),
                second,
                &vigie_store::surveillance::ScanOutcome {
                    // What the scan left out, as `vigie_scan::platform` writes it.
                    scope: serde_json::json!({
                        "targets": [address.clone(), "185.99.0.7", "185.99.0.8"],
                        "down": [{"address": "185.99.0.7", "reason": "no-response",
                                  "detail": "no answer to 5 probes in 1.0 s"}],
                        "given_up": [{"address": "185.99.0.8",
                                      "detail": "no answer to its first 32 attempts"}],
                        "refused": [{"address": "10.0.0.4",
                                     "reason": "private address (RFC 1918): not reachable from the internet"}],
                    }),
                    software: Vec::new(),
                    covered_addresses: vec![address.clone()],
                    covered_ports: vec![3389, 6379],
                    observations: vec![vigie_store::surveillance::NewObservation {
                        address: address.clone(),
                        port: 6379,
                        service: "redis".into(),
                        product: Some("Redis".into()),
                        version: Some("7.0.15".into()),
                        finding_kinds: vec!["redis-no-authentication".into()],
                        ..Default::default()
                    }],
                    findings: vec![vigie_store::surveillance::NewFinding {
                        kind: "redis-no-authentication".into(),
                        address: address.clone(),
                        port: 6379,
                        service: "redis".into(),
                        severity: "critical".into(),
                        confidence: "high".into(),
                        title_fr: "Redis sans authentification : redis sur le port 6379".into(),
                        title_en: "Redis without authentication: redis on port 6379".into(),
                        evidence: "PING → +PONG (no authentication)".into(),
                        advice_fr: "Activer l'authentification (requirepass).".into(),
                        advice_en: "Enable authentication (requirepass).".into(),
                        ..Default::default()
                    }],
                },
            )
            .await
            .unwrap();
        let (c, csrf) = sign_in(&app, &w, Role::StructureAdmin).await;
        let text = |p: String| {
            let c = c.clone();
            let base = app.base.clone();
            async move {
                let r = c.get(format!("{base}{p}")).send().await.unwrap();
                assert_eq!(r.status(), StatusCode::OK, "{p}");
                r.text().await.unwrap()
            }
        };
        let page = text(format!(
            "/structures/{}/exposure?from={first}&to={second}",
            w.fleyriat
        ))
        .await;
        assert!(page.contains("Exposition sur Internet"), "French first");
        assert!(
            page.contains("PING → +PONG (no authentication)"),
            "evidence"
        );
        assert!(
            page.contains("Activer l&#x27;authentification")
                || page.contains("Activer l&#39;authentification"),
            "advice"
        );
        assert!(page.contains("Critique (1)"), "grouped by criticality");
        assert!(
            page.contains(&format!("#{second}")),
            "fix verified by the second scan"
        );
        assert!(
            page.contains("Ouvert") && page.contains("Fermé"),
            "diff rows"
        );
        assert!(
            page.contains("Surveillance programmée désactivée"),
            "off by default"
        );
        assert!(page.contains("Vérifier maintenant"));
        // The addresses the last scan did not scan, and why: none of their findings is taken
        // as fixed.
        let unscanned = page
            .split("id=\"unscanned\"")
            .nth(1)
            .and_then(|t| t.split("</table>").next())
            .unwrap_or_else(|| panic!("no table of unscanned addresses: {page}"));
        for part in [
            "185.99.0.7",
            "Jugée hors ligne",
            "no answer to 5 probes",
            "185.99.0.8",
            "Analyse abandonnée tôt",
            "10.0.0.4",
            "Refusée",
        ] {
            assert!(unscanned.contains(part), "unscanned table lacks {part}");
        }
        assert!(
            !page.contains("sv-enabled"),
            "a structure admin does not manage surveillance"
        );
        // Triage from the page.
        let open = app
            .store
            .list_findings(&system(), w.fleyriat, true)
            .await
            .unwrap();
        let redis = open[0].id;
        assert_ne!(redis, finding);
        let res = c
            .post(format!(
                "{}/structures/{}/exposure/findings/{redis}/acknowledge",
                app.base, w.fleyriat
            ))
            .form(&[("csrf", csrf.as_str()), ("note", "Mot de passe posé lundi")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let f = app.store.get_finding(&system(), redis).await.unwrap();
        assert_eq!(
            (f.status.as_str(), f.triage_note.as_deref()),
            ("acknowledged", Some("Mot de passe posé lundi"))
        );

        // Fleyriat runs FortiOS 7.0.12, hit by CVE-2024-55591, which CISA lists as exploited:
        // the report names it among the known-exploited vulnerabilities of its products.
        watch_alert(&app.store, w.fleyriat).await;
        let mut kev = vigie_intel::Corpus::default();
        kev.add_path(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/data/cisa-kev/known_exploited_vulnerabilities.json"),
        );
        app.store
            .watch_ingest(&system(), &kev, "kev.json")
            .await
            .unwrap();
        let report = text(format!("/structures/{}/exposure/report", w.fleyriat)).await;
        let kev_part = report
            .split("id=\"kev\"")
            .nth(1)
            .and_then(|t| t.split("</table>").next())
            .unwrap_or_else(|| panic!("no known-exploited table: {report}"));
        assert!(
            kev_part.contains("CVE-2024-55591") && kev_part.contains("7.0.12"),
            "{kev_part}"
        );
        for part in [
            "Synthèse pour la direction",
            "Cartographie des systèmes exposés",
            "Plan de remédiation priorisé",
            "1 constat critique",
            "TLP:AMBER",
            "id=\"chart-severity\"",
            "Redis sans authentification",
            "6379",
            "Adresses non analysées",
            "185.99.0.7",
        ] {
            assert!(report.contains(part), "report lacks {part}");
        }
        let pdf = c
            .get(format!(
                "{}/structures/{}/exposure/report.pdf",
                app.base, w.fleyriat
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(pdf.headers()["content-type"], "application/pdf");
        let bytes = pdf.bytes().await.unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        // what a PDF reader shows (poppler's pdftotext, from scripts/install-test-deps.sh)
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.pdf");
        std::fs::write(&path, &bytes).unwrap();
        let out = std::process::Command::new("pdftotext")
            .args(["-enc", "UTF-8"])
            .arg(&path)
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils)");
        assert!(out.status.success());
        let shown = String::from_utf8(out.stdout).unwrap();
        // Its marking on every page, page numbers, the chart of findings by severity with its
        // table, the known-exploited vulnerabilities of the structure's products.
        for part in [
            "Vulnérabilités exploitées (CISA KEV)",
            "CVE-2024-55591",
            "CH DE FLEYRIAT",
            "Redis sans authentification",
            "6379",
            "TLP:AMBER",
            "page 1 /",
            "Constats ouverts par criticité",
            "Adresses non analysées",
            "Jugée hors ligne",
            // An address is never broken across lines: its column keeps its width.
            "185.99.0.8",
        ] {
            assert!(shown.contains(part), "the PDF lacks {part}: {shown}");
        }
        let pages = shown.matches('\u{c}').count().max(1);
        assert!(
            shown.matches("TLP:AMBER").count() >= pages,
            "the marking is not on every page ({pages} pages): {shown}"
        );
        // Each page says "page n / N", and says it with its marking.
        for (i, page) in shown
            .split('\u{c}')
            .filter(|p| !p.trim().is_empty())
            .enumerate()
        {
            assert!(
                page.contains(&format!("page {} / {pages}", i + 1)) && page.contains("TLP:AMBER"),
                "page {} of {pages}: {page}",
                i + 1
            );
        }

        // Who exposes what: the structure admin sees its structure only; the CERT sees both.
        let ov = text("/exposure".into()).await;
        assert!(ov.contains("CH DE FLEYRIAT"));
        assert!(!ov.contains(&format!("/structures/{}/exposure", w.pitie)));
        let (cert, _) = sign_in(&app, &w, Role::CertAnalyst).await;
        let ov = cert
            .get(format!("{}/exposure", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(ov.contains(&format!("/structures/{}/exposure", w.pitie)));
        assert!(ov.contains(&format!("/structures/{}/exposure", w.fleyriat)));
        // Most exposed first: Fleyriat has a critical finding.
        assert!(
            ov.find(&format!("/structures/{}/exposure", w.fleyriat))
                < ov.find(&format!("/structures/{}/exposure", w.pitie))
        );
        // The API gives the same, in JSON.
        let tok = &w.tokens[&Role::StructureAdmin];
        let v: serde_json::Value = c
            .get(format!(
                "{}/api/v1/structures/{}/findings?open=true",
                app.base, w.fleyriat
            ))
            .bearer_auth(tok)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(v["items"].as_array().unwrap().len(), 1);
        assert_eq!(v["items"][0]["kind"], "redis-no-authentication");
        let d: serde_json::Value = c
            .get(format!(
                "{}/api/v1/scans/{second}/diff?from={first}",
                app.base
            ))
            .bearer_auth(tok)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(d["opened"][0]["port"], 6379);
        assert_eq!(d["closed"][0]["port"], 3389);
        db.cleanup().await;
    }
}
