//! The pure logic of the live process viewer (`rpsutil top`): the filter language,
//! sorting and the process tree. Nothing here reads the system or draws: rows are
//! anything that answers [`fields::Fields`], so every rule is tested on hand-made
//! rows.

pub mod fields;
pub mod order;
pub mod query;
