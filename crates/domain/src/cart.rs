//! The shopping cart.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::{Quantity, SkuId};

/// One line of a cart: how many units of a SKU, and whether the line is ticked for checkout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CartLine {
    pub sku_id: SkuId,
    pub count: Quantity,
    pub selected: bool,
}

/// A user's cart: at most one line per SKU, kept in SKU-id order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cart {
    lines: BTreeMap<SkuId, CartLine>,
}

impl Cart {
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a cart from lines; a later line for the same SKU replaces an earlier one.
    pub fn from_lines(lines: impl IntoIterator<Item = CartLine>) -> Self {
        Cart { lines: lines.into_iter().map(|line| (line.sku_id, line)).collect() }
    }

    /// Sets a line, replacing any line of the same SKU.
    pub fn put(&mut self, line: CartLine) {
        self.lines.insert(line.sku_id, line);
    }

    pub fn remove(&mut self, sku_id: SkuId) -> Option<CartLine> {
        self.lines.remove(&sku_id)
    }

    pub fn get(&self, sku_id: SkuId) -> Option<&CartLine> {
        self.lines.get(&sku_id)
    }

    /// All lines, in SKU-id order.
    pub fn lines(&self) -> impl Iterator<Item = &CartLine> {
        self.lines.values()
    }

    /// The lines ticked for checkout, in SKU-id order: the order in which stock is locked, so that
    /// two orders of the same SKUs always lock them in the same order and cannot deadlock.
    pub fn selected(&self) -> Vec<CartLine> {
        self.lines.values().filter(|line| line.selected).copied().collect()
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::QuantityLimit;

    fn line(sku: u64, count: i64, selected: bool) -> CartLine {
        CartLine {
            sku_id: SkuId(sku),
            count: Quantity::new(count, QuantityLimit::DEFAULT).unwrap(),
            selected,
        }
    }

    #[test]
    fn selected_lines_come_in_sku_id_order() {
        let cart = Cart::from_lines([line(9, 1, true), line(3, 2, false), line(5, 1, true)]);
        let ids: Vec<u64> = cart.selected().iter().map(|l| l.sku_id.0).collect();
        assert_eq!(ids, vec![5, 9]);
    }

    #[test]
    fn one_line_per_sku() {
        let mut cart = Cart::from_lines([line(1, 1, true)]);
        cart.put(line(1, 4, false));
        assert_eq!(cart.len(), 1);
        assert_eq!(cart.get(SkuId(1)).unwrap().count.get(), 4);
    }
}
