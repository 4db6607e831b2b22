//! Splitting EDN text into complete top-level forms as lines arrive: the REPL's multi-line input
//! and the streaming import both collect lines until brackets balance.

/// Collects lines until the text holds only complete forms (brackets balanced, no open string).
#[derive(Debug, Default)]
pub struct FormBuffer {
    text: String,
    depth: i64,
    in_string: bool,
    /// The last character was a backslash inside a string.
    escaped: bool,
}

impl FormBuffer {
    /// An empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether nothing but whitespace has been pushed.
    pub fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }

    /// Appends one line (without or with its newline) and scans it.
    pub fn push_line(&mut self, line: &str) {
        self.scan(line);
        self.text.push_str(line);
        if !line.ends_with('\n') {
            self.text.push('\n');
        }
    }

    /// Whether the text is complete: every bracket closed (or too many closed, which the reader
    /// then reports) and no string open.
    pub fn is_complete(&self) -> bool {
        !self.in_string && self.depth <= 0
    }

    /// Takes the text out, leaving the buffer empty.
    pub fn take(&mut self) -> String {
        let text = std::mem::take(&mut self.text);
        *self = FormBuffer::default();
        text
    }

    fn scan(&mut self, line: &str) {
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if c == '\\' {
                    self.escaped = true;
                } else if c == '"' {
                    self.in_string = false;
                }
                continue;
            }
            match c {
                '"' => self.in_string = true,
                // A comment runs to the end of the line.
                ';' => break,
                // A character literal: `\(` is not a bracket.
                '\\' => {
                    chars.next();
                }
                '(' | '[' | '{' => self.depth += 1,
                ')' | ']' | '}' => self.depth -= 1,
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::FormBuffer;

    #[test]
    fn balances_over_lines() {
        let mut b = FormBuffer::new();
        b.push_line("[:find ?e");
        assert!(!b.is_complete());
        b.push_line(" :where [?e :a \"]\"] ; ] comment");
        assert!(!b.is_complete());
        b.push_line(" [?e :b \\(]]");
        assert!(b.is_complete());
        assert!(b.take().starts_with("[:find"));
        assert!(b.is_blank());
    }

    #[test]
    fn strings_span_lines() {
        let mut b = FormBuffer::new();
        b.push_line("[{:doc \"one");
        b.push_line("two \\\" three\"}]");
        assert!(b.is_complete());
    }
}
