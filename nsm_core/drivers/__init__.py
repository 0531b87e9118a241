"""Driver trees: the North Star decomposed into drivers, change attribution, what-if."""
