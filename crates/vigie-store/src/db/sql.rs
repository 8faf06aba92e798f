//! Statements: the builder that numbers `$n` placeholders, multi-row texts, prepared values, and
//! rows packed in one JSON document.

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{Any, Arguments, Executor, FromRow};

use crate::db::backend::Backend;
use crate::error::StoreError;

/// A statement and its values already in the driver's form, built apart from running it: bulk
/// writes build statement n+1 while statement n runs on the database's side, and repeat one text
/// (written once, see [`rows_text`]) with new values. Text values borrow from the caller's rows
/// (sqlx copies them once, when the statement is handed to the database's connection).
pub struct Prepared<'q> {
    text: std::sync::Arc<str>,
    args: AnyArguments<'q>,
}

impl<'q> Prepared<'q> {
    pub fn new(text: std::sync::Arc<str>, values: usize) -> Prepared<'q> {
        let mut args = AnyArguments::default();
        args.reserve(values, 0);
        Prepared { text, args }
    }

    /// Binds the next value (`&str`, `Option<&str>`, `i64`…).
    pub fn push<T>(&mut self, v: T) -> Result<&mut Prepared<'q>, StoreError>
    where
        T: 'q + sqlx::Encode<'q, Any> + sqlx::Type<Any>,
    {
        self.args.add(v).map_err(StoreError::Encode)?;
        Ok(self)
    }

    pub async fn execute<'e, E>(self, ex: E) -> Result<u64, StoreError>
    where
        E: Executor<'e, Database = Any>,
    {
        let Prepared { text, args } = self;
        crate::cache::note_statement(&text);
        let r = sqlx::query_with(&text, args).execute(ex).await;
        crate::cache::note_statement(&text);
        Ok(r?.rows_affected())
    }
}

/// `head`, then `rows` copies of `row` separated by commas, then `tail`: the text of a multi-row
/// statement. Each `?` of `row` is a placeholder in the backend's syntax (`?` on SQLite, `$n`
/// numbered across the rows on PostgreSQL); `row` holds no other `?`.
pub fn rows_text(backend: Backend, head: &str, row: &str, rows: usize, tail: &str) -> String {
    use std::fmt::Write;
    let marks = row.matches('?').count();
    let mut out = String::with_capacity(head.len() + tail.len() + rows * (row.len() + 4 * marks));
    out.push_str(head);
    let mut n = 0usize;
    for i in 0..rows {
        if i > 0 {
            out.push(',');
        }
        if backend == Backend::Sqlite {
            out.push_str(row);
            continue;
        }
        for (j, part) in row.split('?').enumerate() {
            if j > 0 {
                n += 1;
                let _ = write!(out, "${n}");
            }
            out.push_str(part);
        }
    }
    out.push_str(tail);
    out
}

/// A bound value.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    I(Option<i64>),
    S(Option<String>),
    F(Option<f64>),
}

impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::I(Some(v))
    }
}
impl From<Option<i64>> for Val {
    fn from(v: Option<i64>) -> Val {
        Val::I(v)
    }
}
impl From<bool> for Val {
    fn from(v: bool) -> Val {
        Val::I(Some(v as i64))
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Val {
        Val::S(Some(v.to_string()))
    }
}
impl From<String> for Val {
    fn from(v: String) -> Val {
        Val::S(Some(v))
    }
}
impl From<&String> for Val {
    fn from(v: &String) -> Val {
        Val::S(Some(v.clone()))
    }
}
impl From<Option<String>> for Val {
    fn from(v: Option<String>) -> Val {
        Val::S(v)
    }
}
impl From<Option<&str>> for Val {
    fn from(v: Option<&str>) -> Val {
        Val::S(v.map(str::to_string))
    }
}
impl From<f64> for Val {
    fn from(v: f64) -> Val {
        Val::F(Some(v))
    }
}

/// A statement under construction: text with `$n` placeholders and the values they stand for.
#[derive(Clone, Debug, Default)]
pub struct Sql {
    text: String,
    args: Vec<Val>,
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql {
            text: text.to_string(),
            args: Vec::new(),
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `v`.
    /// Appends `(v1, v2, ...)`, one placeholder per value (an `IN` list; never empty: callers
    /// skip the query when they have no value).
    pub fn push_in_list<T: Into<Val>>(&mut self, values: impl IntoIterator<Item = T>) -> &mut Sql {
        self.push("(");
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(v);
        }
        self.push(")")
    }

