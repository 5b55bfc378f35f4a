//! Arbitrary bytes as one seed TOML file (lossy UTF-8), beside the real source text, through
//! `SeedFiles::validate`: it must return the dataset or problems, never panic, and every
//! problem must be one `fuzz/<file>:<line>:<column>: <message>` line at a place in that file.

#![no_main]

use libfuzzer_sys::fuzz_target;
use wic_gql::seed::{SeedError, SeedFiles};

const SOURCE: &str = include_str!("../../seed/source.txt");

fuzz_target!(|data: &[u8]| {
    let files = vec![
        (
            "x.toml".to_string(),
            String::from_utf8_lossy(data).into_owned(),
        ),
        ("source.txt".to_string(), SOURCE.to_string()),
    ];
    if let Err(finding) = check(files) {
        panic!("{finding}");
    }
});

/// Validates `files` under the `fuzz/` origin and checks the shape of any error.
fn check(files: Vec<(String, String)>) -> Result<(), String> {
    let problems = match SeedFiles::from_files("fuzz/", files.clone()).validate() {
        Ok(_) => return Ok(()),
        Err(SeedError::Invalid(problems)) if !problems.is_empty() => problems,
        Err(other) => return Err(format!("validate returned {other:?}")),
    };
    let rendered = SeedError::Invalid(problems.clone()).to_string();
    let lines: Vec<&str> = rendered.lines().collect();
    if lines.len() != problems.len() + 1 {
        return Err(format!(
            "{} problems rendered as {} lines after the header:\n{rendered}",
            problems.len(),
            lines.len() - 1
        ));
    }
    for line in &lines[1..] {
        let shape = || format!("not `file:line:column: message`: {line:?}");
        let (file, rest) = line.split_once(':').ok_or_else(shape)?;
        let (row, rest) = rest.split_once(':').ok_or_else(shape)?;
        let (column, message) = rest.split_once(": ").ok_or_else(shape)?;
        let (row, column): (usize, usize) = (
            row.parse().map_err(|_| shape())?,
            column.parse().map_err(|_| shape())?,
        );
        if message.trim().is_empty() || row == 0 || column == 0 {
            return Err(shape());
        }
        let name = file.strip_prefix("fuzz/").ok_or_else(shape)?;
        let text = &files
            .iter()
            .find(|(n, _)| n == name)
            .ok_or_else(|| format!("problem in an unknown file: {line:?}"))?
            .1;
        let line_text = text
            .split('\n')
            .nth(row - 1)
            .ok_or_else(|| format!("line {row} is past the end of {name}: {line:?}"))?;
        if column > line_text.chars().count() + 1 {
            return Err(format!(
                "column {column} is past the end of line {row}: {line:?}"
            ));
        }
    }
    Ok(())
}
