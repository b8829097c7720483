import seaborn  # noqa: E402, F401