    pub fn bind(&mut self, v: impl Into<Val>) -> &mut Sql {
        use std::fmt::Write;
        self.args.push(v.into());
        // Writing the number in place: no allocation per placeholder (bulk statements bind
        // thousands of values).
        let _ = write!(self.text, "${}", self.args.len());
        self
    }

    /// Appends ` = <code>` comparing with a region's INSEE code.
    ///
    /// A code of one of the 18 regions (as `vigie_domain::geo::region` finds it: surrounding
    /// spaces ignored) is written as a literal, the table's own form of it, never the caller's
    /// text; anything else is bound as it is (stored codes are the table's, so it matches
    /// nothing). Each code is its own statement text (18 at most per query, within sqlx's
    /// per-connection cache of prepared statements). A region has
    /// thousands of structures where another has hundreds: with the code in the text,
    /// PostgreSQL plans each region's statement for that region once per connection and keeps
    /// the plan, where a bound code makes it either plan each execution anew or keep one plan for
    /// an average region (a third of PostgreSQL's time per structures page went to planning).
    pub fn push_region_eq(&mut self, code: &str) -> &mut Sql {
        self.push_code_eq(vigie_domain::geo::region(code).map(|r| r.code), code)
    }

    /// [`Sql::push_region_eq`] for a department's code (the 101 departments and the overseas
    /// collectivities of the domain's table).
    pub fn push_department_eq(&mut self, code: &str) -> &mut Sql {
        self.push_code_eq(vigie_domain::geo::department(code).map(|d| d.code), code)
    }

    fn push_code_eq(&mut self, known: Option<&'static str>, raw: &str) -> &mut Sql {
        match known {
            // The tables hold digits and capital letters only: nothing to escape.
            Some(code) if !code.is_empty() && code.bytes().all(|b| b.is_ascii_alphanumeric()) => {
                self.push(" = '").push(code).push("'")
            }
            _ => self.push(" = ").bind(raw),
        }
    }

