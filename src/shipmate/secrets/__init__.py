"""Secret values: kept as versioned files in the state folder, and a filter that keeps them out of output."""
