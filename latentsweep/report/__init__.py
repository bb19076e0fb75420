"""Reading results as a paper does: statistics, tables and figures, from the store alone."""