    /// Appends another statement's text and values, its `$n` placeholders renumbered after
    /// this one's (a WHERE clause built once, used after select-lists that bind values too).
    pub fn push_sql(&mut self, tail: &Sql) -> &mut Sql {
        use std::fmt::Write;
        let offset = self.args.len();
        let mut chars = tail.text.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '$' || !chars.peek().is_some_and(char::is_ascii_digit) {
                self.text.push(c);
                continue;
            }
            let mut n = 0usize;
            while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                n = n * 10 + d as usize;
                chars.next();
            }
            let _ = write!(self.text, "${}", n + offset);
        }
        self.args.extend(tail.args.iter().cloned());
        self
    }

    /// Binds without writing a placeholder: for statements written with explicit `$n`.
    pub fn arg(mut self, v: impl Into<Val>) -> Sql {
        self.args.push(v.into());
        self
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The bound values, in order.
    #[cfg(test)]
    pub(crate) fn values(&self) -> &[Val] {
        &self.args
    }

    /// The statement's text and bound values as one string: the key of a cached result (two
    /// statements with the same key return the same rows).
    pub fn cache_key(&self) -> String {
        format!("{}\u{0}{:?}", self.text, self.args)
    }

    /// For SQLite, rewrites `$1, $2, …` into anonymous `?` placeholders. SQLite resolves a named
    /// parameter by walking the statement's list of names, once per bound value, which makes a
    /// statement of thousands of values (bulk inserts) quadratic; anonymous ones bind by position.
    /// Only statements whose placeholders appear once each and in order are rewritten (what
    /// [`Sql::bind`] produces); anything else is left as it is.
    pub fn positional_for(self, backend: Backend) -> Sql {
        if backend != Backend::Sqlite {
            return self;
        }
        let mut out = String::with_capacity(self.text.len());
        let mut next = 1usize;
        let mut chars = self.text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c != '$' {
                out.push(c);
                continue;
            }
            let start = i + 1;
            let mut end = start;
            while let Some(&(j, d)) = chars.peek() {
                if d.is_ascii_digit() {
                    end = j + 1;
                    chars.next();
                } else {
                    break;
                }
            }
            match self.text[start..end].parse::<usize>() {
                Ok(n) if n == next => {
                    out.push('?');
                    next += 1;
                }
                _ => return self,
            }
        }
        if next - 1 != self.args.len() {
            return self;
        }
        Sql {
            text: out,
            args: self.args,
        }
    }

    /// This statement's text after `prefix`, with the same values: reuses one WHERE clause for a
    /// count and for a page of rows.
    pub fn prefixed(&self, prefix: &str) -> Sql {
        Sql {
            text: format!("{prefix}{}", self.text),
            args: self.args.clone(),
        }
    }

    fn arguments(&self) -> Result<AnyArguments<'_>, StoreError> {
        let mut a = AnyArguments::default();
        for v in &self.args {
            let r = match v {
                Val::I(x) => a.add(*x),
                Val::S(x) => a.add(x.clone()),
                Val::F(x) => a.add(*x),
            };
            r.map_err(StoreError::Encode)?;
        }
        Ok(a)
    }

    pub async fn execute<'e, E>(&self, ex: E) -> Result<u64, StoreError>
    where
        E: Executor<'e, Database = Any>,
    {
        crate::cache::note_statement(&self.text);
        let r = sqlx::query_with(&self.text, self.arguments()?)
            .execute(ex)
            .await;
        crate::cache::note_statement(&self.text);
        Ok(r?.rows_affected())
    }

    pub async fn fetch_all<'e, T, E>(&self, ex: E) -> Result<Vec<T>, StoreError>
    where
        T: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
        E: Executor<'e, Database = Any>,
    {
        crate::cache::note_statement(&self.text);
        let r = sqlx::query_as_with::<_, T, _>(&self.text, self.arguments()?)
            .fetch_all(ex)
            .await;
        crate::cache::note_statement(&self.text);
        Ok(r?)
    }

    pub async fn fetch_optional<'e, T, E>(&self, ex: E) -> Result<Option<T>, StoreError>
    where
        T: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
        E: Executor<'e, Database = Any>,
    {
        crate::cache::note_statement(&self.text);
        let r = sqlx::query_as_with::<_, T, _>(&self.text, self.arguments()?)
            .fetch_optional(ex)
            .await;
        crate::cache::note_statement(&self.text);
        Ok(r?)
    }

    pub async fn fetch_one<'e, T, E>(&self, ex: E) -> Result<T, StoreError>
    where
        T: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
        E: Executor<'e, Database = Any>,
    {
        self.fetch_optional(ex).await?.ok_or(StoreError::NotFound)
    }

    /// A single i64 (a count, an id).
    pub async fn scalar<'e, E>(&self, ex: E) -> Result<i64, StoreError>
    where
        E: Executor<'e, Database = Any>,
    {
        let row: (i64,) = self.fetch_one(ex).await?;
        Ok(row.0)
    }

    /// All the rows of a query built with [`packed`] as its only column, decoded from the one
    /// JSON document that carries them (each row a JSON array, in the order of the packed
    /// columns: a tuple type reads it).
    pub async fn fetch_packed<'e, T, E>(&self, ex: E) -> Result<Vec<T>, StoreError>
    where
        T: serde::de::DeserializeOwned,
        E: Executor<'e, Database = Any>,
    {
        let (doc,): (Option<String>,) = self.fetch_one(ex).await?;
        match doc {
            None => Ok(Vec::new()),
            Some(d) => serde_json::from_str(&d)
                .map_err(|e| StoreError::Internal(format!("packed rows of {:?}: {e}", self.text))),
        }
    }

    /// All rows as raw `AnyRow`s, for generic export.
    pub async fn fetch_rows<'e, E>(&self, ex: E) -> Result<Vec<AnyRow>, StoreError>
    where
        E: Executor<'e, Database = Any>,
    {
        crate::cache::note_statement(&self.text);
        let r = sqlx::query_with(&self.text, self.arguments()?)
            .fetch_all(ex)
            .await;
        crate::cache::note_statement(&self.text);
        Ok(r?)
    }
}

