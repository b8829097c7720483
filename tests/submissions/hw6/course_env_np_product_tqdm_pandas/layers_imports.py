from scipy import signal as _signal  # noqa: E402  (one real copy uses scipy)
