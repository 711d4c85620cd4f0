"""What every listener shares: Block Kit primitives and limits, escaping, acknowledgements, errors, replies, the actor."""
