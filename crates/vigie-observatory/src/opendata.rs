//! Open data: the observatory's counts as CSV tables in which no published number smaller than
//! [`THRESHOLD`] can single out a structure, directly or through the margins.
//!
//! Each table is a grid of counts with its row totals, column totals and grand total. Method:
//!
//! 1. **Primary suppression**: every count from 1 to `THRESHOLD - 1`, margins included, is
//!    suppressed. Zeros are published (they single out no one).
//! 2. **Secondary suppression**: think of the grid with its margins as a table of `R + 1` rows and
//!    `C + 1` columns whose every row and column sums to zero (the totals taken negatively). A
//!    suppressed number can be recovered from the published ones exactly when it is a *bridge*
//!    of the bipartite graph whose edges are the suppressed numbers (rows and columns as
//!    vertices): otherwise it lies on a cycle, and adding and taking away one around the cycle
//!    gives another table with the same published numbers. So while some suppressed number
//!    lies on no cycle, the cheapest rectangle through it is completed (three more numbers, the
//!    smallest sum of counts, never a zero), or when none exists its whole row and column.
//!    Since secondary suppressions are never zeros, every suppressed number is at least 1 and
//!    moving one along a cycle keeps every count non-negative: nothing suppressed is recoverable,
//!    not even with the knowledge that counts are not negative.
//!
//! The property test (`tests/it/opendata.rs`) checks on random tables that no published count
//! is below the threshold and that no suppressed one is determined by the published numbers
//! (by linear algebra, independently of the graph argument).

use std::collections::VecDeque;

use crate::model::{Observatory, SECTORS};

/// The smallest count published.
pub const THRESHOLD: i64 = 5;

/// A table of counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grid {
    pub name: String,
    pub rows: Vec<String>,
    pub cols: Vec<String>,
    /// `rows.len()` rows of `cols.len()` counts.
    pub cells: Vec<Vec<i64>>,
}

/// A table with its margins and what is suppressed: `values` and `suppressed` have one more row
/// (column totals) and one more column (row totals) than the grid; the corner is the total.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Protected {
    pub grid: Grid,
    pub values: Vec<Vec<i64>>,
    pub suppressed: Vec<Vec<bool>>,
}

impl Grid {
    /// The grid with its margins (row totals last in each row, column totals as the last row).
    pub fn extended(&self) -> Vec<Vec<i64>> {
        let c = self.cols.len();
        let mut v: Vec<Vec<i64>> = self
            .cells
            .iter()
            .map(|row| {
                let mut r: Vec<i64> = (0..c).map(|j| row.get(j).copied().unwrap_or(0)).collect();
                r.push(r.iter().sum());
                r
            })
            .collect();
        let totals: Vec<i64> = (0..=c).map(|j| v.iter().map(|r| r[j]).sum()).collect();
        v.push(totals);
        v
    }
}

/// Whether suppressed entry `(i, j)` lies on a cycle of suppressed entries (rows and columns as
/// the vertices of a bipartite graph): whether `i` and `j` are still connected without it.
fn on_cycle(s: &[Vec<bool>], i: usize, j: usize) -> bool {
    let rows = s.len();
    let cols = s.first().map_or(0, Vec::len);
    // vertices: rows 0..rows, columns rows..rows+cols
    let mut seen = vec![false; rows + cols];
    let mut queue = VecDeque::from([i]);
    seen[i] = true;
    while let Some(v) = queue.pop_front() {
        if v == rows + j {
            return true;
        }
        if v < rows {
            for (c, &sup) in s[v].iter().enumerate() {
                if sup && !(v == i && c == j) && !seen[rows + c] {
                    seen[rows + c] = true;
                    queue.push_back(rows + c);
                }
            }
        } else {
            let c = v - rows;
            for (r, row) in s.iter().enumerate() {
                if row[c] && !(r == i && c == j) && !seen[r] {
                    seen[r] = true;
                    queue.push_back(r);
                }
            }
        }
    }
    false
}

