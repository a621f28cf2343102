//! Reading a scenario file: `extends`, `[subfund_defaults]`, deserialisation with field paths,
//! then [`validate`].
//!
//! * `extends = "base.toml"` (relative to the extending file's folder) deep-merges the file over
//!   its parent: tables merge key by key, recursively; arrays and scalars replace. Chains are
//!   allowed, cycles are an error showing the chain. `name` and `description` describe one file
//!   and are never inherited: `name` defaults to the file's stem, `description` to empty.
//! * `[subfund_defaults]` is then merged under every `[subfunds.X]` (the sub-fund's own keys win,
//!   nested tables such as `buyback` merge key by key).
//! * The merged table is deserialised into [`RawScenario`] through `serde_path_to_error`, so a
//!   wrong type, unknown key or missing key is reported with its path.
//!
//! Errors name the file being loaded and the field path; when the offending key is written in
//! a file, its line is added (and the file it is in, when that is a parent, and
//! `subfund_defaults` when a sub-fund took the value from there).

use std::path::{Path, PathBuf};

use toml::{Table, Value};

use super::Scenario;
use super::file::read_bounded;
use super::raw::RawScenario;
use super::validate::{ScenarioError, validate};

/// Longest `extends` chain followed (a longer one is almost surely a mistake).
const MAX_EXTENDS_DEPTH: usize = 32;

/// Reads, merges and validates the scenario file at `path`.
///
/// ```
/// let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/direct_heavy.toml");
/// let scenario = fifsim::scenario::load(&path)?;
/// assert_eq!(scenario.name, "direct_heavy");
/// assert_eq!(scenario.subfunds.len(), 18);
/// assert_eq!(scenario.direct.budget_cny_m, 7500.0);
/// # Ok::<(), fifsim::scenario::ScenarioError>(())
/// ```
///
/// # Errors
/// [`ScenarioError::Io`] if the file cannot be read, otherwise as [`load_str`].
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let text = read_bounded(path).map_err(|source| ScenarioError::Io { file: path.to_path_buf(), source })?;
    load_str(&text, path)
}

/// Merges and validates a scenario given as text; `path` names it in messages, gives the
/// default name and is where `extends` is resolved from (the file itself need not exist).
///
/// # Errors
/// [`ScenarioError::Parse`] for bad TOML or a key of the wrong type, unknown or missing;
/// [`ScenarioError::Extends`] for a parent that cannot be read or an `extends` cycle; and
/// [`ScenarioError::Invalid`] for anything [`validate`] rejects.
pub fn load_str(text: &str, path: &Path) -> Result<Scenario, ScenarioError> {
    let mut sources = Vec::new();
    let table = resolve(text, path, &mut sources)?;
    from_table(table, path, &sources)
}

/// The steps after `extends`: `[subfund_defaults]`, deserialisation, validation. `sources` are
/// the files read, child first, used only to add line numbers to errors.
fn from_table(mut table: Table, path: &Path, sources: &[Source]) -> Result<Scenario, ScenarioError> {
    let defaults = match table.remove("subfund_defaults") {
        None => None,
        Some(Value::Table(t)) => Some(t),
        Some(other) => {
            return Err(parse_error(path, "subfund_defaults", format!("expected a table, got {}", other.type_str())));
        }
    };
    let as_of = table.remove("as_of");
    let own_subfunds = table.get("subfunds").cloned();
    if let (Some(defaults), Some(Value::Table(subfunds))) = (&defaults, table.get_mut("subfunds")) {
        for (_, sub) in subfunds.iter_mut() {
            if let Value::Table(own) = sub {
                let mut merged = defaults.clone();
                merge(&mut merged, std::mem::take(own));
                *own = merged;
            }
        }
    }
    let origin = Origin { sources, own_subfunds: own_subfunds.as_ref(), defaults: defaults.as_ref() };
    let raw: RawScenario = serde_path_to_error::deserialize(table).map_err(|e| {
        let path_str = e.path().to_string();
        let message = e.into_inner().message().to_string();
        origin.parse_error(path, &path_str, message)
    })?;
    let mut scenario = validate(raw, path).map_err(|e| match e {
        ScenarioError::Invalid { file, field, problem } => {
            let place = origin.place(&field);
            ScenarioError::Invalid { file, field, problem: format!("{problem}{place}") }
        }
        other => other,
    })?;
    if let Some(as_of) = as_of {
        super::portfolio::attach(&mut scenario.spec, as_of, path)?;
    }
    Ok(scenario)
}

/// A file read on the way, kept to find the line an error is about.
struct Source {
    path: PathBuf,
    text: String,
}

fn parse_error(file: &Path, field: &str, message: String) -> ScenarioError {
    ScenarioError::Parse { file: file.to_path_buf(), field: field.to_string(), message }
}

