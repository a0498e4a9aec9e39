//! One CSV field for the rows the outputs assemble by hand (settlements.csv, exposure.csv,
//! the flood's settlements table): quoted only when it must be, as RFC 4180 says.

/// `s` as a CSV field: wrapped in double quotes, with inner quotes doubled, when it holds a
/// comma, a double quote, a line feed or a carriage return; as it is otherwise.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn quotes_only_when_needed_and_reads_back_with_the_csv_crate() {
        assert_eq!(csv_field("Muzaffarabad"), "Muzaffarabad");
        assert_eq!(csv_field("Bagh, Azad Kashmir"), "\"Bagh, Azad Kashmir\"");
        assert_eq!(csv_field("a \"b\""), "\"a \"\"b\"\"\"");
        let row = ["x,y", "q\"q", "line\r\nbreak", "plain"]
            .map(csv_field)
            .join(",");
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(row.as_bytes());
        let rec = r.records().next().unwrap().unwrap();
        assert_eq!(
            rec.iter().collect::<Vec<_>>(),
            ["x,y", "q\"q", "line\r\nbreak", "plain"]
        );
    }
}
