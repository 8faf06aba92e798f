//! `vigie observatory` on the command line, on SQLite and on PostgreSQL: the 581 declarations
//! of 2023 imported from their CSV, then the observatory as JSON (every figure, parsed back), as
//! a standalone HTML page and as a PDF whose text (`pdftotext`) shows the key figures; the
//! roll-up refreshed; bad arguments refused with a clear message and a non-zero exit.

use std::process::{Command, Output};

use vigie_store::testing;

const DATASET_2023: &[u8] =
    include_bytes!("../../../vigie-observatory/tests/data/observatory-2023.csv");

fn vigie(url: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vigie"));
    c.env("VIGIE_DATABASE_URL", url)
        .env("VIGIE_LOG", "warn")
        .env("VIGIE_SECURITY_SECRET_KEY", testing::TEST_SECRET_KEY)
        .env_remove("VIGIE_CONFIG");
    c
}

fn run(url: &str, args: &[&str]) -> Output {
    vigie(url).args(args).output().unwrap()
}

fn ok(out: Output, what: &str) -> Vec<u8> {
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[tokio::test]
async fn the_command_line_gives_the_observatory_as_json_html_and_pdf() {
    for db in testing::all().await {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("observatory-2023.csv");
        std::fs::write(&csv, DATASET_2023).unwrap();
        let csv = csv.to_str().unwrap();
        let out = ok(run(&db.url, &["observatory", "import", csv]), "import");
        assert!(
            String::from_utf8_lossy(&out).contains("581 declaration(s) imported"),
            "[{}] {}",
            db.name,
            String::from_utf8_lossy(&out)
        );
        let year = ["observatory", "--from", "2023-01-01", "--to", "2023-12-31"];

        // JSON: every figure, parsed back
        let json = ok(
            run(&db.url, &[&year[..], &["--format", "json"]].concat()),
            "json",
        );
        let o: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(o["period_kind"], "year", "[{}]", db.name);
        assert_eq!(o["key"]["declarations"], 581);
        assert_eq!(o["key"]["malicious"], 290);
        assert_eq!(o["key"]["care_impact"], 203);
        assert_eq!(o["key"]["no_operations_impact"], 308);
        assert_eq!(o["key"]["support_requests"], 165);
        assert_eq!(o["key"]["structures_supported"], 0);
        assert_eq!(o["by_month"].as_array().unwrap().len(), 12);
        assert_eq!(o["year_over_year"]["key"]["declarations"], 0);
        // a region, and the roll-up refreshed gives the same figures
        let idf = ok(
            run(
                &db.url,
                &[&year[..], &["--region", "11", "--format", "json"]].concat(),
            ),
            "region",
        );
        let r: serde_json::Value = serde_json::from_slice(&idf).unwrap();
        assert_eq!(r["territory"]["code"], "11");
        assert_eq!(r["key"]["declarations"], 120);
        ok(run(&db.url, &["observatory", "refresh"]), "refresh");
        let again = ok(
            run(&db.url, &[&year[..], &["--format", "json"]].concat()),
            "json",
        );
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&again).unwrap(),
            o,
            "[{}] the same after the refresh",
            db.name
        );

        // HTML: a page
        let html = ok(
            run(&db.url, &[&year[..], &["--format", "html"]].concat()),
            "html",
        );
        let html = String::from_utf8(html).unwrap();
        assert!(html.starts_with("<!DOCTYPE html>") || html.starts_with("<!doctype html>"));
        assert!(html.contains("</html>"));
        assert!(html.contains("kf-declarations") && html.contains("581"));

        // PDF: to a file, its text shows the key figures
        let pdf = dir.path().join("observatoire-2023.pdf");
        ok(
            run(
                &db.url,
                &[&year[..], &["--format", "pdf", "-o", pdf.to_str().unwrap()]].concat(),
            ),
            "pdf",
        );
        let bytes = std::fs::read(&pdf).unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        let text = Command::new("pdftotext")
            .args(["-layout", pdf.to_str().unwrap(), "-"])
            .output()
            .expect("pdftotext (scripts/install-test-deps.sh installs poppler-utils)");
        let text = String::from_utf8_lossy(&text.stdout).replace(['\u{a0}', '\u{202f}'], " ");
        for figure in ["581", "50 %", "35 %", "53 %", "165"] {
            assert!(
                text.contains(figure),
                "[{}] {figure} in the PDF:\n{text}",
                db.name
            );
        }

        // bad arguments: a clear error, a non-zero exit, nothing on the standard output
        for (args, says) in [
            (
                vec!["observatory", "--from", "2023-01-01", "--format", "json"],
                "give --from and --to",
            ),
            (
                vec!["observatory", "--from", "2023-13-01", "--to", "2023-12-31"],
                "is not a day",
            ),
            (
                vec!["observatory", "--from", "2023-05-02", "--to", "2023-05-01"],
                "",
            ),
            (vec!["observatory", "--year", "2023", "--region", "99"], ""),
            (
                vec!["observatory", "--year", "2023", "--format", "xml"],
                "xml",
            ),
            (
                vec![
                    "observatory",
                    "--year",
                    "2023",
                    "--region",
                    "11",
                    "--ght",
                    "3",
                ],
                "cannot be used with",
            ),
        ] {
            let out = run(&db.url, &args);
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(!out.status.success(), "[{}] {args:?} succeeded", db.name);
            assert!(
                out.stdout.is_empty(),
                "[{}] {args:?} wrote to stdout",
                db.name
            );
            assert!(
                !err.trim().is_empty(),
                "[{}] {args:?} says nothing",
                db.name
            );
            assert!(err.contains(says), "[{}] {args:?}: {err}", db.name);
        }
        db.cleanup().await;
    }
}
