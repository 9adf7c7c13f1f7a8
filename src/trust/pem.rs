//! PEM bundles as text: the blocks of a bundle, and a bundle whose blocks written by ecr are
//! replaced while every byte ecr did not write stays where it was.

use std::ops::Range;

/// One `-----BEGIN ...-----` to `-----END ...-----` block of a text.
struct Block {
    /// From the start of the BEGIN line to the end of the END line, line break included.
    range: Range<usize>,
    /// The encoded content without whitespace: what the block holds, however it is laid out.
    body: String,
}

fn blocks(text: &str) -> Vec<Block> {
    let mut found = Vec::new();
    let mut open: Option<(usize, String)> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with("-----BEGIN ") {
            open = Some((offset, String::new()));
        } else if trimmed.starts_with("-----END ") {
            if let Some((start, body)) = open.take() {
                found.push(Block {
                    range: start..offset + line.len(),
                    body,
                });
            }
        } else if let Some((_, body)) = open.as_mut() {
            body.push_str(trimmed);
        }
        offset += line.len();
    }
    found
}

/// The blocks of `text` alone, each line ending with `\n`: how ecr stores a CA, so that the
/// same CA always reads the same.
pub fn canonical(text: &str) -> String {
    split(text).concat()
}

/// Each block of `text` on its own, as `canonical` writes it.
pub fn split(text: &str) -> Vec<String> {
    blocks(text)
        .iter()
        .map(|block| {
            text[block.range.clone()]
                .lines()
                .map(|line| format!("{}\n", line.trim()))
                .collect()
        })
        .collect()
}

/// `bundle` with the blocks of `old_ours` taken out (each once, the last occurrence, since
/// ecr's come last) and `new_ours` appended: whatever else the bundle held comes first,
/// untouched.
pub fn rebuilt(bundle: &str, old_ours: &[String], new_ours: &[String]) -> String {
    let mut ours: Vec<String> = old_ours
        .iter()
        .flat_map(|pem| blocks(pem).into_iter().map(|block| block.body))
        .collect();
    let mut cut: Vec<Range<usize>> = Vec::new();
    for block in blocks(bundle).into_iter().rev() {
        if let Some(index) = ours.iter().position(|body| *body == block.body) {
            ours.swap_remove(index);
            cut.push(block.range);
        }
    }
    cut.reverse();
    let mut foreign = String::new();
    let mut kept_from = 0;
    for range in cut {
        foreign.push_str(&bundle[kept_from..range.start]);
        kept_from = range.end;
    }
    foreign.push_str(&bundle[kept_from..]);
    if foreign.trim().is_empty() {
        foreign.clear();
    } else if !foreign.ends_with('\n') {
        foreign.push('\n');
    }
    foreign
        + &new_ours
            .iter()
            .map(|pem| canonical(pem))
            .collect::<String>()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(body: &str) -> String {
        format!("-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n")
    }

    #[test]
    fn canonical_keeps_blocks_only_with_plain_line_breaks() {
        let text =
            "# a comment\r\n-----BEGIN CERTIFICATE-----\r\nQUJD\r\n-----END CERTIFICATE-----";
        assert_eq!(canonical(text), block("QUJD"));
        assert_eq!(canonical(&canonical(text)), canonical(text));
        assert_eq!(canonical("no pem here"), "");
    }

    #[test]
    fn foreign_text_stays_first_and_ours_come_after_in_order() {
        let foreign = format!("# theirs\n{}", block("Rk9P"));
        let bundle = rebuilt(&foreign, &[], &[block("QQ=="), block("Qg==")]);
        assert_eq!(
            bundle,
            format!("{foreign}{}{}", block("QQ=="), block("Qg=="))
        );
        let again = rebuilt(&bundle, &[block("QQ=="), block("Qg==")], &[block("Qg==")]);
        assert_eq!(again, format!("{foreign}{}", block("Qg==")));
    }

    #[test]
    fn a_foreign_copy_of_our_ca_survives_our_removal() {
        let bundle = rebuilt(&block("QQ=="), &[], &[block("QQ==")]);
        assert_eq!(bundle, block("QQ==").repeat(2));
        assert_eq!(rebuilt(&bundle, &[block("QQ==")], &[block("QQ==")]), bundle);
        assert_eq!(rebuilt(&bundle, &[block("QQ==")], &[]), block("QQ=="));
    }

    #[test]
    fn a_block_is_recognised_however_it_is_wrapped() {
        let wrapped = "-----BEGIN CERTIFICATE-----\r\nQU\r\nJD\r\n-----END CERTIFICATE-----\r\n";
        assert_eq!(rebuilt(wrapped, &[block("QUJD")], &[]), "");
    }

    #[test]
    fn a_foreign_part_without_final_line_break_gets_one() {
        let bundle = rebuilt(
            "-----BEGIN X-----\nRk9P\n-----END X-----",
            &[],
            &[block("QQ==")],
        );
        assert_eq!(
            bundle,
            format!(
                "-----BEGIN X-----\nRk9P\n-----END X-----\n{}",
                block("QQ==")
            )
        );
    }
}
