//! The national administrative areas (provinces, cities, districts).

use serde::Serialize;

/// An area by its national administrative division code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Area {
    pub id: u64,
    pub name: String,
}

/// An area with the areas directly under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AreaWithSubs {
    pub id: u64,
    pub name: String,
    pub subs: Vec<Area>,
}
