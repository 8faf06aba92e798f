//! The open-data export never publishes a count under the threshold, and no suppressed count
//! can be recovered from what is published, margins included (checked by linear algebra, apart
//! from the graph argument the suppression relies on).

use proptest::prelude::*;
use vigie_observatory::opendata::{protect, Grid, Protected, THRESHOLD};

/// The rank of a matrix of small integers (Gaussian elimination in f64 is exact enough here:
/// entries are 0 and ±1 and the matrices are small).
fn rank(mut m: Vec<Vec<f64>>) -> usize {
    let cols = m.first().map_or(0, Vec::len);
    let mut r = 0;
    for c in 0..cols {
        let Some(p) = (r..m.len()).max_by(|&a, &b| m[a][c].abs().total_cmp(&m[b][c].abs())) else {
            break;
        };
        if m[p][c].abs() < 1e-9 {
            continue;
        }
        m.swap(r, p);
        for i in 0..m.len() {
            if i != r {
                let f = m[i][c] / m[r][c];
                if f != 0.0 {
                    let pivot = m[r].clone();
                    for (x, p) in m[i].iter_mut().zip(&pivot).skip(c) {
                        *x -= f * p;
                    }
                }
            }
        }
        r += 1;
        if r == m.len() {
            break;
        }
    }
    r
}

/// The suppressed entries that the published numbers determine: the unknowns are the suppressed
/// entries; each row of the grid sums to its total, each column to its total, the totals to the
/// grand total. An unknown is determined when its unit vector lies in the span of the equations.
fn recoverable(p: &Protected) -> Vec<(usize, usize)> {
    let rows = p.values.len();
    let cols = p.values[0].len();
    let unknowns: Vec<(usize, usize)> = (0..rows)
        .flat_map(|i| (0..cols).map(move |j| (i, j)))
        .filter(|&(i, j)| p.suppressed[i][j])
        .collect();
    if unknowns.is_empty() {
        return vec![];
    }
    let idx = |i: usize, j: usize| unknowns.iter().position(|&u| u == (i, j));
    let mut eqs: Vec<Vec<f64>> = Vec::new();
    // row i: cells of the row minus its total = 0 (extended row sums to zero); same for columns
    for i in 0..rows {
        let mut e = vec![0.0; unknowns.len()];
        for j in 0..cols {
            if let Some(k) = idx(i, j) {
                e[k] = if j == cols - 1 { -1.0 } else { 1.0 };
            }
        }
        eqs.push(e);
    }
    for j in 0..cols {
        let mut e = vec![0.0; unknowns.len()];
        for i in 0..rows {
            if let Some(k) = idx(i, j) {
                e[k] = if i == rows - 1 { -1.0 } else { 1.0 };
            }
        }
        eqs.push(e);
    }
    let base = rank(eqs.clone());
    unknowns
        .iter()
        .enumerate()
        .filter(|(k, _)| {
            let mut with = eqs.clone();
            let mut unit = vec![0.0; unknowns.len()];
            unit[*k] = 1.0;
            with.push(unit);
            rank(with) == base
        })
        .map(|(_, u)| *u)
        .collect()
}

fn grids() -> impl Strategy<Value = Grid> {
    (1usize..7, 1usize..5).prop_flat_map(|(r, c)| {
        // small counts are frequent, so that suppression has work to do
        let count = prop_oneof![3 => 0i64..5, 2 => 0i64..15, 1 => 0i64..200];
        proptest::collection::vec(proptest::collection::vec(count, c), r).prop_map(move |cells| {
            Grid {
                name: "t".into(),
                rows: (0..r).map(|i| format!("r{i}")).collect(),
                cols: (0..c).map(|j| format!("c{j}")).collect(),
                cells,
            }
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn nothing_small_is_published_nor_recoverable(g in grids()) {
        let p = protect(&g, THRESHOLD);
        for (i, row) in p.values.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                if !p.suppressed[i][j] {
                    prop_assert!(*v == 0 || *v >= THRESHOLD, "published {v} at {i},{j}");
                } else {
                    // never a zero: moving one along a cycle keeps every count non-negative
                    prop_assert!(*v >= 1, "suppressed zero at {i},{j}");
                }
            }
        }
        let leaked = recoverable(&p);
        prop_assert!(leaked.is_empty(), "recoverable: {leaked:?} in {:?} / {:?}", p.values, p.suppressed);
    }
}

#[test]
fn a_lone_small_cell_takes_others_with_it() {
    let g = Grid {
        name: "t".into(),
        rows: vec!["a".into(), "b".into()],
        cols: vec!["x".into(), "y".into()],
        cells: vec![vec![3, 40], vec![20, 50]],
    };
    let p = protect(&g, THRESHOLD);
    assert!(p.suppressed[0][0]);
    // the rest of its row, its column and the opposite corner go with it
    assert!(p.suppressed[0][1] && p.suppressed[1][0] && p.suppressed[1][1]);
    assert!(recoverable(&p).is_empty());
    let mut out = String::new();
    p.csv_lines(&mut out);
    assert!(out.contains("t,a,x,,suppressed\n"), "{out}");
    assert!(out.contains("t,total,total,113,published\n"), "{out}");
}