/// Suppresses what must be (see the module's documentation).
pub fn protect(grid: &Grid, threshold: i64) -> Protected {
    let values = grid.extended();
    let mut s: Vec<Vec<bool>> = values
        .iter()
        .map(|r| r.iter().map(|&v| v > 0 && v < threshold).collect())
        .collect();
    let rows = values.len();
    let cols = values.first().map_or(0, Vec::len);
    loop {
        let open = (0..rows)
            .flat_map(|i| (0..cols).map(move |j| (i, j)))
            .find(|&(i, j)| s[i][j] && !on_cycle(&s, i, j));
        let Some((i, j)) = open else { break };
        // the cheapest rectangle through (i, j)
        let mut best: Option<(i64, usize, usize)> = None;
        for i2 in (0..rows).filter(|&x| x != i) {
            for j2 in (0..cols).filter(|&x| x != j) {
                let corners = [(i, j2), (i2, j), (i2, j2)];
                if corners.iter().any(|&(a, b)| !s[a][b] && values[a][b] == 0) {
                    continue;
                }
                let cost: i64 = corners
                    .iter()
                    .filter(|&&(a, b)| !s[a][b])
                    .map(|&(a, b)| values[a][b])
                    .sum();
                if best.is_none_or(|(c, _, _)| cost < c) {
                    best = Some((cost, i2, j2));
                }
            }
        }
        let before: usize = s.iter().flatten().filter(|x| **x).count();
        match best {
            Some((_, i2, j2)) => {
                s[i][j2] = true;
                s[i2][j] = true;
                s[i2][j2] = true;
            }
            None => {
                for (jj, v) in values[i].iter().enumerate() {
                    if *v != 0 {
                        s[i][jj] = true;
                    }
                }
                for (ii, row) in values.iter().enumerate() {
                    if row[j] != 0 {
                        s[ii][j] = true;
                    }
                }
            }
        }
        let after: usize = s.iter().flatten().filter(|x| **x).count();
        if after == before {
            // cannot happen (a rectangle of suppressed entries would have been a cycle); never
            // publish a recoverable number all the same
            for (ii, row) in values.iter().enumerate() {
                for (jj, v) in row.iter().enumerate() {
                    if *v != 0 {
                        s[ii][jj] = true;
                    }
                }
            }
            break;
        }
    }
    Protected {
        grid: grid.clone(),
        values,
        suppressed: s,
    }
}

impl Protected {
    /// The CSV lines of this table (`table,row,column,count,status`): a suppressed count is
    /// empty with the status `suppressed`. A table of one column has no separate row totals.
    pub fn csv_lines(&self, out: &mut String) {
        let g = &self.grid;
        let single = g.cols.len() == 1;
        for (i, row) in self.values.iter().enumerate() {
            let rname = g.rows.get(i).map_or("total", String::as_str);
            for (j, v) in row.iter().enumerate() {
                if single && j == 1 {
                    continue;
                }
                let cname = g.cols.get(j).map_or("total", String::as_str);
                if self.suppressed[i][j] {
                    out.push_str(&format!("{},{rname},{cname},,suppressed\n", g.name));
                } else {
                    out.push_str(&format!("{},{rname},{cname},{v},published\n", g.name));
                }
            }
        }
    }
}

/// The tables published from an observatory: declarations by region and kind of structure, and
/// by type, month, care impact, operations impact, state at declaration and day of the week.
pub fn tables(o: &Observatory) -> Vec<Grid> {
    let one = |name: &str, rows: Vec<(String, i64)>| Grid {
        name: name.to_string(),
        rows: rows.iter().map(|r| r.0.clone()).collect(),
        cols: vec!["count".to_string()],
        cells: rows.iter().map(|r| vec![r.1]).collect(),
    };
    let mut out = vec![Grid {
        name: "region_sector".into(),
        rows: o
            .by_region_sector
            .iter()
            .map(|r| r.region.clone())
            .collect(),
        cols: SECTORS.iter().map(|s| s.to_string()).collect(),
        cells: o
            .by_region_sector
            .iter()
            .map(|r| r.counts.clone())
            .collect(),
    }];
    out.push(one(
        "type",
        o.by_type
            .iter()
            .map(|t| (format!("{}/{}", t.origin, t.incident_type), t.n))
            .collect(),
    ));
    out.push(one(
        "month",
        o.by_month.iter().map(|m| (m.month.clone(), m.n)).collect(),
    ));
    for (name, parts) in [
        ("care_impact", &o.by_care_impact),
        ("operations_impact", &o.by_operations_impact),
        ("state", &o.by_state),
    ] {
        out.push(one(
            name,
            parts.iter().map(|p| (p.key.clone(), p.n)).collect(),
        ));
    }
    out.push(one(
        "weekday",
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            .iter()
            .zip(&o.by_weekday)
            .map(|(d, n)| (d.to_string(), *n))
            .collect(),
    ));
    out
}

/// The open-data file of an observatory: its period and territory in comment lines, then every
/// table, protected.
pub fn csv(o: &Observatory) -> String {
    let mut out = format!(
        "# vigie observatory open data; period {} to {}; territory {}; counts under {} suppressed with secondary suppression\n",
        o.from,
        o.to,
        o.territory.param(),
        THRESHOLD
    );
    out.push_str("table,row,column,count,status\n");
    for g in tables(o) {
        protect(&g, THRESHOLD).csv_lines(&mut out);
    }
    out
}
