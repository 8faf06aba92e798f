//! The statement builder's packed rows, on both backends.

use vigie_store::testing;

use crate::sqlx_pool;

/// Rows packed in one JSON document come back as they were, on both backends: numbers, text
/// with quotes, accents and newlines, NULL; and no row at all.
#[tokio::test]
async fn packed_rows_read_back_as_rows() {
    for db in testing::all().await {
        let s = &db.store;
        let pool = sqlx_pool(&db).await;
        let mut tx = pool.begin().await.expect("begin");
        vigie_store::db::Sql::new(
            "CREATE TEMPORARY TABLE packed_t (id BIGINT, name TEXT, n BIGINT)",
        )
        .execute(&mut *tx)
        .await
        .expect("create");
        let got: Vec<(i64, String, Option<i64>)> = vigie_store::db::Sql::new(&format!(
            "SELECT {} FROM packed_t",
            vigie_store::db::packed(s.backend(), "id, name, n")
        ))
        .fetch_packed(&mut *tx)
        .await
        .expect("empty");
        assert!(got.is_empty(), "{}: {got:?}", db.name);
        let rows = [
            (
                1i64,
                "Centre hospitalier \"Saint-Éloi\"\nsite B".to_string(),
                Some(7i64),
            ),
            (2, String::new(), None),
            (9_007_199_254_740_993, "x\\y\t\u{1}".to_string(), Some(-3)),
        ];
        for (id, name, n) in &rows {
            vigie_store::db::Sql::new("INSERT INTO packed_t (id, name, n) VALUES ($1, $2, $3)")
                .arg(*id)
                .arg(name.as_str())
                .arg(*n)
                .execute(&mut *tx)
                .await
                .expect("insert");
        }
        let mut got: Vec<(i64, String, Option<i64>)> = vigie_store::db::Sql::new(&format!(
            "SELECT {} FROM packed_t",
            vigie_store::db::packed(s.backend(), "id, name, n")
        ))
        .fetch_packed(&mut *tx)
        .await
        .expect("packed");
        got.sort();
        assert_eq!(got, rows.to_vec(), "{}", db.name);
        tx.rollback().await.expect("rollback");
        db.cleanup().await;
    }
}
