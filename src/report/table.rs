//! The summary table printed in the terminal.
