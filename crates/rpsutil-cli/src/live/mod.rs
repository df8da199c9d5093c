//! The pure logic of the live process viewer (`rpsutil top`): the filter language,
//! sorting and the process tree. Nothing here reads the system or draws: rows are
//! anything that answers [`fields::Fields`], so every rule is tested on hand-made
//! rows.

// The viewer that calls these (data collection, batch and TUI rendering) lands in
// the next change; until then nothing in the binary uses them but the tests.
#![allow(dead_code)]

pub mod fields;
pub mod order;
pub mod query;