/// Parses `text` (the file at `path`) and, recursively, the files it extends; returns the merged table.
fn resolve(text: &str, path: &Path, sources: &mut Vec<Source>) -> Result<Table, ScenarioError> {
    let mut table: Table = text.parse().map_err(|e: toml::de::Error| {
        let at = e.span().map(|s| line_col(text, s.start)).map(|(l, c)| format!("line {l}, column {c}: "));
        parse_error(path, "", format!("invalid TOML: {}{}", at.unwrap_or_default(), e.message().trim_end()))
    })?;
    sources.push(Source { path: path.to_path_buf(), text: text.to_string() });
    let Some(extends) = table.remove("extends") else {
        return Ok(table);
    };
    let extends_error = |message: String| ScenarioError::Extends { file: path.to_path_buf(), message };
    let Value::String(parent_name) = extends else {
        return Err(extends_error(format!("must be a file name (a string), got {}", extends.type_str())));
    };
    let parent = path.parent().unwrap_or(Path::new("")).join(&parent_name);
    let id = identity(&parent);
    if sources.iter().any(|s| identity(&s.path) == id) {
        let chain: Vec<String> = sources.iter().map(|s| s.path.display().to_string()).collect();
        return Err(extends_error(format!(
            "cycle: {} -> {}; a file must not extend itself, directly or through others",
            chain.join(" -> "),
            parent.display()
        )));
    }
    if sources.len() >= MAX_EXTENDS_DEPTH {
        return Err(extends_error(format!("chain longer than {MAX_EXTENDS_DEPTH} files")));
    }
    let parent_text = read_bounded(&parent)
        .map_err(|e| extends_error(format!("cannot read parent {:?} ({}): {e}", parent_name, parent.display())))?;
    let mut merged = resolve(&parent_text, &parent, sources)?;
    merged.remove("name");
    merged.remove("description");
    merge(&mut merged, table);
    Ok(merged)
}

/// A path's identity for cycle detection: canonical if it exists, else absolute.
fn identity(path: &Path) -> PathBuf {
    path.canonicalize().or_else(|_| std::path::absolute(path)).unwrap_or_else(|_| path.to_path_buf())
}

/// Deep-merges `over` into `base`: tables recursively, anything else replaced.
fn merge(base: &mut Table, over: Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(Value::Table(b)), Value::Table(o)) => merge(b, o),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// 1-based line and column of byte `offset` in `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Where a field path was written: which file, which line, and whether via `[subfund_defaults]`.
struct Origin<'a> {
    sources: &'a [Source],
    own_subfunds: Option<&'a Value>,
    defaults: Option<&'a Table>,
}

impl Origin<'_> {
    /// A deserialisation error, with the missing key added to the path (serde_path_to_error
    /// already ends the path of an unknown key with that key).
    fn parse_error(&self, file: &Path, path: &str, message: String) -> ScenarioError {
        let path = if path == "." { "" } else { path };
        let quoted =
            |prefix: &str| message.strip_prefix(prefix).and_then(|rest| rest.split('`').next()).map(str::to_string);
        let (field, message) = if let Some(key) = quoted("unknown field `") {
            let mut message = message.replacen("unknown field", "unknown key", 1);
            if !path.contains('.') {
                message.push_str(" (and `extends`, `subfund_defaults`)");
            }
            let field = if path.is_empty() { key } else { path.to_string() };
            (field, message)
        } else if let Some(key) = quoted("missing field `") {
            let field = if path.is_empty() { key } else { format!("{path}.{key}") };
            (field, "is required but missing".to_string())
        } else {
            (path.to_string(), plain_types(&message))
        };
        let place = self.place(&field);
        parse_error(file, &field, format!("{message}{place}"))
    }

    /// A note saying where `field` is written — " (line N)", " (set at line N of parent.toml)",
    /// " (set in subfund_defaults at line N)" — or nothing if it is not found in any file.
    fn place(&self, field: &str) -> String {
        let mut lookup = segments(field);
        let mut via = "";
        if let [Seg::Key(top), Seg::Key(_), rest @ ..] = lookup.as_slice()
            && top == "subfunds"
            && !rest.is_empty()
            && self.own_subfunds.and_then(|v| find_value(v, &lookup[1..])).is_none()
            && self.defaults.is_some_and(|d| find_in_table(d, rest).is_some())
        {
            via = " in subfund_defaults";
            lookup = std::iter::once(Seg::Key("subfund_defaults".into())).chain(rest.iter().cloned()).collect();
        }
        self.sources
            .iter()
            .enumerate()
            .find_map(|(i, s)| find_line(&s.text, &lookup).map(|line| (i, s, line)))
            .map(|(i, s, line)| {
                if i == 0 {
                    if via.is_empty() { format!(" (line {line})") } else { format!(" (set{via} at line {line})") }
                } else {
                    format!(" (set{via} at line {line} of {})", s.path.display())
                }
            })
            .unwrap_or_default()
    }
}

/// serde's type names in an error message, said the way the scenario file says them.
fn plain_types(message: &str) -> String {
    let Some((head, expected)) = message.rsplit_once(", expected ") else {
        return message.to_string();
    };
    let expected = match expected {
        "f64" => "a number",
        "u32" => "a whole number from 0 to 4294967295",
        "a map" => "a table",
        "a sequence" => "an array",
        e if e.starts_with("struct Raw") => "a table",
        e => e,
    };
    format!("{head}, expected {expected}")
}

/// One step of a field path: a table key or an array index.
#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Key(String),
    Index(usize),
}

/// Splits `a.b[2].c` into its steps.
fn segments(path: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let mut pieces = part.split('[');
        if let Some(key) = pieces.next().filter(|k| !k.is_empty()) {
            out.push(Seg::Key(key.to_string()));
        }
        for index in pieces {
            if let Ok(i) = index.trim_end_matches(']').parse() {
                out.push(Seg::Index(i));
            }
        }
    }
    out
}

fn find_in_table<'v>(table: &'v Table, path: &[Seg]) -> Option<&'v Value> {
    match path.split_first()? {
        (Seg::Key(k), rest) => find_value(table.get(k)?, rest),
        (Seg::Index(_), _) => None,
    }
}

fn find_value<'v>(value: &'v Value, path: &[Seg]) -> Option<&'v Value> {
    path.iter().try_fold(value, |v, seg| match (v, seg) {
        (Value::Table(t), Seg::Key(k)) => t.get(k),
        (Value::Array(a), Seg::Index(i)) => a.get(*i),
        _ => None,
    })
}

