//! Generated WebAssembly text for the type-registration benchmarks.

use std::fmt::Write as _;

/// A module with `groups` rec groups of `per_group` struct types each and
/// nothing else. Every group is structurally distinct from every other (its
/// leading fields spell the group number in base 4 over i32/i64/f32/f64),
/// every type refers to the last type of its own group, and type `j > 0` of
/// a group is a declared subtype of type `j - 1` with one more field.
pub fn rec_groups_module(groups: usize, per_group: usize) -> String {
    const DIGITS: [&str; 4] = ["i32", "i64", "f32", "f64"];
    let mut s = String::from("(module\n");
    for g in 0..groups {
        s.push_str("  (rec\n");
        for j in 0..per_group {
            let _ = write!(s, "    (type $t{g}_{j} (sub ");
            if j > 0 {
                let _ = write!(s, "$t{g}_{} ", j - 1);
            }
            s.push_str("(struct");
            let mut n = g;
            for _ in 0..5 {
                let _ = write!(s, " (field {})", DIGITS[n % 4]);
                n /= 4;
            }
            let _ = write!(s, " (field (ref null $t{g}_{}))", per_group - 1);
            for _ in 0..j {
                s.push_str(" (field (mut i32))");
            }
            s.push_str(")))\n");
        }
        s.push_str("  )\n");
    }
    s.push_str(")\n");
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn rec_groups_module_parses() {
        let text = super::rec_groups_module(100, 10);
        wat::parse_str(&text).expect("generated module parses");
    }
}
