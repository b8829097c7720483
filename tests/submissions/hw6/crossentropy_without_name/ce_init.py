def __init__(self) -> None:
    """The loss of an older starter, without the required name."""
    self.name = "cross_entropy"
