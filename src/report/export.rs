//! Writing a report to files: summary.json, paths.csv, quarterly.csv.