/// The line of the key at `path` in a TOML `text`, if it is written there.
fn find_line(text: &str, path: &[Seg]) -> Option<usize> {
    let doc = toml::de::DeTable::parse(text).ok()?;
    let mut table = Some(doc.get_ref());
    let mut array: Option<&[toml::Spanned<toml::de::DeValue>]> = None;
    let mut span = None;
    for seg in path {
        let value = match seg {
            Seg::Key(k) => {
                let (key, value) = table?.iter().find(|(key, _)| key.get_ref().as_ref() == k.as_str())?;
                span = Some(key.span());
                value
            }
            Seg::Index(i) => {
                let value = array?.get(*i)?;
                span = Some(value.span());
                value
            }
        };
        table = value.get_ref().as_table();
        array = value.get_ref().as_array().map(|a| &a[..]);
    }
    span.map(|s| line_col(text, s.start).0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::quarterly_rate;
    use crate::scenario::file::MAX_FILE_BYTES;
    use crate::scenario::{Stage, Tier};

    fn scenarios_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
    }

    fn base() -> Scenario {
        load(&scenarios_dir().join("base.toml")).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Loads `text` as `scenarios/bad_case.toml` extending base.toml; returns the error's Display.
    fn error_of(text: &str) -> String {
        let path = scenarios_dir().join("bad_case.toml");
        match load_str(&format!("extends = \"base.toml\"\n{text}"), &path) {
            Ok(_) => panic!("accepted:\n{text}"),
            Err(e) => e.to_string(),
        }
    }

    /// Asserts the error for `text` names the file and contains every one of `needles`.
    #[track_caller]
    fn assert_error(text: &str, needles: &[&str]) {
        let message = error_of(text);
        assert!(message.contains("bad_case.toml"), "no file in: {message}");
        for needle in needles {
            assert!(message.contains(needle), "{needle:?} not in: {message}");
        }
    }

    /// base.toml with the section `[header]` (up to the next section) cut out.
    fn base_without(header: &str) -> String {
        let text = std::fs::read_to_string(scenarios_dir().join("base.toml")).unwrap_or_default();
        let start = text.find(&format!("\n[{header}]")).unwrap_or_else(|| panic!("no [{header}]")) + 1;
        let end = text[start + 1..].find("\n[").map_or(text.len(), |i| start + 1 + i + 1);
        format!("{}{}", &text[..start], &text[end..])
    }

    #[test]
    fn every_scenario_file_loads_and_validates() {
        let mut count = 0;
        let files = [scenarios_dir(), scenarios_dir().join("structure")]
            .into_iter()
            .flat_map(|dir| std::fs::read_dir(dir).expect("scenarios/ and scenarios/structure/ exist"));
        for entry in files {
            let path = entry.expect("readable entry").path();
            if path.extension().is_some_and(|e| e == "toml") {
                let s = load(&path).unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(s.name, path.file_stem().unwrap_or_default().to_string_lossy());
                assert!(!s.description.is_empty(), "{} has no description", path.display());
                assert_eq!(s.source, path);
                let committed = s.subfund_commitments_cny_m() + s.direct.budget_cny_m;
                assert!((committed - s.fund.size_cny_m).abs() < 1e-6, "{}", path.display());
                count += 1;
            }
        }
        assert!(count >= 15, "expected the shipped scenario files, found {count}");
    }

    #[test]
    fn base_scenario_has_the_announced_shape() {
        let s = base();
        assert_eq!(s.name, "base");
        assert_eq!(s.horizon(), 72);
        assert_eq!(s.fund.life_quarters, 72);
        assert_eq!(s.fields.len(), 11);
        assert_eq!(s.subfunds.len(), 18);
        assert_eq!(s.profiles.len(), 4);
        assert_eq!(s.market.states.iter().map(|m| m.key.as_str()).collect::<Vec<_>>(), ["closed", "open", "tight"]);
        assert_eq!(s.market.initial, 2);
        assert_eq!(s.market.pinned.len(), 73);
        assert!(s.market.pinned.iter().all(Option::is_none));
        // Fields ordered by (tier, key).
        let order: Vec<(Tier, &str)> = s.fields.iter().map(|f| (f.tier, f.key.as_str())).collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted);
        assert_eq!(s.fields[0].key, "biomanufacturing");
        assert_eq!(s.fields[10].key, "regenerative_medicine");
        // Three batches of 6 in 2025Q2, 2025Q3 and 2025Q4 (quarters 3 to 5).
        for quarter in 3..=5 {
            assert_eq!(s.subfunds.iter().filter(|f| f.vintage == quarter).count(), 6);
        }
        // No direct deal before the AMAC registration (2025-01-07).
        assert_eq!(s.direct.first_quarter, 2);
        // Leverage: 12 bn at a 25% share mobilises 36 bn of other capital.
        let other: f64 = s.subfunds.iter().map(|f| f.commitment_cny_m * (1.0 / f.fund_share - 1.0)).sum();
        assert!((other - 36_000.0).abs() < 1e-6);
    }

    #[test]
    fn conversions_are_exact() {
        let s = base();
        let sf = &s.subfunds[0];
        assert_eq!(sf.key, "sf01_embodied_ai");
        assert_eq!(sf.hurdle_per_quarter, 1.08f64.powf(0.25) - 1.0);
        assert!(((1.0 + sf.hurdle_per_quarter).powi(4) - 1.08).abs() < 1e-15);
        assert_eq!(sf.concession.buyback.interest_per_quarter, quarterly_rate(0.0));
        assert_eq!(sf.concession.buyback.earliest_quarter, 12);
        assert_eq!(sf.management_fee_ip_per_quarter, 0.02 / 4.0);
        assert_eq!(sf.management_fee_post_per_quarter, 0.015 / 4.0);
        assert_eq!(
            (sf.vintage, sf.investment_period_quarters, sf.term_quarters, sf.extension_quarters, sf.continuation_quarters),
            (3, 20, 32, 8, 20)
        );
        assert_eq!(sf.stage_mix, [0.3, 0.5, 0.2, 0.0, 0.0]);
        assert_eq!(sf.fields, vec![(3, 1.0)]);
        let total: f64 = s.subfund_commitments_cny_m();
        assert!((total - 15_000.0 * 0.8).abs() < 1e-9);
        assert!(s.subfunds.iter().all(|f| (f.commitment_cny_m - 12_000.0 / 18.0).abs() < 1e-9));
        assert_eq!(s.direct.budget_cny_m, 15_000.0 * 0.2);
        assert_eq!(s.direct.deploy_quarters, 23);
        assert_eq!(s.direct.team_cost_per_quarter, 0.02 / 4.0);
        assert_eq!(s.direct.tranches.deadline_quarters, 8);
        assert_eq!(s.fund.running_cost_per_quarter, 0.002 / 4.0);
        let quantum = s.fields.iter().find(|f| f.key == "quantum_technology").expect("quantum");
        assert_eq!(quantum.volatility_per_quarter, 0.2);
        assert_eq!(quantum.breakthrough.quarterly_probability, 1.0 - (-0.08f64 / 4.0).exp());
        let clinical = s.profiles.iter().find(|p| p.key == "clinical").expect("clinical");
        let phase1 = &clinical.stages[Stage::A.index()];
        assert_eq!(phase1.wait_mean_quarters, 10.0);
        assert!((phase1.outcome_probabilities[0] / (1.0 - phase1.outcome_probabilities[3]) - 0.520).abs() < 1e-3);
        assert_eq!(phase1.outcome_logits[0], 0.442f64.ln());
        assert_eq!(clinical.stages[Stage::Seed.index()].step_up.median, 1.0);
        // Cholesky factor reproduces the chosen correlations.
        // Column k of L is L e_k; the correlation of fields a and b is the sum over k of L[a][k] L[b][k].
        let l = &s.factors.cholesky;
        let n = l.dim();
        let columns: Vec<Vec<f64>> = (0..n)
            .map(|k| {
                let unit: Vec<f64> = (0..n).map(|i| if i == k { 1.0 } else { 0.0 }).collect();
                let mut column = vec![0.0; n];
                l.multiply(&unit, &mut column);
                column
            })
            .collect();
        let c = |a: usize, b: usize| -> f64 { columns.iter().map(|column| column[a] * column[b]).sum() };
        let key = |k: &str| s.fields.iter().position(|f| f.key == k).expect("field");
        assert!((c(key("cell_gene_therapy"), key("regenerative_medicine")) - 0.6).abs() < 1e-12);
        assert!((c(key("quantum_technology"), key("controlled_fusion")) - 0.4).abs() < 1e-12);
        assert!((c(key("six_g"), key("embodied_ai")) - 0.15).abs() < 1e-12);
        assert!((c(0, 0) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn variant_files_change_only_what_they_say() {
        let base = base();
        let dir = scenarios_dir();
        let closed = load(&dir.join("ipo_window_closed.toml")).unwrap_or_else(|e| panic!("{e}"));
        let closed_state = closed.market.states.iter().position(|m| m.key == "closed");
        // 2025Q1 is quarter 2 and 2026Q4 quarter 9 of a calendar starting 2024Q3.
        for (t, pin) in closed.market.pinned.iter().enumerate() {
            assert_eq!(*pin, if (2..=9).contains(&t) { closed_state } else { None }, "quarter {t}");
        }
        assert_eq!(closed.subfunds, base.subfunds);
        let winter = load(&dir.join("exploration_winter.toml")).unwrap_or_else(|e| panic!("{e}"));
        for (w, b) in winter.fields.iter().zip(&base.fields) {
            if w.tier == Tier::Exploration {
                assert_eq!(w.drift_per_quarter, -0.35 / 4.0);
                assert_eq!(w.winter.quarterly_probability, 1.0 - (-0.25f64 / 4.0).exp());
                assert_eq!(w.volatility_per_quarter, b.volatility_per_quarter);
            } else {
                assert_eq!(w, b);
            }
        }
        let direct = load(&dir.join("direct_heavy.toml")).unwrap_or_else(|e| panic!("{e}"));
        assert!((direct.subfund_commitments_cny_m() - 7_500.0).abs() < 1e-9);
        assert_eq!(direct.direct.budget_cny_m, 7_500.0);
        let subfund = load(&dir.join("subfund_heavy.toml")).unwrap_or_else(|e| panic!("{e}"));
        assert!((subfund.subfund_commitments_cny_m() - 14_250.0).abs() < 1e-9);
    }

    #[test]
    fn extends_merges_child_over_parent() {
        let path = scenarios_dir().join("merge_child.toml");
        let text = "extends = \"base.toml\"\n[fund]\ndirect_share = 0.3\n\
                    [fields.quantum_technology]\nwinter = { hazard_per_year = 0.2 }\n\
                    [subfunds.sf03_quantum]\nfund_share = 0.2\n";
        let s = load_str(text, &path).unwrap_or_else(|e| panic!("{e}"));
        let b = base();
        assert_eq!(s.name, "merge_child", "name is never inherited");
        assert_eq!(s.description, "", "description is never inherited");
        assert_eq!(s.fund.direct_share, 0.3);
        assert_eq!(s.fund.size_cny_m, b.fund.size_cny_m);
        let q = s.fields.iter().find(|f| f.key == "quantum_technology").expect("quantum");
        let bq = b.fields.iter().find(|f| f.key == "quantum_technology").expect("quantum");
        assert_eq!(q.winter.quarterly_probability, 1.0 - (-0.2f64 / 4.0).exp());
        assert_eq!(q.winter.size, bq.winter.size, "inline tables merge key by key");
        assert_eq!(q.volatility_per_quarter, bq.volatility_per_quarter);
        let sf = |s: &Scenario, k: &str| s.subfunds.iter().find(|f| f.key == k).cloned().expect("sub-fund");
        assert_eq!(sf(&s, "sf03_quantum").fund_share, 0.2);
        assert_eq!(sf(&s, "sf03_quantum").term_quarters, 28, "sub-fund's own key kept");
        assert_eq!(sf(&s, "sf01_embodied_ai").fund_share, 0.25, "defaults still apply elsewhere");
        // A child's [subfund_defaults] reaches the parent's sub-funds, but not their own keys.
        let s = load_str("extends = \"base.toml\"\n[subfund_defaults]\nterm_years = 9\n", &path)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sf(&s, "sf01_embodied_ai").term_quarters, 36);
        assert_eq!(sf(&s, "sf03_quantum").term_quarters, 28);
    }

    #[test]
    fn extension_is_clipped_to_the_fund_life() {
        let path = scenarios_dir().join("clip.toml");
        let vintage = |v: &str| {
            let text = format!("extends = \"base.toml\"\n[subfunds.sf18_embodied_ai_scale_up]\nvintage = \"{v}\"\n");
            let s = load_str(&text, &path).unwrap_or_else(|e| panic!("{e}"));
            let sf = s.subfunds.iter().find(|f| f.key == "sf18_embodied_ai_scale_up").expect("sf18");
            (sf.vintage, sf.term_quarters, sf.extension_quarters, sf.continuation_quarters)
        };
        // Life 72 quarters: the extension fits and the continuation is clipped to what is left,
        assert_eq!(vintage("2032Q1"), (30, 32, 8, 2));
        // or the extension itself is clipped and no continuation is left.
        assert_eq!(vintage("2034Q1"), (38, 32, 2, 0));
    }

    #[test]
    fn unknown_keys_are_named_with_the_allowed_ones() {
        assert_error("fnord = 1\n", &[": fnord: unknown key `fnord`", "`calendar`", "`subfund_defaults`"]);
        assert_error(
            "[subfunds.sf03_quantum]\nfnd_share = 0.3\n",
            &["subfunds.sf03_quantum.fnd_share: unknown key", "`fund_share`", "(line 3)"],
        );
        assert_error(
            "[profiles.clinical.stages.b]\nmonths = 3\n",
            &["profiles.clinical.stages.b.months", "`months_to_event`"],
        );
        assert_error("[subfund_defaults]\nfnd_share = 0.3\n", &["fnd_share: unknown key", "set in subfund_defaults"]);
    }

    #[test]
    fn wrong_types_and_syntax_errors_are_named() {
        assert_error(
            "[fund]\nsize_cny_m = \"big\"\n",
            &["fund.size_cny_m: invalid type: string \"big\", expected a number (line 3)"],
        );
        assert_error("[calendar]\nhorizon_years = 15.5\n", &["calendar.horizon_years", "expected a whole number"]);
        assert_error("[calendar]\nhorizon_years = -1\n", &["calendar.horizon_years", "expected a whole number"]);
        assert_error(
            "[fields.six_g]\nbreakthrough = 3\n",
            &["fields.six_g.breakthrough: invalid type: integer `3`, expected a table"],
        );
        assert_error(
            "[direct]\ntranches = 0.5\n",
            &["direct.tranches: invalid type: floating point `0.5`, expected an array"],
        );
        assert_error("extends = 3\n", &["line 2", "duplicate key"]);
        assert_error("[fund\n", &["invalid TOML: line 2"]);
    }

    #[test]
    fn out_of_range_values_name_the_range() {
        assert_error("[fund]\ndirect_share = 1.2\n", &["fund.direct_share: must be in [0, 1], got 1.2 (line 3)"]);
        assert_error("[fund]\nsize_cny_m = nan\n", &["fund.size_cny_m: must be a finite number in (0, 1000000], got NaN"]);
        assert_error("[skill]\ndispersion = inf\n", &["skill.dispersion: must be a finite number in [0, 3], got inf"]);
        assert_error(
            "[subfunds.sf01_embodied_ai]\ncarry = 1.0\n",
            &["subfunds.sf01_embodied_ai.carry: must be in [0, 1), got 1"],
        );
        assert_error(
            "[profiles.prototype.ipo_multiple]\ntail_alpha = 1.0\n",
            &["profiles.prototype.ipo_multiple.tail_alpha: must be > 1, got 1"],
        );
        assert_error(
            "[profiles.clinical]\nmax_exit_cny_m = 700000000000.0\n",
            &["profiles.clinical.max_exit_cny_m: must be in [100, 100000000], got 700000000000"],
        );
        assert_error(
            "[factors]\nwithin_tier_correlation = 1.0\n",
            &["factors.within_tier_correlation: must be in (-1, 1)"],
        );
        assert_error("[direct]\ntranches = [0.5, 0.4]\n", &["direct.tranches: must sum to 1"]);
        assert_error(
            "[direct]\nstage_mix = { d = 0.1 }\n",
            &["direct.stage_mix.d: unknown stage; allowed: seed, a, b, c, growth"],
        );
        // A parent's value is located in the parent file.
        assert_error(
            "[calendar]\nhorizon_years = 10\n",
            &["fund.life_years: must be from 1 to calendar.horizon_years = 10, got 18", "base.toml"],
        );
    }

    #[test]
    fn probability_tables_must_sum_to_one() {
        assert_error(
            "[profiles.clinical.stages.b]\noutcome = { advance = 0.5 }\n",
            &["profiles.clinical.stages.b.outcome: advance + acquired + failed + hold must sum to 1", "got 1.254"],
        );
        assert_error(
            "[exit_market.states.open]\ntransition = { open = 0.9 }\n",
            &["exit_market.states.open.transition: probabilities must sum to 1", "got 0.98"],
        );
        assert_error(
            "[profiles.clinical.stages.b]\noutcome = { advance = 1.5 }\n",
            &["outcome.advance: must be in [0, 1], got 1.5"],
        );
    }

    #[test]
    fn references_must_exist() {
        assert_error(
            "[subfunds.sf01_embodied_ai]\nfields = { embodied_aj = 1.0 }\n",
            &[
                "subfunds.sf01_embodied_ai.fields.embodied_aj: unknown field \"embodied_aj\"; allowed: biomanufacturing,",
            ],
        );
        assert_error(
            "[fields.six_g]\nprofile = \"protoype\"\n",
            &[
                "fields.six_g.profile: unknown profile \"protoype\"; allowed: clinical, exploration, industrialising, prototype",
            ],
        );
        assert_error(
            "[exit_market]\ninitial = \"shut\"\n",
            &["exit_market.initial: unknown market state \"shut\"; allowed: closed, open, tight"],
        );
        assert_error(
            "[exit_market.states.open]\ntransition = { shut = 0.0 }\n",
            &["exit_market.states.open.transition.shut: unknown market state"],
        );
        assert_error(
            "[fields.six_g]\ntier = \"mature\"\n",
            &["fields.six_g.tier: unknown tier \"mature\"; allowed: industrialising"],
        );
    }

    #[test]
    fn missing_stage_is_an_error() {
        let path = scenarios_dir().join("bad_case.toml");
        let text = base_without("profiles.exploration.stages.growth");
        let message = load_str(&text, &path).map(|_| ()).unwrap_err().to_string();
        assert!(
            message.contains("bad_case.toml: profiles.exploration.stages.growth: is required but missing"),
            "{message}"
        );
        let text = base_without("profiles.prototype.stages.a");
        let message = load_str(&text, &path).map(|_| ()).unwrap_err().to_string();
        assert!(message.contains("profiles.prototype.stages.a: is required"), "{message}");
    }

    #[test]
    fn quarters_and_pins_are_checked() {
        assert_error(
            "[calendar]\nstart = \"2024-07\"\n",
            &["calendar.start: expected a quarter like \"2025Q4\"", "\"2024-07\""],
        );
        assert_error(
            "[[exit_market.pinned]]\nfrom = \"2045Q1\"\nto = \"2046Q1\"\nstate = \"closed\"\n",
            &["exit_market.pinned[0].from: must lie within the calendar, 2024Q3 to 2042Q3", "got 2045Q1"],
        );
        assert_error(
            "[[exit_market.pinned]]\nfrom = \"2026Q1\"\nto = \"2025Q1\"\nstate = \"closed\"\n",
            &["exit_market.pinned[0].to: must not be before from"],
        );
        assert_error(
            "[[exit_market.pinned]]\nfrom = \"2025Q1\"\nto = \"2025Q4\"\nstate = \"closed\"\n\
             [[exit_market.pinned]]\nfrom = \"2025Q4\"\nto = \"2026Q4\"\nstate = \"tight\"\n",
            &["exit_market.pinned[1]: overlaps an earlier pin in 2025Q4"],
        );
        assert_error(
            "[[exit_market.pinned]]\nfrom = \"2025Q1\"\nto = \"2025Q4\"\nstate = \"shut\"\n",
            &["exit_market.pinned[0].state: unknown market state"],
        );
    }

    #[test]
    fn extends_errors_name_the_chain() {
        let message = error_of_text("extends = \"nope.toml\"\n");
        assert!(message.contains("bad_case.toml: extends: cannot read parent \"nope.toml\""), "{message}");
        let dir = tempfile::tempdir().expect("temp dir");
        let a = dir.path().join("a.toml");
        let b = dir.path().join("b.toml");
        std::fs::write(&a, "extends = \"b.toml\"\n").expect("write");
        std::fs::write(&b, "extends = \"a.toml\"\n").expect("write");
        let message = load(&a).map(|_| ()).unwrap_err().to_string();
        assert!(message.contains("b.toml: extends: cycle:"), "{message}");
        assert!(message.contains(&format!("{} -> {} -> ", a.display(), b.display())), "{message}");
        std::fs::write(&a, "extends = \"a.toml\"\n").expect("write");
        let message = load(&a).map(|_| ()).unwrap_err().to_string();
        assert!(message.contains("cycle"), "{message}");
        let message = load(&dir.path().join("missing.toml")).map(|_| ()).unwrap_err().to_string();
        assert!(message.contains("missing.toml: cannot read"), "{message}");
    }

    /// Only regular files of at most 1 MiB are read, as the scenario or as a parent: a device
    /// such as `/dev/zero` would be read until memory ran out.
    #[test]
    fn only_regular_files_of_bounded_size_are_read() {
        let dir = tempfile::tempdir().expect("temp dir");
        let big = dir.path().join("big.toml");
        std::fs::write(&big, format!("# {}\n", "x".repeat(MAX_FILE_BYTES as usize))).expect("write");
        let message = load(&big).map(|_| ()).unwrap_err().to_string();
        assert!(message.contains("big.toml: cannot read: larger than 1048576 bytes (1 MiB)"), "{message}");
        let message = load(dir.path()).map(|_| ()).unwrap_err().to_string();
        assert!(message.contains("cannot read: not a regular file"), "{message}");
        let child = dir.path().join("child.toml");
        for parent in ["/dev/zero", "big.toml", "."] {
            std::fs::write(&child, format!("extends = \"{parent}\"\n")).expect("write");
            let message = load(&child).map(|_| ()).unwrap_err().to_string();
            assert!(message.contains("child.toml: extends: cannot read parent"), "{message}");
            assert!(message.contains("not a regular file") || message.contains("larger than"), "{message}");
        }
    }

    fn error_of_text(text: &str) -> String {
        let path = scenarios_dir().join("bad_case.toml");
        load_str(text, &path).map(|_| ()).unwrap_err().to_string()
    }

    #[test]
    fn no_input_makes_it_panic() {
        // Every value of base.toml removed in turn, and replaced by extreme values and wrong
        // types: each load must return (Ok or Err), never panic. Works on the parsed table so
        // thousands of variants stay quick; line lookup is exercised by the tests above.
        let text = std::fs::read_to_string(scenarios_dir().join("base.toml")).expect("base.toml");
        let base: Table = text.parse().expect("base.toml parses");
        let path = scenarios_dir().join("mutant.toml");
        let mut leaves = Vec::new();
        collect_leaves(&Value::Table(base.clone()), &mut Vec::new(), &mut leaves);
        let extremes = [
            Value::Float(-1.0),
            Value::Integer(0),
            Value::Float(1e308),
            Value::Float(f64::NEG_INFINITY),
            Value::Float(f64::NAN),
            Value::Integer(4_294_967_296),
            Value::Integer(-1),
            Value::String("x".into()),
            Value::Table(Table::new()),
        ];
        let mut loads = 0;
        for (j, leaf) in leaves.iter().enumerate() {
            // Removal plus three of the extremes per value, rotating, keeps debug builds quick.
            let some = (0..3).map(|k| Some(&extremes[(3 * j + k) % extremes.len()]));
            for replacement in std::iter::once(None).chain(some) {
                let mut value = Value::Table(base.clone());
                set_leaf(&mut value, leaf, replacement.cloned());
                if let Value::Table(table) = value {
                    let _ = from_table(table, &path, &[]);
                }
                loads += 1;
            }
        }
        assert!(loads > 2000, "only {loads} variants");
    }

    fn collect_leaves(value: &Value, at: &mut Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
        match value {
            Value::Table(t) => {
                for (k, v) in t {
                    at.push(Seg::Key(k.clone()));
                    collect_leaves(v, at, out);
                    at.pop();
                }
            }
            Value::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    at.push(Seg::Index(i));
                    collect_leaves(v, at, out);
                    at.pop();
                }
            }
            _ => out.push(at.clone()),
        }
    }

    /// Replaces (or with `None`, removes) the value at `path`.
    fn set_leaf(value: &mut Value, path: &[Seg], replacement: Option<Value>) {
        match (path, value) {
            ([Seg::Key(k)], Value::Table(t)) => match replacement {
                Some(v) => {
                    t.insert(k.clone(), v);
                }
                None => {
                    t.remove(k);
                }
            },
            ([Seg::Index(i)], Value::Array(a)) if *i < a.len() => match replacement {
                Some(v) => a[*i] = v,
                None => {
                    a.remove(*i);
                }
            },
            ([Seg::Key(k), rest @ ..], Value::Table(t)) => {
                if let Some(v) = t.get_mut(k) {
                    set_leaf(v, rest, replacement);
                }
            }
            ([Seg::Index(i), rest @ ..], Value::Array(a)) => {
                if let Some(v) = a.get_mut(*i) {
                    set_leaf(v, rest, replacement);
                }
            }
            _ => {}
        }
    }

    /// Values that passed validation and then made `run` loop, memory growing: each is refused
    /// with the field and its plausible range.
    #[test]
    fn runaway_magnitudes_are_refused_with_their_range() {
        assert_error(
            "[fund]\nsize_cny_m = 15000000000.0\n",
            &["fund.size_cny_m: must be in (0, 1000000], got 15000000000 (line 3)"],
        );
        assert_error(
            "[exit_market.states.closed]\nvaluation_log_shift = -10\n",
            &["exit_market.states.closed.valuation_log_shift: must be in [-3, 3], got -10"],
        );
        assert_error(
            "[fields.six_g]\nvolatility_per_year = 10\n",
            &["fields.six_g.volatility_per_year: must be in [0, 2], got 10"],
        );
        assert_error("[factors]\nvaluation_log_per_unit = 10\n", &["factors.valuation_log_per_unit: must be in [0, 2], got 10"]);
        assert_error(
            "[subfunds.sf03_quantum]\nfund_share = 1e-12\n",
            &["subfunds.sf03_quantum.fund_share: must be in [0.01, 1], got 0.000000000001"],
        );
        assert_error(
            "[profiles.prototype.stages.seed]\nmonths_to_event = { mean = 0.001, shape = 2.5 }\n\
             outcome = { advance = 0.0000005, acquired = 0.0000005, failed = 0.0, hold = 0.999999 }\n",
            &["profiles.prototype.stages.seed.months_to_event.mean: must be in [1, 1200], got 0.001"],
        );
        assert_error(
            "[fund]\nrunning_cost_per_year = 0.07\n",
            &["fund.running_cost_per_year: must be in [0, 0.05], got 0.07"],
        );
        assert_error(
            "[fund]\nrunning_cost_per_year = 0.04\n",
            &["fund.running_cost_per_year: running costs over the fund's life", "= 0.720 of its size", "at most 0.25"],
        );
        assert_error(
            "[profiles.clinical.stages.c]\nmonths_to_event = { mean = 24.0, shape = 0.001 }\n",
            &["profiles.clinical.stages.c.months_to_event.shape: must be in [0.05, 10000] (a gamma shape), or inf"],
        );
        assert_error(
            "[profiles.clinical.stages.c]\nentry_post_money_cny_m = { median = 1900.0, sigma = 40.0 }\n",
            &["profiles.clinical.stages.c.entry_post_money_cny_m.sigma: must be in [0, 3], got 40"],
        );
    }

    /// A mean wait that `run`'s waiting-time law refused (it underflows to 0 quarters) is
    /// refused by validation, as everything `run` would refuse is.
    #[test]
    fn a_mean_wait_run_refuses_is_refused_by_validation() {
        assert_error(
            "[profiles.prototype.stages.a]\nmonths_to_event = { mean = 5e-324, shape = 2.5 }\n",
            &["profiles.prototype.stages.a.months_to_event.mean: must be in [1, 1200], got 0.000"],
        );
    }

    /// Magnitudes each within its range can still together shrink cheques far below a budget:
    /// the sleeve whose deals would run away is named, with the cheque that sets its limit.
    #[test]
    fn sleeves_that_could_make_too_many_deals_are_refused() {
        assert_error(
            "[factors]\nvaluation_log_per_unit = 2.0\n",
            &[
                "bad_case.toml: subfunds.sf01_embodied_ai: could make up to",
                "deals on a path (a budget of 1706.7 CNY m over a smallest plausible cheque of",
                "(field embodied_ai, profiles.industrialising.stages.seed)), more than the 1000000 a sleeve may make",
                "subfunds.sf01_embodied_ai.round_participation",
                "raise subfunds.sf01_embodied_ai.fund_share",
            ],
        );
        assert_error(
            "[fund]\ndirect_share = 1.0\nsize_cny_m = 1000000.0\n[direct]\nround_participation = 0.01\n",
            &["bad_case.toml: direct: could make up to", "raise direct.tranches[0]"],
        );
    }

    #[test]
    fn factor_correlations_must_be_positive_definite() {
        assert_error(
            "[factors]\ncross_tier_correlation = -0.9\n",
            &["factors: ", "not positive definite", "cross_tier_correlation"],
        );
    }

    #[test]
    fn reallocation_is_checked() {
        assert_error(
            "[direct.reallocation]\nreview_every_months = 1\nprogress_threshold = 0.3\nfavour = 2.0\nstalled = 0.0\n",
            &["direct.reallocation.review_every_months", "got 1"],
        );
        assert_error(
            "[direct.reallocation]\nreview_every_months = 12\nprogress_threshold = 0.3\nfavour = 2.0\n",
            &["direct.reallocation", "stalled"],
        );
    }

    #[test]
    fn jump_hazards_must_fit_in_a_quarter() {
        assert_error(
            "[fields.quantum_technology]\nbreakthrough = { hazard_per_year = 4.0, jump = 0.5 }\nwinter = { hazard_per_year = 4.0, jump = 0.5 }\n",
            &["fields.quantum_technology.winter.hazard_per_year", "at most 1"],
        );
    }

    /// The fund's rules on its share of a sub-fund (申报指南 §2(2)): at most 50%, and at most 20%
    /// of one registered outside Shanghai.
    #[test]
    fn fund_shares_follow_the_funds_rules() {
        assert_error(
            "[subfunds.sf01_embodied_ai]\nfund_share = 0.6\n",
            &["subfunds.sf01_embodied_ai.fund_share: must be at most 0.5 by fund.max_subfund_share, got 0.6"],
        );
        assert_error(
            "[subfunds.sf01_embodied_ai]\nregistered_in_shanghai = false\n",
            &["subfunds.sf01_embodied_ai.fund_share: must be at most 0.2", "registered outside Shanghai", "got 0.25"],
        );
        let path = scenarios_dir().join("outside.toml");
        let text = "extends = \"base.toml\"\n[subfunds.sf01_embodied_ai]\nregistered_in_shanghai = false\nfund_share = 0.2\n";
        let s = load_str(text, &path).unwrap_or_else(|e| panic!("{e}"));
        assert!(!s.subfunds[0].registered_in_shanghai && s.subfunds[1].registered_in_shanghai);
    }

    #[test]
    fn sub_fund_lives_are_checked() {
        assert_error(
            "[subfunds.sf01_embodied_ai]\nterm_years = 6\n",
            &["subfunds.sf01_embodied_ai.term_years: must be >= 7, got 6"],
        );
        assert_error(
            "[subfunds.sf18_embodied_ai_scale_up]\nvintage = \"2036Q1\"\n",
            &["subfunds.sf18_embodied_ai_scale_up.term_years", "would end in quarter 78", "after quarter 72 (2042Q3)"],
        );
        assert_error(
            "[subfund_defaults]\nmanagement_fee_ip = 0.04\n",
            &[
                "subfunds.sf01_embodied_ai.investable_share: fees could exceed",
                "= 0.2600",
                "<= 1 - investable_share = 0.2000",
            ],
        );
        assert_error("[subfunds.sf01_embodied_ai]\ninvestment_period_years = 5.1\n", &["whole number of quarters"]);
        assert_error(
            "[subfunds.sf01_embodied_ai]\nvintage = \"2020Q1\"\n",
            &["subfunds.sf01_embodied_ai.vintage: must lie within"],
        );
    }
}
