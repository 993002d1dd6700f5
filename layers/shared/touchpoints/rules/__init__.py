"""The product's rules: pure functions over plain values (no network, clock or environment)."""
