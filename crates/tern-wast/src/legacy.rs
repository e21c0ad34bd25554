//! The folded syntax of the legacy exception instructions.
//!
//! The testsuite's `legacy/` scripts write `try` folded:
//! `(try $l (result i32) (do ...) (catch $e ...) (catch_all ...))` or
//! `(try (do ...) (delegate $l))`. The `wast` crate parses the flat forms
//! (`try ... catch ... end`, `try ... delegate $l`) but not the folded
//! one, so scripts are unfolded first: a pure rewrite of the text, the same
//! desugaring the spec interpreter's parser performs. Newlines are kept,
//! so failure reports keep their line numbers.

/// What an open parenthesis started.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    /// `(try`: `true` once a `(delegate ...)` clause was seen.
    Try(bool),
    /// A `do`, `catch`, `catch_all` or `delegate` clause of a `try`.
    Clause,
    Other,
}

/// Rewrites every folded `try` in `text` to the flat form.
pub(crate) fn unfold_try(text: &str) -> String {
    let b = text.as_bytes();
    // (position, bytes replaced, replacement)
    let mut edits: Vec<(usize, usize, &'static str)> = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b';' if b.get(i + 1) == Some(&b';') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'(' if b.get(i + 1) == Some(&b';') => {
                // Block comment (nesting).
                let mut depth = 0usize;
                while i < b.len() {
                    if b[i] == b'(' && b.get(i + 1) == Some(&b';') {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b';' && b.get(i + 1) == Some(&b')') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                continue;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'(' => {
                let start = i + 1;
                let mut end = start;
                while end < b.len() && !b[end].is_ascii_whitespace() && !b"()\";".contains(&b[end])
                {
                    end += 1;
                }
                let head = &text[start..end];
                let in_try = matches!(stack.last(), Some(Open::Try(_)));
                let open = match head {
                    "try" => {
                        edits.push((i, 1, " "));
                        Open::Try(false)
                    }
                    "do" if in_try => {
                        edits.push((i, 3, "   "));
                        Open::Clause
                    }
                    "catch" | "catch_all" if in_try => {
                        edits.push((i, 1, " "));
                        Open::Clause
                    }
                    "delegate" if in_try => {
                        edits.push((i, 1, " "));
                        if let Some(Open::Try(d)) = stack.last_mut() {
                            *d = true;
                        }
                        Open::Clause
                    }
                    _ => Open::Other,
                };
                stack.push(open);
            }
            b')' => match stack.pop() {
                Some(Open::Try(false)) => edits.push((i, 1, " end")),
                Some(Open::Try(true)) | Some(Open::Clause) => edits.push((i, 1, " ")),
                _ => {}
            },
            _ => {}
        }
        i += 1;
    }
    if edits.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + edits.len() * 3);
    let mut at = 0;
    for (pos, len, with) in edits {
        out.push_str(&text[at..pos]);
        out.push_str(with);
        at = pos + len;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::unfold_try;

    #[test]
    fn unfolds_catch_and_delegate() {
        let s = unfold_try("(try (result i32) (do (i32.const 1)) (catch $e (drop)) (catch_all))");
        assert_eq!(
            s,
            " try (result i32)     (i32.const 1)   catch $e (drop)   catch_all  end"
        );
        let s = unfold_try("(try $t (do (nop)) (delegate $t)) ;; (try\n\"(try\"");
        assert_eq!(s, " try $t     (nop)   delegate $t   ;; (try\n\"(try\"");
    }
}
