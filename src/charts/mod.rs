//! PNG charts of a report.