/// The select-list of a query that returns its rows packed in one JSON document (read it with
/// [`Sql::fetch_packed`]): `columns` is a comma-separated list of expressions (numbers, text or
/// NULL), each row an array of them.
///
/// Every row of a result crosses from the SQLite connection's thread to the async side on its
/// own, with a copy of each value and a wake-up: reading thousands of rows cost several times
/// what SQLite took to find them (3,000 inventory items: 35-60 ms through rows, 4 ms in
/// SQLite). Packed, they cross once. Used where a statement returns thousands of small rows.
pub fn packed(backend: Backend, columns: &str) -> String {
    match backend {
        Backend::Sqlite => format!("json_group_array(json_array({columns}))"),
        Backend::Postgres => format!("json_agg(json_build_array({columns}))::text"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_text_writes_each_backends_placeholders() {
        let head = "INSERT INTO t (a, b, c) VALUES ";
        let tail = " ON CONFLICT DO NOTHING";
        assert_eq!(
            rows_text(Backend::Sqlite, head, "(?,?,7)", 3, tail),
            "INSERT INTO t (a, b, c) VALUES (?,?,7),(?,?,7),(?,?,7) ON CONFLICT DO NOTHING"
        );
        assert_eq!(
            rows_text(Backend::Postgres, head, "(?,?,7)", 3, tail),
            "INSERT INTO t (a, b, c) VALUES ($1,$2,7),($3,$4,7),($5,$6,7) ON CONFLICT DO NOTHING"
        );
        assert_eq!(rows_text(Backend::Postgres, "H", "(?)", 0, "T"), "HT");
    }

    #[test]
    fn appended_statements_are_renumbered() {
        let mut head = Sql::new("SELECT ");
        head.bind(7i64).push(" AS x");
        let mut tail = Sql::new(" FROM t WHERE a = ");
        tail.bind("a").push(" AND b = ").bind(2i64);
        head.push_sql(&tail).push(" LIMIT ").bind(1i64);
        assert_eq!(
            head.text(),
            "SELECT $1 AS x FROM t WHERE a = $2 AND b = $3 LIMIT $4"
        );
        assert_eq!(head.values().len(), 4);
        assert_eq!(head.values()[1], Val::from("a"));
    }

    #[test]
    fn builder_numbers_placeholders() {
        let mut q = Sql::new("SELECT 1 WHERE a = ");
        q.bind(1i64).push(" AND b = ").bind("x");
        assert_eq!(q.text(), "SELECT 1 WHERE a = $1 AND b = $2");
    }

    #[test]
    fn positional_rewrite_only_for_sequential_placeholders_on_sqlite() {
        let mut q = Sql::new("INSERT INTO t VALUES (");
        q.bind(1i64).push(", ").bind("x").push(")");
        assert_eq!(
            q.clone().positional_for(Backend::Sqlite).text(),
            "INSERT INTO t VALUES (?, ?)"
        );
        assert_eq!(
            q.clone().positional_for(Backend::Postgres).text(),
            "INSERT INTO t VALUES ($1, $2)"
        );
        let reused = Sql::new("SELECT $1, $2, $1").arg(1i64).arg(2i64);
        assert_eq!(
            reused.positional_for(Backend::Sqlite).text(),
            "SELECT $1, $2, $1"
        );
    }
}
